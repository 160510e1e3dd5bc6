"""Frozen results of Graph API calls, each built by one named constructor from Meta's JSON.

Unknown keys are ignored; the raw dict stays attached (without secrets) for the inspector.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


@dataclass(frozen=True)
class TokenGrant:
    """A business token from the Embedded Signup code exchange; ``access_token`` never prints."""

    access_token: SecretStr
    token_type: str | None
    expires_in: int | None
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_graph(cls, data: dict[str, Any]) -> TokenGrant:
        token = data.get("access_token")
        if not isinstance(token, str) or not token:
            raise ValueError("token exchange answered without an access_token")
        raw = {**data, "access_token": "**********"}
        return cls(SecretStr(token), _str(data.get("token_type")), _int(data.get("expires_in")), raw)


@dataclass(frozen=True)
class GranularScope:
    """One permission and the asset ids (WABAs, businesses) it was granted on."""

    scope: str
    target_ids: tuple[str, ...]


@dataclass(frozen=True)
class TokenInfo:
    """What ``debug_token`` says about a token. ``expires_at`` 0 means it never expires."""

    app_id: str | None
    is_valid: bool
    expires_at: int | None
    user_id: str | None
    scopes: tuple[str, ...]
    granular_scopes: tuple[GranularScope, ...]
    type: str | None
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_graph(cls, payload: dict[str, Any]) -> TokenInfo:
        data = _dict(payload.get("data"))
        granular = tuple(
            GranularScope(item["scope"], tuple(str(i) for i in _list(item.get("target_ids"))))
            for item in map(_dict, _list(data.get("granular_scopes")))
            if isinstance(item.get("scope"), str)
        )
        return cls(
            app_id=_str(data.get("app_id")),
            is_valid=data.get("is_valid") is True,
            expires_at=_int(data.get("expires_at")),
            user_id=_str(data.get("user_id")),
            scopes=tuple(s for s in _list(data.get("scopes")) if isinstance(s, str)),
            granular_scopes=granular,
            type=_str(data.get("type")),
            raw=payload,
        )

    def target_ids(self, scope: str) -> tuple[str, ...]:
        """Asset ids granted for ``scope``, in Meta's order (most recently onboarded first)."""
        return tuple(i for g in self.granular_scopes if g.scope == scope for i in g.target_ids)

    @property
    def waba_ids(self) -> tuple[str, ...]:
        """WABAs this token manages; the first is the most recently onboarded one."""
        return self.target_ids("whatsapp_business_management")


PAYMENT_METHOD_ERROR = 141006  # health status: "There is an error with the payment method"


@dataclass(frozen=True)
class HealthProblem:
    """One reason Meta gives for limiting or blocking messages (``health_status.entities[].errors[]``)."""

    entity_type: str  # PHONE_NUMBER | WABA | BUSINESS | APP
    error_code: int | None
    description: str | None


@dataclass(frozen=True)
class MessagingHealth:
    """``health_status`` of a phone number: whether it can send, and why not (Meta's health status API).

    ``can_send_message`` is AVAILABLE, LIMITED or BLOCKED for the number, its WABA, business and app as a
    whole; each entity that is not AVAILABLE lists errors."""

    can_send_message: str | None
    problems: tuple[HealthProblem, ...]

    @classmethod
    def from_graph(cls, data: Any) -> MessagingHealth | None:
        if not isinstance(data, dict):
            return None
        problems = tuple(
            HealthProblem(
                entity_type=_str(entity.get("entity_type")) or "UNKNOWN",
                error_code=_int(error.get("error_code")),
                description=_str(error.get("error_description")),
            )
            for entity in map(_dict, _list(data.get("entities")))
            for error in map(_dict, _list(entity.get("errors")))
        )
        status = _str(data.get("can_send_message"))
        return cls(status.upper() if status else None, problems)

    @property
    def error_codes(self) -> tuple[int, ...]:
        return tuple(dict.fromkeys(p.error_code for p in self.problems if p.error_code is not None))

    @property
    def payment_method_missing(self) -> bool:
        return PAYMENT_METHOD_ERROR in self.error_codes


@dataclass(frozen=True)
class BusinessAccount:
    """A WhatsApp Business account (WABA) and the business portfolio that owns it, as Meta reports them."""

    id: str
    name: str | None
    owner_business_id: str | None
    owner_business_name: str | None
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_graph(cls, data: dict[str, Any]) -> BusinessAccount:
        owner = _dict(data.get("owner_business_info"))
        owner_id = owner.get("id")
        return cls(
            id=str(data.get("id", "")),
            name=_str(data.get("name")),
            owner_business_id=str(owner_id) if isinstance(owner_id, str | int) and str(owner_id) else None,
            owner_business_name=_str(owner.get("name")),
            raw=data,
        )


