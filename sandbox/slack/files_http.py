"""File bytes over HTTP: the upload URL files.getUploadURLExternal hands out, and authenticated downloads.

A download without a valid ``Authorization: Bearer`` token (or without files:read) gets what Slack gives: a
200 HTML sign-in page, not an error status.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from .methods.files import file_visible_to_bot
from .state import StoredFile, Workspace
from .world import SlackApiFailure, SlackWorld

SIGN_IN_PAGE = """<!DOCTYPE html>
<html lang="en-US"><head><meta charset="utf-8"><title>Sign in | Slack</title></head>
<body><h1>Sign in to Slack</h1><p>We suggest using the email address you use at work.</p>
<form action="/signin" method="post"><input type="email" name="email">
<button type="submit">Sign In</button></form>
</body></html>"""


def _find_file(world: SlackWorld, file_id: str) -> tuple[Workspace, StoredFile] | None:
    for ws in world.workspaces.values():
        if file_id in ws.files:
            return ws, ws.files[file_id]
    return None


async def upload(request: Request) -> Response:
    """Receive a file's bytes (raw body, or multipart field ``file``) for a pending upload."""
    world: SlackWorld = request.app.state.sim
    found = _find_file(world, request.path_params["file_id"])
    if found is None:
        return PlainTextResponse("Not Found", status_code=404)
    _, stored = found
    if stored.completed or stored.content is not None:
        return PlainTextResponse("upload URL already used", status_code=400)
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form()
        part = form.get("file") or form.get("filename")
        if part is None or isinstance(part, str):
            return PlainTextResponse("multipart upload needs a file field", status_code=400)
        content = await part.read()
    else:
        content = await request.body()
    stored.content = content
    return PlainTextResponse(f"OK - {len(content)}")


def _authorized(world: SlackWorld, request: Request, ws: Workspace, stored: StoredFile) -> bool:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer "):
        return False
    try:
        caller = world.workspace_for_token(header[7:].strip())
    except SlackApiFailure:
        return False
    return caller is ws and "files:read" in ws.scopes and file_visible_to_bot(ws, stored)


async def download(request: Request) -> Response:
    world: SlackWorld = request.app.state.sim
    file_id = request.path_params.get("file_id") or request.path_params["team_file"].partition("-")[2]
    found = _find_file(world, file_id)
    if found is None:
        return HTMLResponse(SIGN_IN_PAGE)
    ws, stored = found
    if not stored.completed and stored.user_id == ws.bot_user_id:
        return PlainTextResponse("Not Found", status_code=404)
    if not _authorized(world, request, ws, stored):
        return HTMLResponse(SIGN_IN_PAGE)  # Slack answers 200 text/html: the classic missing-header pitfall
    return Response(
        stored.content or b"",
        media_type=stored.mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{stored.name}"',
        },
    )


ROUTES = [
    Route("/_sim/slack/upload/{file_id}", upload, methods=["POST"]),
    Route("/_sim/slack/files/{file_id}/{name}", download, methods=["GET"]),
    Route("/_sim/slack/files-pri/{team_file}/{name}", download, methods=["GET"]),
]
