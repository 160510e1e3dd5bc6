"""Webhook fields beyond candidate messages (reference 3.8): one small builder per field, dispatched through
``BUILDERS``. Each turns a control request into the change Meta sends, and applies what the event means to
the world (a paused template stops sending, an opted-out user refuses marketing, a throughput upgrade ...).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from .errors import webhook_error
from .inbound_types import InboundError
from .state import MetaWorld, PhoneNumber, Template
from .webhooks import messages_value

PARTNER_EVENTS = frozenset({"PARTNER_ADDED", "PARTNER_APP_INSTALLED", "PARTNER_APP_UNINSTALLED", "PARTNER_REMOVED"})
ACCOUNT_EXTRAS: dict[str, Callable[[MetaWorld], dict]] = {
    "ACCOUNT_VIOLATION": lambda w: {"violation_info": {"violation_type": "SCAM"}},
    "ACCOUNT_RESTRICTION": lambda w: {"restriction_info": [
        {"restriction_type": "RESTRICTED_ADD_PHONE_NUMBER_ACTION", "expiration": int(w.clock()) + 7 * 86400}]},
    "DISABLED_UPDATE": lambda w: {"ban_info": {"waba_ban_state": ["DISABLE"], "waba_ban_date": "2026-07-01"}},
}  # fmt: skip


@dataclass(frozen=True)
class AccountEvent:
    """One change to deliver: which entry it sits in, whose subscription it needs, where it may go."""

    field: str
    entry_id: str
    value: dict
    waba_id: str | None
    follows_overrides: bool  # only message-like fields follow callback overrides (reference 3.8)
    needs_subscription: bool = True
    timed: bool = True  # account and template fields carry entry.time


def _number(world: MetaWorld, request: dict) -> PhoneNumber:
    number = world.numbers.get(str(request.get("phone_number_id")))
    if number is None:
        raise InboundError(f"unknown phone_number_id {request.get('phone_number_id')!r}")
    return number


def _waba_id(world: MetaWorld, request: dict) -> str:
    waba_id = request.get("waba_id")
    if waba_id is None and request.get("phone_number_id") is not None:
        waba_id = _number(world, request).waba_id
    if waba_id not in world.wabas:
        raise InboundError(f"unknown waba_id {waba_id!r}")
    return str(waba_id)


def _template(world: MetaWorld, waba_id: str, request: dict) -> Template:
    name, language = request.get("name"), request.get("language", "en_US")
    for template in world.waba_templates(waba_id):
        if str(request.get("template_id")) == template.id or (template.name, template.language) == (name, language):
            return template
    raise InboundError("give template_id, or name (and language) of one of the WABA's templates")


def account_update(world: MetaWorld, request: dict) -> AccountEvent:
    """PARTNER_* events sit under the partner business id with ``waba_info``; others under the WABA."""
    waba_id = _waba_id(world, request)
    event = request.get("event") or "PARTNER_ADDED"
    value: dict = {"event": event}
    if event in PARTNER_EVENTS:
        value["waba_info"] = {"waba_id": waba_id, "owner_business_id": world.wabas[waba_id].business_id}
    value.update(ACCOUNT_EXTRAS.get(event, lambda w: {})(world))
    if request.get("phone_number_id") is not None:
        value["phone_number"] = _number(world, request).digits
    value.update(request.get("extra") or {})
    entry_id = world.partner_business_id if event in PARTNER_EVENTS else waba_id
    return AccountEvent("account_update", entry_id, value, waba_id, False, needs_subscription=False)


def phone_number_quality_update(world: MetaWorld, request: dict) -> AccountEvent:
    """FLAGGED/UNFLAGGED move the quality rating; THROUGHPUT_UPGRADE lifts the number to 1000 messages/s."""
    number = _number(world, request)
    event = request.get("event") or "FLAGGED"
    number.quality_rating = {"FLAGGED": "YELLOW", "UNFLAGGED": "GREEN"}.get(event, number.quality_rating)
    if event == "THROUGHPUT_UPGRADE":
        number.throughput_per_second = 1000.0
    value = {"display_phone_number": number.digits, "event": event,
             "current_limit": request.get("current_limit") or "TIER_2K"}  # fmt: skip
    return AccountEvent("phone_number_quality_update", number.waba_id, value, number.waba_id, False)


def phone_number_name_update(world: MetaWorld, request: dict) -> AccountEvent:
    """A display-name decision; an approved name becomes the number's verified name."""
    number = _number(world, request)
    decision = request.get("decision") or "APPROVED"
    requested = request.get("requested_verified_name") or number.verified_name
    if decision == "APPROVED":
        number.verified_name = requested
    value = {"display_phone_number": number.digits, "decision": decision, "requested_verified_name": requested,
             "rejection_reason": request.get("rejection_reason") if decision != "APPROVED" else None}  # fmt: skip
    return AccountEvent("phone_number_name_update", number.waba_id, value, number.waba_id, False)


def message_template_status_update(world: MetaWorld, request: dict) -> AccountEvent:
    """The template's status changes in the world too: a PAUSED or DISABLED template stops sending."""
    waba_id = _waba_id(world, request)
    template = _template(world, waba_id, request)
    event = request.get("event") or "APPROVED"
    if event in ("APPROVED", "REJECTED", "PAUSED", "DISABLED", "PENDING"):
        template.status = event
    value = {"event": event, "message_template_id": int(template.id), "message_template_name": template.name,
             "message_template_language": template.language, "reason": request.get("reason") or "NONE",
             "message_template_category": template.category}  # fmt: skip
    return AccountEvent("message_template_status_update", waba_id, value, waba_id, False)


