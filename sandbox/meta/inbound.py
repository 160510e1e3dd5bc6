"""What a candidate does on WhatsApp, as the ``messages`` webhook value Meta would send (reference 3.4-3.7).

``build_value`` turns a control request into ``value.messages[]`` (per-type builders in ``inbound_types``),
``value.statuses[]`` (a status of a message the relay sent) or a value-level ``errors[]``. Senders may be
known by phone (``from``), by business-scoped user id only (``user_id``, reference 2.8), or both.
"""

from __future__ import annotations

import re

from .errors import webhook_error
from .inbound_types import BARE_TYPES, BUILDERS, InboundError
from .sending import resolve_wa_id
from .state import MetaWorld, PhoneNumber
from .statuses import status_object

__all__ = ["InboundError", "build_value", "STATUSES"]

STATUSES = ("sent", "delivered", "read", "failed", "played")
# User-initiated types that (re)open the 24-hour customer service window.
OPENS_WINDOW = frozenset(
    {"text", "image", "audio", "video", "document", "sticker", "location", "contacts", "button", "interactive",
     "order", "request_welcome"}
)  # fmt: skip
NEEDS_CONTEXT = frozenset({"button", "interactive"})
FORWARD_FLAGS = ("forwarded", "frequently_forwarded")
_BSUID = re.compile(r"^[A-Z]{2}(\.ENT)?\.[A-Za-z0-9]{1,128}$")
REFERRAL_DEFAULTS = {
    "source_url": "https://fb.me/3cr4Wqqkv",
    "source_id": "120226305854810726",
    "source_type": "ad",
    "body": "Warehouse operators wanted — apply on WhatsApp",
    "headline": "Chat with our recruiters",
    "media_type": "image",
    "image_url": "https://scontent.xx.fbcdn.net/v/t45.1600-4/recruiting-ad.jpg",
    "ctwa_clid": "ARAkLkA8rmlFeiCktEJQ-QTwRiyYHAFDLMNDBH0CD3qpjd0HR4irJ6LEkR7JwFF4XvnO2E4Nx0-eM-GABDLOPaOdRMv-_zfUQ2a",
    "welcome_message": {"text": "Hi! Tell us which job you are interested in."},
}


def _sender(world: MetaWorld, request: dict) -> tuple[str | None, str | None]:
    """(wa_id, business-scoped user id): at least one. The wa_id is Meta's form of the number (Brazil, Mexico)."""
    wa_id, user_id = request.get("from"), request.get("user_id")
    if wa_id is None and user_id is None:
        raise InboundError("give 'from' (the candidate's wa_id) or 'user_id' (a business-scoped user id)")
    if wa_id is not None and (not isinstance(wa_id, str) or not wa_id.isdigit()):
        raise InboundError("'from' must be the candidate's wa_id (digits only)")
    if wa_id is not None:
        wa_id = resolve_wa_id(world, wa_id)
    if user_id is not None and (not isinstance(user_id, str) or not _BSUID.match(user_id)):
        raise InboundError("'user_id' must look like a business-scoped user id, e.g. US.13491208655302741918")
    return wa_id, user_id


def _context(world: MetaWorld, number: PhoneNumber, request: dict, sender: str) -> dict | None:
    context = request.get("context")
    if request["type"] in NEEDS_CONTEXT and not isinstance(context, dict):
        context = _tapped_message(world, number, sender)
    if not isinstance(context, dict):
        return None
    quoted = context.get("id") or context.get("message_id")
    if quoted is None and any(context.get(flag) for flag in FORWARD_FLAGS):
        return {flag: True for flag in FORWARD_FLAGS if context.get(flag)}  # forwarded: no quoted message
    if not isinstance(quoted, str):
        raise InboundError("context needs the id of the quoted message (or forwarded: true)")
    return {
        "from": context.get("from") or number.digits,
        "id": quoted,
        **{k: v for k, v in context.items() if k not in ("id", "message_id", "from")},
    }


def _message(world: MetaWorld, number: PhoneNumber, request: dict, wamid: str) -> dict:
    kind = request["type"]
    wa_id, user_id = _sender(world, request)
    message: dict = {}
    if wa_id is not None:
        message["from"] = wa_id
    if user_id is not None:
        message["from_user_id"] = user_id
    message.update(id=wamid, timestamp=str(int(world.clock())), type=kind)
    context = _context(world, number, request, wa_id or user_id)  # type: ignore[arg-type]
    if context is not None:
        message["context"] = context
    referral = request.get("referral")
    if referral:
        message["referral"] = {**REFERRAL_DEFAULTS, **(referral if isinstance(referral, dict) else {})}
    if kind == "unsupported":
        code = int(request.get("error_code") or 131051)
        details = request.get("error_details") or "Message type is currently not supported."
        message["errors"] = [webhook_error(code, details)]
        message["unsupported"] = {"type": request.get("unsupported_type") or "poll"}
    elif kind not in BARE_TYPES:
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
    errors = None
    if status == "failed":
        code = int(request.get("error_code") or 131026)
        errors = [webhook_error(code, request.get("error_details") or "Message failed to send.")]
    item = status_object(world, number, sent, status, errors)
    sent["statuses"].append(status)
    sent["status"] = status
    return item


def _contact(request: dict, wa_id: str | None, user_id: str | None) -> dict:
    profile: dict = {"name": request.get("name") or "WhatsApp User"}
    if request.get("username"):
        profile["username"] = request["username"]
    contact: dict = {"profile": profile}
    if wa_id is not None:
        contact["wa_id"] = wa_id
    if user_id is not None:
        contact["user_id"] = user_id
    return contact


def build_value(world: MetaWorld, number: PhoneNumber, request: dict) -> tuple[dict, str | None]:
    """(``messages`` field value without metadata, the wamid it concerns); records inbound messages."""
    kind = request.get("type")
    if kind == "status":
        status = _status(world, number, request)
        return {"statuses": [status]}, status["id"]
    if kind == "errors":  # a system-level problem, not tied to a message (reference 3.7)
        code = int(request.get("error_code") or 130429)
        details = request.get("error_details") or "Message failed to send because there were too many messages."
        return {"errors": [webhook_error(code, details)]}, None
    if kind not in BUILDERS and kind not in BARE_TYPES:
        known = sorted({*BUILDERS, *BARE_TYPES, "status", "errors"})
        raise InboundError(f"unknown type {kind!r}; use one of {known}")
    wa_id, user_id = _sender(world, request)
    wamid = world.new_wamid()
    message = _message(world, number, {**request, "from": wa_id} if wa_id else request, wamid)
    sender = wa_id or user_id
    world.inbound[wamid] = {"phone_number_id": number.id, "from": sender, "user_id": user_id,
                            "at": world.clock(), "type": kind, "name": request.get("name"),
                            "message": message}  # fmt: skip
    if kind in OPENS_WINDOW:
        for key in filter(None, (wa_id, user_id)):
            world.open_window(number.id, key)
    if "referral" in message:
        for key in filter(None, (wa_id, user_id)):
            world.open_entry_point(number.id, key)
    if kind == "system":
        return {"messages": [message]}, wamid  # system messages carry no contacts (reference 3.4)
    return {"contacts": [_contact(request, wa_id, user_id)], "messages": [message]}, wamid
