"""``POST /{phone_number_id}/messages``: the checks Meta applies to a send, in the order it applies them."""

from __future__ import annotations

import re

from . import strict
from .errors import MetaError, invalid_parameter, unexpected_key
from .media import fits_message_type
from .sending import resolve_wa_id, take_recipient_fault
from .state import MetaWorld, PhoneNumber
from .statuses import template_category
from .templates import check_template_send

MAX_TEXT_BODY = 4096
READ_RECEIPT_MAX_AGE = 30 * 24 * 3600
_TO_NOISE = re.compile(r"[+\-() ]")
_BSUID = re.compile(r"^[A-Z]{2}(\.ENT)?\.[A-Za-z0-9]{1,128}$")
_MEDIA_KINDS = ("image", "audio", "video", "document", "sticker")


def _messaging_product(body: dict) -> None:
    product = body.get("messaging_product")
    if product is None:
        raise MetaError(100, "(#100) The parameter messaging_product is required.")
    if product != "whatsapp":
        raise MetaError(100, f'(#100) Param messaging_product must be one of {{WHATSAPP}} - got "{product}".')


def _account_ready(world: MetaWorld, number: PhoneNumber, *, billable: bool) -> None:
    if not number.registered:
        raise MetaError(
            133010, details="The phone number is not registered on the Cloud API (POST /register)."
        )
    if billable and not world.wabas[number.waba_id].payment_method:
        raise MetaError(
            131042,
            details="The WhatsApp Business Account has no valid payment method; add one in WhatsApp Manager.",
        )


def mark_read(world: MetaWorld, number: PhoneNumber, body: dict) -> dict:
    """Read receipt (+ optional typing indicator), reference 2.3."""
    for key in body:
        if key not in ("messaging_product", "status", "message_id", "typing_indicator"):
            raise unexpected_key(key, "message")
    if body.get("status") != "read":
        raise invalid_parameter(f'Param status must be "read", got {body.get("status")!r}.')
    if "typing_indicator" in body and body["typing_indicator"] != {"type": "text"}:
        raise invalid_parameter('Param typing_indicator must be {"type": "text"}.')
    message_id = body.get("message_id")
    if not isinstance(message_id, str) or not message_id:
        raise MetaError(100, "(#100) The parameter message_id is required.")
    inbound = world.inbound.get(message_id)
    if inbound is None or inbound["phone_number_id"] != number.id:
        raise MetaError(131009, details=f"Message {message_id} was not received by this phone number.")
    if world.clock() - inbound["at"] > READ_RECEIPT_MAX_AGE:
        raise MetaError(131009, details="Messages older than 30 days cannot be marked as read.")
    world.read_receipts.append({**body, "phone_number_id": number.id, "at": world.clock()})
    return {"success": True}


def _recipient(world: MetaWorld, body: dict) -> tuple[str, str]:
    """(what the caller sent, the WhatsApp id or BSUID it designates, which may differ from the input)."""
    if "to" in body and "recipient" in body:
        raise invalid_parameter("Send either to or recipient, not both.")
    if "recipient" in body:
        value = body["recipient"]
        if not isinstance(value, str) or not _BSUID.match(value):
            raise invalid_parameter(f"Param recipient is not a business-scoped user id: {value!r}.")
        return value, value
    value = body.get("to")
    if not isinstance(value, str) or not value.strip():
        raise MetaError(100, "(#100) The parameter to is required.")
    digits = _TO_NOISE.sub("", value)
    if not digits.isdigit() or not 8 <= len(digits) <= 15:
        raise invalid_parameter(f"Param to must be a phone number in international format, got {value!r}.")
    return value, resolve_wa_id(world, digits)


def _envelope(body: dict) -> str:
    """Checks outside the type-specific object; returns the message type."""
    # The spec requires type, but Meta's own examples omit it for text: the live API defaults it to "text".
    kind = body.get("type", "text")
    if kind not in strict.message_branches():
        allowed = ", ".join(sorted(strict.message_branches()))
        raise MetaError(100, f'(#100) Param type must be one of {{{allowed}}} - got "{kind}".')
    for key in body:
        if key not in strict.envelope_keys(kind):
            raise unexpected_key(key, "message")
    if kind not in body:
        raise MetaError(100, f"(#100) The parameter {kind} is required.")
    # The spec requires recipient_type; the live API (reference 2.1) defaults it to "individual".
    if body.get("recipient_type", "individual") != "individual":
        raise invalid_parameter("Only recipient_type individual is simulated (groups are not).")
    context = body.get("context")
    if context is not None:
        if not isinstance(context, dict) or not isinstance(context.get("message_id"), str):
            raise MetaError(100, "(#100) The parameter context['message_id'] is required.")
        for key in context:
            if key != "message_id":
                raise unexpected_key(key, "context")
    opaque = body.get("biz_opaque_callback_data")
    if opaque is not None and (not isinstance(opaque, str) or len(opaque) > 512):
        raise invalid_parameter("Param biz_opaque_callback_data must be a string of at most 512 characters.")
    return kind


