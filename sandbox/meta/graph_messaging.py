"""Graph routes for messaging: sends, media upload, media URL lookup and download."""

from __future__ import annotations

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from .errors import MetaError, invalid_parameter, unexpected_key, unsupported
from .faults import apply_fault
from .graph import access_token, authenticate, json_body, ok, world_of
from .media import base_mime, check_media, store
from .messaging import send_message
from .state import MetaWorld

UPLOAD_FIELDS = ("messaging_product", "file", "type")


async def messages(request: Request, world: MetaWorld) -> Response:
    token = authenticate(request, world)
    number = world.number_for(token, request.path_params["node_id"], "POST")
    return ok(send_message(world, number, await json_body(request)))


async def media_upload(request: Request, world: MetaWorld) -> Response:
    """Multipart upload (reference 2.5): messaging_product, file, and optionally type (the MIME type)."""
    token = authenticate(request, world)
    number = world.number_for(token, request.path_params["node_id"], "POST")
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise invalid_parameter("Upload media as multipart/form-data (messaging_product, file, type).")
    form = await request.form()
    for key in form:
        if key not in UPLOAD_FIELDS and key != "access_token":
            raise unexpected_key(key, "")
    if form.get("messaging_product") != "whatsapp":
        raise MetaError(100, "(#100) The parameter messaging_product is required and must be whatsapp.")
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise MetaError(100, "(#100) The parameter file is required.")
    data = await upload.read()
    declared = form.get("type")
    part_type = base_mime(upload.content_type)
    if isinstance(declared, str) and declared and part_type not in ("", "application/octet-stream"):
        if base_mime(declared) != part_type:
            raise MetaError(131053, details=f"type {declared} does not match the file's type {part_type}.")
    mime = declared if isinstance(declared, str) and declared else part_type
    check_media(mime, data)
    media = store(world, number, data, mime, upload.filename)
    return ok({"id": media.id})


async def delete_media(request: Request, world: MetaWorld) -> Response:
    token = authenticate(request, world)
    media = world.media_for(token, request.path_params["node_id"], "DELETE")
    number_filter = request.query_params.get("phone_number_id")
    if number_filter and number_filter != media.phone_number_id:
        raise unsupported("DELETE", media.id)
    del world.media[media.id]
    return ok({"success": True})


async def media_download(request: Request) -> Response:
    """The short-lived media URL: needs ``Authorization: Bearer`` with access to the media (else 401)."""
    world = world_of(request)
    media_id = request.path_params["media_id"]
    try:
        early, headers = await apply_fault(world.faults.take("media_download"), media_id)
        if early is not None:
            return early
        if request.headers.get("authorization") is None:  # the URL alone is not enough (reference 2.5)
            raise MetaError(
                190, "An Authorization: Bearer header is required to download media.", whatsapp=False
            )
        token = world.authenticate(access_token(request))
        media = world.media_from_url(media_id, request.query_params.get("token", ""))
        if media is None:
            return Response(status_code=404)  # unknown or older than five minutes: fetch a new URL
        if media.waba_id not in world.token_waba_ids(token):
            raise MetaError(190, "This token may not download this media.", whatsapp=False)
    except MetaError as error:
        return error.response()
    return Response(media.data, media_type=media.mime_type, headers=headers)