@dataclass(frozen=True)
class PhoneNumber:
    """A business phone number of a WABA, with the fields we request."""

    id: str
    display_phone_number: str | None
    verified_name: str | None
    quality_rating: str | None
    code_verification_status: str | None
    name_status: str | None
    platform_type: str | None
    status: str | None
    throughput_level: str | None
    is_on_biz_app: bool | None
    raw: dict[str, Any] = field(repr=False)
    health: MessagingHealth | None = None  # only when ``health_status`` was requested

    @classmethod
    def from_graph(cls, data: dict[str, Any]) -> PhoneNumber:
        on_biz_app = data.get("is_on_biz_app")
        return cls(
            id=str(data.get("id", "")),
            display_phone_number=_str(data.get("display_phone_number")),
            verified_name=_str(data.get("verified_name")),
            quality_rating=_str(data.get("quality_rating")),
            code_verification_status=_str(data.get("code_verification_status")),
            name_status=_str(data.get("name_status")),
            platform_type=_str(data.get("platform_type")),
            status=_str(data.get("status")),
            throughput_level=_str(_dict(data.get("throughput")).get("level")),
            is_on_biz_app=on_biz_app if isinstance(on_biz_app, bool) else None,
            raw=data,
            health=MessagingHealth.from_graph(data.get("health_status")),
        )


@dataclass(frozen=True)
class SubscribedApp:
    """An app subscribed to a WABA's webhooks, with its callback override if any."""

    app_id: str | None
    name: str | None
    link: str | None
    override_callback_uri: str | None
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_graph(cls, data: dict[str, Any]) -> SubscribedApp:
        app = _dict(data.get("whatsapp_business_api_data"))
        return cls(
            app_id=_str(app.get("id")),
            name=_str(app.get("name")),
            link=_str(app.get("link")),
            override_callback_uri=_str(data.get("override_callback_uri")),
            raw=data,
        )


@dataclass(frozen=True)
class SentMessage:
    """Meta accepted a message (not delivered yet). ``message_status`` is set for template sends."""

    wamid: str
    wa_id: str | None
    input: str | None
    message_status: str | None
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_graph(cls, data: dict[str, Any]) -> SentMessage:
        contact = _dict(next(iter(_list(data.get("contacts"))), None))
        message = _dict(next(iter(_list(data.get("messages"))), None))
        wamid = message.get("id")
        if not isinstance(wamid, str) or not wamid:
            raise ValueError("send answered without messages[0].id")
        return cls(
            wamid=wamid,
            wa_id=_str(contact.get("wa_id")),
            input=_str(contact.get("input")),
            message_status=_str(message.get("message_status")),
            raw=data,
        )


@dataclass(frozen=True)
class MediaInfo:
    """Where to download a media object; the ``url`` is valid for 5 minutes and needs the token."""

    id: str
    url: str
    mime_type: str | None
    sha256: str | None
    file_size: int | None
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_graph(cls, data: dict[str, Any]) -> MediaInfo:
        url = data.get("url")
        if not isinstance(url, str) or not url:
            raise ValueError("media lookup answered without a url")
        return cls(
            id=str(data.get("id", "")),
            url=url,
            mime_type=_str(data.get("mime_type")),
            sha256=_str(data.get("sha256")),
            file_size=_int(data.get("file_size")),
            raw=data,
        )


@dataclass(frozen=True)
class Template:
    """A message template of a WABA; ``components`` are kept as Meta sent them."""

    id: str
    name: str
    language: str | None
    status: str | None
    category: str | None
    parameter_format: str | None
    components: tuple[dict[str, Any], ...]
    raw: dict[str, Any] = field(repr=False)
    quality_score: str | None = None  # GREEN | YELLOW | RED | UNKNOWN (``quality_score.score``)
    rejected_reason: str | None = None  # None when Meta says "NONE"

    @classmethod
    def from_graph(cls, data: dict[str, Any]) -> Template:
        quality = data.get("quality_score")
        score = _str(_dict(quality).get("score")) if isinstance(quality, dict) else _str(quality)
        rejected = _str(data.get("rejected_reason"))
        return cls(
            id=str(data.get("id", "")),
            name=str(data.get("name", "")),
            language=_str(data.get("language")),
            status=_str(data.get("status")),
            category=_str(data.get("category")),
            parameter_format=_str(data.get("parameter_format")),
            components=tuple(c for c in _list(data.get("components")) if isinstance(c, dict)),
            raw=data,
            quality_score=score,
            rejected_reason=None if rejected in (None, "", "NONE") else rejected,
        )