def _type_rules(world: MetaWorld, number: PhoneNumber, kind: str, value: dict) -> None:
    """Rules beyond the schema for one message type."""
    if kind == "text" and len(value["body"]) > MAX_TEXT_BODY:
        raise invalid_parameter(
            f"Param text['body'] must be at most {MAX_TEXT_BODY} characters long.",
            f"(#100) Param text['body'] must be at most {MAX_TEXT_BODY} characters long.",
        )
    if kind == "interactive" and value.get("type") in ("button", "list") and "body" not in value:
        raise MetaError(100, "(#100) The parameter interactive['body'] is required.")
    if kind in _MEDIA_KINDS:
        if "link" in value and not re.match(r"^https?://[^\s/]+", str(value["link"])):
            raise invalid_parameter(f"Param {kind}['link'] must be an http(s) URL.")
        if "id" in value:
            media = world.media.get(str(value["id"]))
            if media is None or media.waba_id != number.waba_id:
                raise invalid_parameter(
                    f"Param {kind}['id'] is not a valid whatsapp business account media attachment ID",
                    f"(#100) Param {kind}['id'] is not a valid whatsapp business account media attachment ID",
                )
            if not fits_message_type(kind, media.mime_type):
                raise MetaError(131053, details=f"Media of type {media.mime_type} cannot be sent as {kind}.")


WINDOW_CLOSED = (
    "Message failed to send because more than 24 hours have passed since the customer last replied to this number."
)


def _doomed(world: MetaWorld, number: PhoneNumber, body: dict, wa_id: str) -> tuple[int, str] | None:
    """Why an accepted send will fail later, if it will: a fault switched on, or a marketing opt-out."""
    fault = take_recipient_fault(world, number, wa_id)
    if fault is not None:
        return fault.error_code, fault.details or "Message failed to send."
    if body.get("type") == "template" and (number.id, wa_id) in world.marketing_opt_outs:
        if template_category(world, number, body | {"wa_id": wa_id}) == "marketing":
            return 131050, "The recipient has chosen to stop receiving marketing messages from this business."
    return None


def send_message(world: MetaWorld, number: PhoneNumber, body: object) -> dict:
    """Validate and accept one send (or read receipt); returns the Graph response body."""
    if not isinstance(body, dict):
        raise invalid_parameter("The request body must be a JSON object.")
    _messaging_product(body)
    if "status" in body:
        _account_ready(world, number, billable=False)
        return mark_read(world, number, body)
    kind = _envelope(body)
    _account_ready(world, number, billable=True)
    strict.check_message_object(kind, body[kind])
    _type_rules(world, number, kind, body[kind])
    given, wa_id = _recipient(world, body)
    if wa_id == number.digits:
        raise MetaError(131021, details="The recipient is the sending phone number.")
    world.limits.check(number, wa_id)
    failure = None
    if kind == "template":
        check_template_send(world, world.wabas[number.waba_id], body["template"])
    elif not world.window_open(number.id, wa_id):
        failure = (131047, WINDOW_CLOSED)
        if world.rules.sending.window_failure == "immediate":
            raise MetaError(131047, details=WINDOW_CLOSED)
    failure = failure or _doomed(world, number, body, wa_id)
    wamid = world.new_wamid()
    record = world.record_sent(number, body, wamid, wa_id)
    record["recipient_kind"] = "user_id" if "recipient" in body else "wa_id"
    world.limits.count(number, wa_id)
    world.statuses.after_accept(number, record, failure)
    message: dict = {"id": wamid}
    if kind == "template":
        message["message_status"] = "accepted"  # present for template sends only (reference 2.2)
    contact = {"input": given, "user_id": wa_id} if "recipient" in body else {"input": given, "wa_id": wa_id}
    return {"messaging_product": "whatsapp", "contacts": [contact], "messages": [message]}
