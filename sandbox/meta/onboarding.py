"""Embedded Signup's server side: creating a customer's assets, business tokens, codes and their exchange."""

from __future__ import annotations

import copy
import json
import secrets
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from .errors import MetaError
from .state import (
    BUSINESS_TOKEN_TTL_SECONDS,
    DATA_ACCESS_TTL_SECONDS,
    AuthCode,
    Business,
    MetaWorld,
    PhoneNumber,
    Template,
    Token,
    Waba,
)

SESSION_INFO_VERSION = 3
CANCEL_STEPS = (
    "BUSINESS_ACCOUNT_SELECTION",
    "WABA_PHONE_PROFILE_PICKER",
    "WHATSAPP_BUSINESS_PROFILE_SETUP",
    "PHONE_NUMBER_SETUP",
    "PHONE_NUMBER_VERIFICATION",
    "PERMISSIONS",
)
BUSINESS_TOKEN_SCOPES = ["whatsapp_business_management", "whatsapp_business_messaging", "public_profile"]
_TEMPLATES_FILE = Path(__file__).parent / "data" / "templates.json"


@dataclass(frozen=True)
class Onboarding:
    """What one completed signup produced; ``as_json()`` is the headless signup endpoint's answer."""

    code: str
    session_info: dict
    business_id: str
    waba_id: str
    phone_number_ids: list[str] = field(default_factory=list)
    token: str = ""

    def as_json(self) -> dict:
        return {
            "code": self.code,
            "session_info": self.session_info,
            "waba_id": self.waba_id,
            "business_id": self.business_id,
            "phone_number_ids": list(self.phone_number_ids),
        }


@cache
def _template_specs() -> list[dict]:
    return json.loads(_TEMPLATES_FILE.read_text(encoding="utf-8"))["templates"]


def create_business(world: MetaWorld, name: str | None = None) -> Business:
    business_id = world.new_id()
    business = Business(business_id, name or f"Client Company {len(world.businesses) + 1}", world.clock())
    world.businesses[business_id] = business
    return business


def create_waba(world: MetaWorld, business: Business, *, payment_method: bool = True) -> Waba:
    """A new WABA for the business, seeded with the standard templates (data/templates.json)."""
    waba = Waba(
        id=world.new_id(),
        business_id=business.id,
        name=f"{business.name} WhatsApp",
        onboarded_at=world.clock(),
        seq=len(world.wabas) + 1,
        payment_method=payment_method,
        namespace=secrets.token_hex(16),
    )
    world.wabas[waba.id] = waba
    for spec in copy.deepcopy(_template_specs()):
        template = Template(id=world.new_id(), waba_id=waba.id, **spec)
        world.templates[template.id] = template
    return waba


def add_number(world: MetaWorld, waba: Waba, *, coexistence: bool = False) -> PhoneNumber:
    """A verified number in the WABA; a coexistence number is already registered on the Business app."""
    taken = {n.digits for n in world.numbers.values()}
    while (digits := f"1555{secrets.randbelow(10**7):07d}") in taken:
        pass
    number = PhoneNumber(
        id=world.new_id(),
        waba_id=waba.id,
        digits=digits,
        verified_name=world.businesses[waba.business_id].name,
        created_at=world.clock(),
        is_on_biz_app=coexistence,
        registered=coexistence,
    )
    world.numbers[number.id] = number
    return number


def issue_business_token(world: MetaWorld, business: Business) -> Token:
    """A Business Integration System User token for the customer's business (60-day expiry)."""
    now = world.clock()
    token = Token(
        world.new_token_value(),
        "business",
        user_id=world.new_id(),
        issued_at=now,
        expires_at=now + BUSINESS_TOKEN_TTL_SECONDS,
        business_id=business.id,
    )
    world.tokens[token.value] = token
    return token


def issue_code(world: MetaWorld, token: Token, redirect_uri: str | None = None) -> AuthCode:
    code = AuthCode(world.new_code_value(), token, world.clock(), redirect_uri)
    world.codes[code.value] = code
    return code


def finish_session(event: str, data: dict) -> dict:
    return {"type": "WA_EMBEDDED_SIGNUP", "event": event, "data": data, "version": SESSION_INFO_VERSION}


def cancel_session(step: str) -> dict:
    """The abandoned-flow message (reference 1.4); ``step`` must be one of CANCEL_STEPS."""
    if step not in CANCEL_STEPS:
        raise ValueError(f"current_step must be one of {CANCEL_STEPS}")
    return finish_session("CANCEL", {"current_step": step})


def error_session(world: MetaWorld, message: str, code: int, *, event: str = "CANCEL") -> dict:
    """The user-reported (CANCEL) or flow (ERROR) error message with ids Meta support asks for."""
    return finish_session(
        event,
        {
            "error_message": message,
            "error_code": code,
            "session_id": secrets.token_hex(16),
            "timestamp": int(world.clock()),
        },
    )