def message_template_quality_update(world: MetaWorld, request: dict) -> AccountEvent:
    waba_id = _waba_id(world, request)
    template = _template(world, waba_id, request)
    value = {"previous_quality_score": request.get("previous_quality_score") or "GREEN",
             "new_quality_score": request.get("new_quality_score") or "YELLOW",
             "message_template_id": int(template.id), "message_template_name": template.name,
             "message_template_language": template.language}  # fmt: skip
    return AccountEvent("message_template_quality_update", waba_id, value, waba_id, False)


def template_category_update(world: MetaWorld, request: dict) -> AccountEvent:
    """Meta re-categorised a template (its pricing changes with it)."""
    waba_id = _waba_id(world, request)
    template = _template(world, waba_id, request)
    previous, new = template.category, (request.get("new_category") or "MARKETING").upper()
    template.category = new
    value = {"message_template_id": int(template.id), "message_template_name": template.name,
             "message_template_language": template.language, "previous_category": previous,
             "new_category": new}  # fmt: skip
    return AccountEvent("template_category_update", waba_id, value, waba_id, False)


def user_preferences(world: MetaWorld, request: dict) -> AccountEvent:
    """A candidate stops (or resumes) marketing messages; marketing templates to them then fail (131050)."""
    number = _number(world, request)
    wa_id, choice = request.get("from") or request.get("wa_id"), request.get("value") or "stop"
    if not isinstance(wa_id, str) or choice not in ("stop", "resume"):
        raise InboundError("user_preferences needs 'from' (the wa_id) and value stop|resume")
    if choice == "stop":
        world.marketing_opt_outs.add((number.id, wa_id))
    else:
        world.marketing_opt_outs.discard((number.id, wa_id))
    detail = f"User requested to {choice} marketing messages"
    value = messages_value(number, {
        "contacts": [{"profile": {"name": request.get("name") or "WhatsApp User"}, "wa_id": wa_id}],
        "user_preferences": [{"wa_id": wa_id, "detail": detail, "category": "marketing_messages", "value": choice,
                              "timestamp": int(world.clock())}]})  # fmt: skip
    return AccountEvent("user_preferences", number.waba_id, value, number.waba_id, True, timed=False)


def smb_message_echoes(world: MetaWorld, request: dict) -> AccountEvent:
    """A message the business sent from the WhatsApp Business app (coexistence numbers)."""
    number = _number(world, request)
    kind = request.get("type") or "text"
    content = request.get(kind)
    if kind == "text" and isinstance(content, str | type(None)):
        content = {"body": content or "Thanks, we will call you tomorrow."}
    if not isinstance(content, dict):
        raise InboundError(f"an echo of type {kind} needs a {kind!r} object")
    echo = {"from": number.digits, "to": request.get("to") or "212600000001", "id": world.new_wamid(),
            "timestamp": str(int(world.clock())), "type": kind, kind: content}  # fmt: skip
    value = messages_value(number, {"message_echoes": [echo]})
    return AccountEvent("smb_message_echoes", number.waba_id, value, number.waba_id, True, timed=False)


def calls(world: MetaWorld, request: dict) -> AccountEvent:
    """A candidate's call: ``connect`` when it rings, ``terminate`` with how it ended (missed: FAILED)."""
    number = _number(world, request)
    caller, event = request.get("from") or "212600000001", request.get("event") or "terminate"
    now = int(world.clock())
    call: dict = {"id": "wacid." + secrets.token_urlsafe(24), "to": number.digits, "from": caller,
                  "event": event, "timestamp": str(now), "direction": "USER_INITIATED"}  # fmt: skip
    if event == "terminate":
        duration = int(request.get("duration") or 0)
        call.update(status="COMPLETED" if duration else "FAILED", start_time=str(now - duration),
                    end_time=str(now), duration=duration)  # fmt: skip
    value = messages_value(number, {"contacts": [{"profile": {"name": request.get("name") or "WhatsApp User"},
                                                  "wa_id": caller}], "calls": [call]})  # fmt: skip
    return AccountEvent("calls", number.waba_id, value, number.waba_id, True, timed=False)


def history(world: MetaWorld, request: dict) -> AccountEvent:
    """One chunk of a coexistence number's chat history (or 2593109 when the business declined to share)."""
    number = _number(world, request)
    if request.get("declined"):
        chunk: dict = {"errors": [webhook_error(2593109, "The business declined to share chat history.")]}
    else:
        peer = request.get("from") or "212600000001"
        messages = request.get("messages") or [
            {"from": peer, "id": world.new_wamid(), "timestamp": str(int(world.clock()) - 86400), "type": "text",
             "text": {"body": "Hello, is the job still available?"}, "history_context": {"status": "READ"}}]
        chunk = {"metadata": {"phase": int(request.get("phase", 0)), "chunk_order": int(request.get("chunk_order", 1)),
                              "progress": int(request.get("progress", 100))},
                 "threads": [{"id": peer, "messages": messages}]}  # fmt: skip
    value = messages_value(number, {"history": [chunk]})
    return AccountEvent("history", number.waba_id, value, number.waba_id, True, timed=False)


BUILDERS: dict[str, Callable[[MetaWorld, dict], AccountEvent]] = {
    "account_update": account_update,
    "phone_number_quality_update": phone_number_quality_update,
    "phone_number_name_update": phone_number_name_update,
    "message_template_status_update": message_template_status_update,
    "message_template_quality_update": message_template_quality_update,
    "template_category_update": template_category_update,
    "user_preferences": user_preferences,
    "smb_message_echoes": smb_message_echoes,
    "calls": calls,
    "history": history,
}
