"""Webhook envelopes (reference 3.4), Meta's serialisation and signature (3.2), and delivery to the relay."""

from __future__ import annotations

import hashlib
import hmac
import json

import httpx

from .state import MetaWorld, PhoneNumber

USER_AGENT = "facebookexternalua"


def messages_envelope(world: MetaWorld, number: PhoneNumber, value: dict) -> dict:
    """``object``/``entry``/``changes`` around a ``messages`` field value for one business number."""
    full_value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": number.digits, "phone_number_id": number.id},
        **value,
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": number.waba_id, "changes": [{"value": full_value, "field": "messages"}]}],
    }


def account_update_envelope(world: MetaWorld, value: dict, entry_id: str | None = None) -> dict:
    """An ``account_update`` change; ``entry.id`` is the partner business id for PARTNER_* events."""
    return {
        "entry": [
            {
                "id": entry_id or world.partner_business_id,
                "time": int(world.clock()),
                "changes": [{"value": value, "field": "account_update"}],
            }
        ],
        "object": "whatsapp_business_account",
    }


def encode(payload: dict) -> bytes:
    """Serialise like Meta: compact, non-ASCII as lowercase \\u escapes, "/" escaped as "\\/".

    A relay that re-serialises the parsed JSON instead of hashing the raw bytes fails the signature check.
    """
    text = json.dumps(payload, ensure_ascii=True, separators=(",", ":"))
    return text.replace("/", "\\/").encode("ascii")


def sign(app_secret: str, raw: bytes) -> str:
    """``X-Hub-Signature-256``'s value: ``sha256=`` + hex HMAC-SHA256 of the raw body with the app secret."""
    return "sha256=" + hmac.new(app_secret.encode(), raw, hashlib.sha256).hexdigest()


def signed_request(world: MetaWorld, payload: dict) -> tuple[bytes, dict[str, str]]:
    raw = encode(payload)
    headers = {
        "Content-Type": "application/json",
        "X-Hub-Signature-256": sign(world.config.app_secret, raw),
        "User-Agent": USER_AGENT,
    }
    return raw, headers


def callback_url(world: MetaWorld, waba_id: str | None) -> str | None:
    """Where a ``messages`` webhook goes: the WABA's override for our app if set, else the app's URL."""
    if waba_id is not None:
        subscription = world.wabas[waba_id].subscriptions.get(world.config.app_id) or {}
        if subscription.get("override_callback_uri"):
            return subscription["override_callback_uri"]
    return world.config.webhook_url


async def deliver(
    world: MetaWorld,
    url: str,
    raw: bytes,
    headers: dict[str, str],
    transport: httpx.AsyncBaseTransport | None,
) -> tuple[int | None, str | None]:
    """POST the signed body; returns (relay HTTP status, error text if the POST itself failed)."""
    try:
        async with httpx.AsyncClient(transport=transport, timeout=10.0) as client:
            response = await client.post(url, content=raw, headers=headers)
    except httpx.HTTPError as exc:
        world.deliveries.append({"url": url, "status": None, "error": repr(exc), "body": raw.decode()})
        return None, repr(exc)
    world.deliveries.append({"url": url, "status": response.status_code, "body": raw.decode()})
    return response.status_code, None