def onboard(
    world: MetaWorld,
    *,
    numbers: int = 1,
    coexistence: bool = False,
    payment_method: bool = True,
    business_id: str | None = None,
    redirect_uri: str | None = None,
) -> Onboarding:
    """Complete one signup: assets, a business token, and a single-use code bound to it."""
    if not 0 <= numbers <= 20:
        raise ValueError("numbers must be between 0 and 20")
    if coexistence and numbers != 1:
        raise ValueError("a coexistence signup connects exactly one WhatsApp Business app number")
    if business_id is not None:
        if business_id not in world.businesses:
            raise ValueError(f"unknown business_id {business_id!r}")
        business = world.businesses[business_id]
    else:
        business = create_business(world)
    waba = create_waba(world, business, payment_method=payment_method)
    created = [add_number(world, waba, coexistence=coexistence) for _ in range(numbers)]
    token = issue_business_token(world, business)
    code = issue_code(world, token, redirect_uri)
    if coexistence:
        session = finish_session("FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING", {"waba_id": waba.id})
    elif not created:
        session = finish_session("FINISH_ONLY_WABA", {"waba_id": waba.id, "business_id": business.id})
    else:
        # The number picked in the flow is the newest one; older numbers of the WABA list first.
        data = {"phone_number_id": created[-1].id, "waba_id": waba.id, "business_id": business.id}
        session = finish_session("FINISH", data)
    return Onboarding(code.value, session, business.id, waba.id, [n.id for n in created], token.value)


def _oauth_error(code: int, message: str, subcode: int | None = None) -> MetaError:
    return MetaError(code, message, subcode=subcode, whatsapp=False)


def exchange_code(
    world: MetaWorld,
    *,
    client_id: str | None,
    client_secret: str | None,
    code: str | None,
    redirect_uri: str | None,
) -> dict:
    """``/oauth/access_token``: a code (30 s, single use) for its business token, per reference 1.5."""
    config = world.config
    if not client_id or client_id != config.app_id:
        raise _oauth_error(101, "Error validating application. Invalid application ID.")
    if not client_secret or not secrets.compare_digest(client_secret, config.app_secret):
        raise _oauth_error(1, "Error validating client secret.")
    if not code:
        raise _oauth_error(100, "Missing authorization code")
    issued = world.codes.get(code)
    if issued is None:
        raise _oauth_error(100, "Invalid verification code format.", 36007)
    if issued.used:
        raise _oauth_error(100, "This authorization code has been used.", 36009)
    issued.used = True  # any exchange attempt burns the code: "restart the flow" after a failure
    if world.clock() - issued.issued_at > config.code_ttl_seconds:
        raise _oauth_error(100, "This authorization code has expired.", 36007)
    if (redirect_uri or None) != issued.redirect_uri:
        raise _oauth_error(
            100,
            "Error validating verification code. Please make sure your redirect_uri is identical to the "
            "one you used in the OAuth dialog request",
            36008,
        )
    token = issued.token
    return {
        "access_token": token.value,
        "token_type": "bearer",
        "expires_in": max(0, int(token.expires_at - world.clock())),
    }


def debug_token_data(world: MetaWorld, input_token: str) -> dict:
    """``debug_token``'s ``data``; an unusable token yields ``is_valid: false`` rather than an error."""
    token = world.tokens.get(input_token)
    if token is None:
        return {
            "error": {"code": 190, "message": "Invalid OAuth access token - Cannot parse access token"},
            "is_valid": False,
            "scopes": [],
        }
    now = world.clock()
    targets = world.token_waba_ids(token)
    data: dict = {
        "app_id": world.config.app_id,
        "type": "SYSTEM_USER",
        "application": f"Simulated app {world.config.app_id}",
        "data_access_expires_at": int(token.issued_at + DATA_ACCESS_TTL_SECONDS)
        if token.kind == "business"
        else 0,
        "expires_at": int(token.expires_at),
        "is_valid": True,
        "issued_at": int(token.issued_at),
        "scopes": list(BUSINESS_TOKEN_SCOPES),
        "granular_scopes": [
            {"scope": "whatsapp_business_management", "target_ids": list(targets)},
            {"scope": "whatsapp_business_messaging", "target_ids": list(targets)},
        ],
        "user_id": token.user_id,
    }
    if token.revoked:
        data["is_valid"] = False
        data["error"] = {"code": 190, "message": "The session has been invalidated.", "subcode": 460}
    elif token.expires_at and now >= token.expires_at:
        data["is_valid"] = False
        data["error"] = {
            "code": 190,
            "message": "Error validating access token: Session has expired on "
            f"{world.now_iso(token.expires_at)}.",
            "subcode": 463,
        }
    return data
