"""What a candidate does on WhatsApp, as the ``messages`` webhook value Meta would send (reference 3.5, 3.6).

``build_value`` turns a control request into ``value.messages[]`` or ``value.statuses[]``; one function per
type, dispatched through ``BUILDERS``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

from .errors import MetaError, webhook_error
from .media import check_media, store
from .state import MetaWorld, PhoneNumber

STATUSES = ("sent", "delivered", "read", "failed", "played")
# User-initiated types that (re)open the 24-hour customer service window.
OPENS_WINDOW = frozenset(
    {
        "text",
        "image",
        "audio",
        "video",
        "document",
        "sticker",
        "location",
        "contacts",
        "button",
        "interactive",
    }
)


NEEDS_CONTEXT = frozenset({"button", "interactive"})


class InboundError(ValueError):
    """The control request does not describe a valid candidate action."""


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


def _media(kind: str) -> Callable[[MetaWorld, PhoneNumber, dict], dict]:
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
        media = store(world, number, data, mime, request.get("filename"))
        value: dict = {"mime_type": media.mime_type, "sha256": media.sha256, "id": media.id}
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
    return value


def _contacts(world: MetaWorld, number: PhoneNumber, request: dict) -> list:
    value = request.get("contacts")
    if not isinstance(value, list) or not value:
        raise InboundError("type contacts needs a non-empty 'contacts' list")
    return value


def _order(world: MetaWorld, number: PhoneNumber, request: dict) -> dict:
    return _object(request, "order")


def _system(world: MetaWorld, number: PhoneNumber, request: dict) -> dict:
    value = request.get("system") or {}
    new_wa_id = value.get("wa_id") or request.get("new_wa_id") or request["from"]
    name = request.get("name") or "The user"
    return {
        "body": value.get("body") or f"User {name} changed from {request['from']} to {new_wa_id}",
        "wa_id": new_wa_id,
        "type": value.get("type") or "user_changed_number",
    }


BUILDERS: dict[str, Callable[[MetaWorld, PhoneNumber, dict], object]] = {
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
}


def _message(world: MetaWorld, number: PhoneNumber, request: dict, wamid: str) -> dict:
    kind = request["type"]
    wa_id = request["from"]
    message: dict = {"from": wa_id, "id": wamid, "timestamp": str(int(world.clock())), "type": kind}
    if request.get("user_id"):
        message["from_user_id"] = request["user_id"]
    context = request.get("context")
    if kind in NEEDS_CONTEXT and not isinstance(context, dict):
        context = _tapped_message(world, number, wa_id)
    if isinstance(context, dict):
        quoted = context.get("id") or context.get("message_id")
        if not isinstance(quoted, str):
            raise InboundError("context needs the id of the quoted message")
        message["context"] = {
            "from": context.get("from") or number.digits,
            "id": quoted,
            **{k: v for k, v in context.items() if k not in ("id", "message_id", "from")},
        }
    if kind == "unsupported":
        message["errors"] = [webhook_error(131051, "Message type is currently not supported.")]
        message["unsupported"] = {"type": request.get("unsupported_type") or "poll"}
    else:
        message[kind] = BUILDERS[kind](world, number, request)
    return message


def _tapped_message(world: MetaWorld, number: PhoneNumber, wa_id: str) -> dict:
    """A button or list reply always quotes the message tapped: default to the last one sent to this user."""
    for sent in reversed(world.messages):
        if sent["phone_number_id"] == number.id and sent["wa_id"] == wa_id:
            return {"id": sent["wamid"]}
    raise InboundError(
        "a button or interactive reply needs context.id (no message was sent to this user yet)"
    )


def _status(world: MetaWorld, number: PhoneNumber, request: dict) -> dict:
    wamid = request.get("message_id")
    sent = world.sent_message(wamid) if isinstance(wamid, str) else None
    if sent is None or sent["phone_number_id"] != number.id:
        raise InboundError(f"message_id {wamid!r} is not a message this number sent")
    status = request.get("status")
    if status not in STATUSES:
        raise InboundError(f"status must be one of {STATUSES}")
    result: dict = {
        "id": wamid,
        "status": status,
        "timestamp": str(int(world.clock())),
        "recipient_id": sent["wa_id"],
    }
    if sent.get("biz_opaque_callback_data"):
        result["biz_opaque_callback_data"] = sent["biz_opaque_callback_data"]
    if status in ("sent", "delivered"):
        result["pricing"] = _pricing(world, number, sent)
    if status == "failed":
        code = int(request.get("error_code") or 131026)
        result["errors"] = [webhook_error(code, request.get("error_details") or "Message failed to send.")]
    return result


def _pricing(world: MetaWorld, number: PhoneNumber, sent: dict) -> dict:
    if sent.get("type") == "template":
        template = next(
            (t for t in world.waba_templates(number.waba_id) if t.name == sent["template"]["name"]), None
        )
        category = (template.category if template else "utility").lower()
        return {"billable": True, "pricing_model": "PMP", "type": "regular", "category": category}
    return {"billable": False, "pricing_model": "PMP", "type": "free_customer_service", "category": "service"}


def build_value(world: MetaWorld, number: PhoneNumber, request: dict) -> tuple[dict, str]:
    """(``messages`` field value without metadata, the wamid it concerns); records inbound messages."""
    kind = request.get("type")
    if kind == "status":
        status = _status(world, number, request)
        return {"statuses": [status]}, status["id"]
    if kind != "unsupported" and kind not in BUILDERS:
        raise InboundError(f"unknown type {kind!r}; use status, unsupported or one of {sorted(BUILDERS)}")
    wa_id = request.get("from")
    if not isinstance(wa_id, str) or not wa_id.isdigit():
        raise InboundError("'from' must be the candidate's wa_id (digits only)")
    wamid = world.new_wamid()
    message = _message(world, number, request, wamid)
    world.inbound[wamid] = {"phone_number_id": number.id, "from": wa_id, "at": world.clock(), "type": kind}
    if kind in OPENS_WINDOW:
        world.open_window(number.id, wa_id)
        if request.get("user_id"):
            world.open_window(number.id, request["user_id"])
    if kind == "system":
        return {"messages": [message]}, wamid  # system messages carry no contacts (reference 3.4)
    contact: dict = {"profile": {"name": request.get("name") or "WhatsApp User"}, "wa_id": wa_id}
    if request.get("user_id"):
        contact["user_id"] = request["user_id"]
    return {"contacts": [contact], "messages": [message]}, wamid
