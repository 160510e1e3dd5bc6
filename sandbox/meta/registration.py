"""Registering a number on the Cloud API (reference 1.8 step 3): PIN rules, coexistence, 10 calls per 72 h."""

from __future__ import annotations

import re

from . import strict
from .errors import MetaError, invalid_parameter, unexpected_key
from .state import MetaWorld, PhoneNumber

CALLS_PER_WINDOW = 10  # "10 register (and 10 deregister) requests per number per 72-hour moving window"
WINDOW_SECONDS = 72 * 3600


def _count_call(world: MetaWorld, number: PhoneNumber, kind: str) -> None:
    now = world.clock()
    recent = [at for k, at in number.register_calls if k == kind and now - at < WINDOW_SECONDS]
    if len(recent) >= CALLS_PER_WINDOW:
        raise MetaError(
            133016,
            details=f"More than {CALLS_PER_WINDOW} {kind} requests for this number in 72 hours; retry later.",
        )
    number.register_calls.append((kind, now))


def register(world: MetaWorld, number: PhoneNumber, body: object) -> dict:
    """``POST /{pnid}/register``; a number whose two-step PIN is set needs that same PIN."""
    if not isinstance(body, dict):
        raise invalid_parameter("The request body must be a JSON object.")
    strict.check_registration(body)
    if number.is_on_biz_app:
        raise invalid_parameter(
            "This number is connected through the WhatsApp Business app (coexistence) and is already "
            "registered; skip the registration step."
        )
    _count_call(world, number, "register")
    if number.pin is not None and body["pin"] != number.pin:
        raise MetaError(133005, details="The PIN does not match the number's two-step verification PIN.")
    number.pin = body["pin"]
    number.registered = True
    number.data_localization_region = body.get("data_localization_region")
    return {"success": True}


def deregister(world: MetaWorld, number: PhoneNumber, body: object) -> dict:
    """``POST /{pnid}/deregister``; not allowed for WhatsApp Business app (coexistence) numbers."""
    if isinstance(body, dict):
        for key in body:
            raise unexpected_key(key, "")
    if number.is_on_biz_app:
        raise invalid_parameter("Numbers connected through the WhatsApp Business app cannot be deregistered.")
    _count_call(world, number, "deregister")
    number.registered = False
    return {"success": True}


def set_pin(number: PhoneNumber, body: object) -> dict:
    """``POST /{pnid}`` with ``{"pin"}``: set or change the two-step verification PIN (reference 2.7)."""
    if not isinstance(body, dict) or "pin" not in body:
        raise MetaError(100, "(#100) The parameter pin is required.")
    for key in body:
        if key != "pin":
            raise unexpected_key(key, "")
    if not isinstance(body["pin"], str) or not re.fullmatch(r"[0-9]{6}", body["pin"]):
        raise invalid_parameter("Param pin must be a string of 6 digits.")
    number.pin = body["pin"]
    return {"success": True}
