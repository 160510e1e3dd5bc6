"""Webhook envelopes (reference 3.4), batches of updates (3.3), Meta's serialisation and signature (3.2).

An ``Update`` is one change as Meta would send it alone; ``batch_payload`` folds several into one POST the
way Meta batches them: one entry per WABA (or business), one change per number and field, and the
messages or statuses of one number and kind merged into one change.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .state import MetaWorld, PhoneNumber

USER_AGENT = "facebookexternalua"
# Lists inside a change value whose items each count as one update towards the 1000 per POST.
COUNTED_LISTS = ("messages", "statuses", "errors", "message_echoes", "calls", "user_preferences", "history")
MERGEABLE = ("messages", "statuses")


@dataclass
class Update:
    """One change (``field`` + ``value``) for one entry id, on its way to one callback URL."""

    url: str
    entry_id: str
    field: str
    value: dict
    entry_time: int | None = None  # account-level fields carry entry.time
    copy_of: str | None = None  # the delivery this update is a duplicate of

    @property
    def size(self) -> int:
        """How many updates Meta would count: the items of the value's lists, else one."""
        counted = sum(len(self.value[k]) for k in COUNTED_LISTS if isinstance(self.value.get(k), list))
        return max(counted, 1)

    @property
    def merge_key(self) -> tuple | None:
        """Changes with the same key merge into one; None for changes that stay alone."""
        if self.field != "messages":
            return None
        kinds = [k for k in MERGEABLE if k in self.value]
        if len(kinds) != 1 or "errors" in self.value:
            return None
        system = kinds[0] == "messages" and "contacts" not in self.value  # system messages carry no contacts
        return (self.value.get("metadata", {}).get("phone_number_id"), kinds[0], system)


def messages_value(number: PhoneNumber, value: dict) -> dict:
    """A ``messages`` field value for one business number: product and metadata first, as Meta orders them."""
    return {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": number.digits, "phone_number_id": number.id},
        **value,
    }


def messages_envelope(world: MetaWorld, number: PhoneNumber, value: dict) -> dict:
    """``object``/``entry``/``changes`` around a ``messages`` field value for one business number."""
    full_value = messages_value(number, value)
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


def batch_payload(updates: list[Update]) -> dict:
    """One POST body for several updates, in arrival order within each entry and change."""
    entries: dict[str, dict] = {}
    keys: dict[str, dict[tuple, dict]] = {}
    for update in updates:
        entry = entries.get(update.entry_id)
        if entry is None:
            entry = entries[update.entry_id] = {"id": update.entry_id, "changes": []}
            keys[update.entry_id] = {}
        if update.entry_time is not None:
            entry.setdefault("time", update.entry_time)
        key = update.merge_key
        merged_into = keys[update.entry_id].get(key) if key is not None else None
        if merged_into is not None:
            _merge(merged_into, update.value)
            continue
        change = {"value": copy.deepcopy(update.value), "field": update.field}
        entry["changes"].append(change)
        if key is not None:
            keys[update.entry_id][key] = change["value"]
    return {"object": "whatsapp_business_account", "entry": list(entries.values())}


def _merge(into: dict, value: dict) -> None:
    for kind in MERGEABLE:
        if kind in value:
            into.setdefault(kind, []).extend(copy.deepcopy(value[kind]))
    seen = {_contact_key(c) for c in into.get("contacts", [])}
    for contact in value.get("contacts", []):
        if _contact_key(contact) not in seen:
            into.setdefault("contacts", []).append(copy.deepcopy(contact))
            seen.add(_contact_key(contact))


def _contact_key(contact: dict) -> tuple:
    return contact.get("wa_id"), contact.get("user_id")


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
    """The raw body and the headers Meta sends with it."""
    raw = encode(payload)
    headers = {
        "Content-Type": "application/json",
        "X-Hub-Signature-256": sign(world.config.app_secret, raw),
        "User-Agent": USER_AGENT,
    }
    return raw, headers


def callback_url(world: MetaWorld, waba_id: str | None, *, follows_overrides: bool = True) -> str | None:
    """Where a webhook goes: the WABA's override for our app if set (and the field follows overrides), else
    the app's URL. Template and account-level fields always go to the app's URL (reference 3.8)."""
    if waba_id is not None and follows_overrides and waba_id in world.wabas:
        subscription = world.wabas[waba_id].subscriptions.get(world.config.app_id) or {}
        if subscription.get("override_callback_uri"):
            return subscription["override_callback_uri"]
    return world.config.webhook_url
