"""Meta's webhook payloads as typed, frozen models, one named constructor per shape (reference 3.4-3.8).

Every entry × change × message / status / error becomes one model: reading only the first is the classic bug.
Unknown keys are ignored, unknown types and statuses keep their name, and each model keeps its raw dict for
the inspector. Malformed parts raise ``MalformedPayloadError`` only when nothing of the payload can be read.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


class MalformedPayloadError(ValueError):
    """The body is JSON but not a WhatsApp webhook (no ``entry`` list)."""


class StatusKind(enum.StrEnum):
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    PLAYED = "played"
    FAILED = "failed"
    DELETED = "deleted"
    UNKNOWN = "unknown"

    @classmethod
    def parse(cls, value: object) -> StatusKind:
        try:
            return cls(str(value))
        except ValueError:
            return cls.UNKNOWN


def _text(value: object, limit: int = 4096) -> str | None:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value)[:limit]
    return None


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def meta_time(value: object) -> datetime | None:
    """Meta's string of unix seconds as an aware datetime (None when absent or nonsense)."""
    try:
        seconds = int(str(value))
    except (TypeError, ValueError):
        return None
    if not 0 < seconds < 10**11:
        return None
    return datetime.fromtimestamp(seconds, UTC)


@dataclass(frozen=True)
class MetaErrorInfo:
    code: int | None
    title: str | None
    message: str | None
    details: str | None

    @classmethod
    def from_dict(cls, raw: object) -> MetaErrorInfo:
        raw = _dict(raw)
        code = raw.get("code")
        return cls(
            code=code if isinstance(code, int) and not isinstance(code, bool) else None,
            title=_text(raw.get("title"), 500), message=_text(raw.get("message"), 1000),
            details=_text(_dict(raw.get("error_data")).get("details"), 1000),
        )


@dataclass(frozen=True)
class Contact:
    wa_id: str | None
    user_id: str | None  # business-scoped user id (reference 2.8)
    name: str | None
    username: str | None

    @classmethod
    def from_dict(cls, raw: object) -> Contact:
        raw = _dict(raw)
        profile = _dict(raw.get("profile"))
        return cls(wa_id=_text(raw.get("wa_id"), 32), user_id=_text(raw.get("user_id"), 160),
                   name=_text(profile.get("name"), 255), username=_text(profile.get("username"), 128))


@dataclass(frozen=True)
class InboundMessage:
    """One ``value.messages[]`` item (or an ``smb_message_echoes`` echo). ``content`` is the dict under the
    message's own type key (``text``, ``image``, …)."""

    id: str
    type: str
    from_wa_id: str | None
    from_user_id: str | None
    to: str | None  # echoes: the candidate the business wrote to
    timestamp: datetime | None
    content: dict[str, Any]
    context_id: str | None
    forwarded: bool
    frequently_forwarded: bool
    referral: dict[str, Any]
    errors: tuple[MetaErrorInfo, ...]
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_dict(cls, raw: object) -> InboundMessage | None:
        raw = _dict(raw)
        wamid = _text(raw.get("id"), 255)
        if not wamid:
            return None
        kind = _text(raw.get("type"), 32) or "unknown"
        context = _dict(raw.get("context"))
        return cls(
            id=wamid, type=kind, from_wa_id=_text(raw.get("from"), 32),
            from_user_id=_text(raw.get("from_user_id"), 160),
            to=_text(raw.get("to"), 32), timestamp=meta_time(raw.get("timestamp")), content=_dict(raw.get(kind)),
            context_id=_text(context.get("id"), 255), forwarded=context.get("forwarded") is True,
            frequently_forwarded=context.get("frequently_forwarded") is True, referral=_dict(raw.get("referral")),
            errors=tuple(MetaErrorInfo.from_dict(e) for e in _list(raw.get("errors"))), raw=raw,
        )


@dataclass(frozen=True)
class StatusUpdate:
    """One ``value.statuses[]`` item: what became of a message we sent."""

    id: str
    status: StatusKind
    timestamp: datetime | None
    recipient_id: str | None
    recipient_user_id: str | None
    errors: tuple[MetaErrorInfo, ...]
    pricing_category: str | None
    billable: bool | None
    callback_data: str | None
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_dict(cls, raw: object) -> StatusUpdate | None:
        raw = _dict(raw)
        wamid = _text(raw.get("id"), 255)
        if not wamid:
            return None
        pricing = _dict(raw.get("pricing"))
        billable = pricing.get("billable")
        return cls(
            id=wamid, status=StatusKind.parse(raw.get("status")), timestamp=meta_time(raw.get("timestamp")),
            recipient_id=_text(raw.get("recipient_id"), 32), recipient_user_id=_text(raw.get("recipient_user_id"), 160),
            errors=tuple(MetaErrorInfo.from_dict(e) for e in _list(raw.get("errors"))),
            pricing_category=_text(pricing.get("category"), 48),
            billable=billable if isinstance(billable, bool) else None,
            callback_data=_text(raw.get("biz_opaque_callback_data"), 512), raw=raw,
        )


@dataclass(frozen=True)
class Change:
    """One ``entry[].changes[]`` item. For ``messages`` (and ``smb_message_echoes``) the lists are filled;
    every other field keeps its ``value`` for its own handler."""

    field: str
    entry_id: str | None  # the WABA id (a business id for some account_update events)
    entry_time: datetime | None
    phone_number_id: str | None
    display_phone_number: str | None
    contacts: tuple[Contact, ...]
    messages: tuple[InboundMessage, ...]
    statuses: tuple[StatusUpdate, ...]
    errors: tuple[MetaErrorInfo, ...]
    value: dict[str, Any] = field(repr=False, compare=False)

    def contact_for(self, wa_id: str | None, user_id: str | None) -> Contact | None:
        """The contact that sent a message: matched by wa_id, then by business-scoped id, then the only one."""
        for contact in self.contacts:
            if (wa_id and contact.wa_id == wa_id) or (user_id and contact.user_id == user_id):
                return contact
        return self.contacts[0] if len(self.contacts) == 1 else None

    @classmethod
    def from_dict(cls, entry: dict[str, Any], raw: object) -> Change | None:
        raw = _dict(raw)
        name = _text(raw.get("field"), 64)
        if not name:
            return None
        value = _dict(raw.get("value"))
        metadata = _dict(value.get("metadata"))
        items = value.get("message_echoes") if name == "smb_message_echoes" else value.get("messages")
        return cls(
            field=name, entry_id=_text(entry.get("id"), 64), entry_time=meta_time(entry.get("time")),
            phone_number_id=_text(metadata.get("phone_number_id"), 64),
            display_phone_number=_text(metadata.get("display_phone_number"), 32),
            contacts=tuple(Contact.from_dict(c) for c in _list(value.get("contacts"))),
            messages=tuple(m for m in map(InboundMessage.from_dict, _list(items)) if m is not None),
            statuses=tuple(s for s in map(StatusUpdate.from_dict, _list(value.get("statuses"))) if s is not None),
            errors=tuple(MetaErrorInfo.from_dict(e) for e in _list(value.get("errors"))), value=value,
        )


def parse_webhook(payload: object) -> list[Change]:
    """Every change of every entry, in delivery order."""
    if not isinstance(payload, dict) or not isinstance(payload.get("entry"), list):
        raise MalformedPayloadError("not a WhatsApp webhook payload (no entry list)")
    changes: list[Change] = []
    for entry in payload["entry"]:
        if isinstance(entry, dict):
            for raw in _list(entry.get("changes")):
                change = Change.from_dict(entry, raw)
                if change is not None:
                    changes.append(change)
    return changes
