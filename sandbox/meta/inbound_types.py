"""One builder per inbound message type (reference 3.5): a control request's fields → ``messages[].<type>``.

``BUILDERS`` maps the message ``type`` to its builder; adding a type is one entry and one function.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

from .errors import MetaError
from .media import check_media, store
from .state import MetaWorld, PhoneNumber


class InboundError(ValueError):
    """The control request does not describe a valid candidate action."""


Builder = Callable[[MetaWorld, PhoneNumber, dict], object]


def _object(request: dict, kind: str) -> dict:
    value = request.get(kind)
    if not isinstance(value, dict):
        raise InboundError(f"type {kind} needs a {kind!r} object")
    return value


def _text(world: MetaWorld, number: PhoneNumber, request: dict) -> dict:
    text = request.get("text")
    body = text.get("body") if isinstance(text, dict) else text
    if not isinstance(body, str) or not body:
        raise InboundError("type text needs a non-empty 'text'")
    return {"body": body}


def _media(kind: str) -> Builder:
    def build(world: MetaWorld, number: PhoneNumber, request: dict) -> dict:
        try:
            data = base64.b64decode(request.get("content_base64") or "", validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InboundError("content_base64 is not valid base64") from exc
        mime = request.get("mime_type")
        if not isinstance(mime, str):
            raise InboundError(f"type {kind} needs a mime_type")
        try:
            media_kind = check_media(mime, data)
        except MetaError as exc:
            raise InboundError(exc.details or exc.message) from exc
        if media_kind != kind and kind != "document":
            raise InboundError(f"{mime} is not a {kind}")
        media = store(world, number, data, mime, request.get("filename"), origin="webhook")
        # Webhooks keep MIME parameters and carry the digest in base64 (reference 3.5, 2.5).
        value: dict = {"mime_type": media.mime_type, "sha256": media.sha256_base64, "id": media.id}
        if kind in ("image", "video", "document") and request.get("caption"):
            value["caption"] = request["caption"]
        if kind == "document":
            value["filename"] = request.get("filename") or "document"
        if kind == "audio":
            value["voice"] = bool(request.get("voice", False))
        if kind == "sticker":
            value["animated"] = b"ANIM" in data[:4096]
        value["url"] = world.media_url(media)
        return value

    return build


def _location(world: MetaWorld, number: PhoneNumber, request: dict) -> dict:
    value = _object(request, "location")
    if "latitude" not in value or "longitude" not in value:
        raise InboundError("a location needs latitude and longitude")
    return value


def _reaction(world: MetaWorld, number: PhoneNumber, request: dict) -> dict:
    value = _object(request, "reaction")
    if "message_id" not in value:
        raise InboundError("a reaction needs message_id")
    return value


def _button(world: MetaWorld, number: PhoneNumber, request: dict) -> dict:
    value = _object(request, "button")
    if "payload" not in value or "text" not in value:
        raise InboundError("a button reply needs payload and text")
    return value


def _interactive(world: MetaWorld, number: PhoneNumber, request: dict) -> dict:
    value = _object(request, "interactive")
    reply_type = value.get("type")
    if reply_type not in ("button_reply", "list_reply", "nfm_reply") or reply_type not in value:
        raise InboundError("interactive needs type button_reply|list_reply|nfm_reply and that object")
    if reply_type == "nfm_reply" and not isinstance(value["nfm_reply"].get("response_json"), str):
        raise InboundError("an nfm_reply carries response_json as a JSON string (Flows)")
    return value


def _contacts(world: MetaWorld, number: PhoneNumber, request: dict) -> list:
    value = request.get("contacts")
    if not isinstance(value, list) or not value:
        raise InboundError("type contacts needs a non-empty 'contacts' list")
    return value


def _order(world: MetaWorld, number: PhoneNumber, request: dict) -> dict:
    value = _object(request, "order")
    if "catalog_id" not in value or not isinstance(value.get("product_items"), list):
        raise InboundError("an order needs catalog_id and product_items")
    return value


def _system(world: MetaWorld, number: PhoneNumber, request: dict) -> dict:
    value = request.get("system") or {}
    sender = request.get("from") or request.get("user_id")
    new_wa_id = value.get("wa_id") or request.get("new_wa_id") or sender
    name = request.get("name") or "The user"
    return {
        "body": value.get("body") or f"User {name} changed from {sender} to {new_wa_id}",
        "wa_id": new_wa_id,
        "type": value.get("type") or "user_changed_number",
    }


def last_inbound_from(world: MetaWorld, number: PhoneNumber, request: dict, kinds: tuple[str, ...]) -> str:
    """The wamid of this candidate's latest message of one of ``kinds`` to this number."""
    sender = request.get("from") or request.get("user_id")
    for wamid, seen in reversed(world.inbound.items()):
        if seen["phone_number_id"] == number.id and sender in (seen["from"], seen.get("user_id")):
            if seen["type"] in kinds:
                return wamid
    raise InboundError("give original_message_id: this candidate sent nothing that can be edited or revoked")


def _edit(world: MetaWorld, number: PhoneNumber, request: dict) -> dict:
    """An edit (coexistence numbers): the original wamid and the message as it reads now."""
    spec = request.get("edit") if isinstance(request.get("edit"), dict) else {}
    original = spec.get("original_message_id") or last_inbound_from(world, number, request, ("text", "image", "video"))
    message = spec.get("message")
    if message is None:
        text = spec.get("text") or request.get("text")
        if not isinstance(text, str) or not text:
            raise InboundError("an edit needs edit.text (the new text) or edit.message")
        message = {"type": "text", "text": {"body": text}}
    if not isinstance(message, dict) or message.get("type") not in message:
        raise InboundError("edit.message needs a type and that object")
    return {"original_message_id": original, "message": message}


def _revoke(world: MetaWorld, number: PhoneNumber, request: dict) -> dict:
    """The candidate deleted a message they sent (within two days)."""
    spec = request.get("revoke") if isinstance(request.get("revoke"), dict) else {}
    kinds = ("text", "image", "video", "audio", "document", "sticker", "location", "contacts")
    return {"original_message_id": spec.get("original_message_id") or last_inbound_from(world, number, request, kinds)}


BUILDERS: dict[str, Builder] = {
    "text": _text,
    "image": _media("image"),
    "audio": _media("audio"),
    "video": _media("video"),
    "document": _media("document"),
    "sticker": _media("sticker"),
    "location": _location,
    "reaction": _reaction,
    "button": _button,
    "interactive": _interactive,
    "contacts": _contacts,
    "order": _order,
    "system": _system,
    "edit": _edit,
    "revoke": _revoke,
}
# Types whose message carries no object of its own.
BARE_TYPES = frozenset({"request_welcome", "unsupported"})
