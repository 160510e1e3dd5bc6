"""What a claim says back: its problems and warnings, the browser's session hints, the outcome."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from relay.onboarding.links import LinkProblem
from storage.models import PhoneNumber
from whatsapp.errors import (
    GraphError,
    NetworkError,
    OutcomeUnknownError,
    PermissionDeniedError,
    RegistrationLimitError,
    ThrottledError,
    TokenInvalidError,
    TransientError,
)


class ClaimProblem(enum.StrEnum):
    LINK_FORGED = "link_forged"
    LINK_EXPIRED = "link_expired"
    LINK_USED = "link_used"
    CODE_REJECTED = "code_rejected"
    TOKEN_INVALID = "token_invalid"
    PERMISSIONS = "permissions"
    RATE_LIMITED = "rate_limited"
    WRONG_APP = "wrong_app"
    NO_WABA_GRANTED = "no_waba_granted"
    WABA_MISMATCH = "waba_mismatch"
    NUMBER_MISMATCH = "number_mismatch"
    NO_NUMBERS = "no_numbers"
    NUMBER_TAKEN = "number_taken"
    REGISTRATION_FAILED = "registration_failed"
    META_UNAVAILABLE = "meta_unavailable"
    META_ERROR = "meta_error"
    INTERNAL = "internal"


class ClaimWarning(enum.StrEnum):
    SUBSCRIPTION_PENDING = "subscription_pending"  # webhooks not subscribed yet; retried by a job
    REGISTRATION_WAIT = "registration_wait"  # 133016: Meta blocks registration for 72 hours
    NO_CHANNEL = "no_channel"  # Slack gave no channel; pick one in the Home tab
    PAYMENT_MISSING = "payment_missing"  # health status 141006: no payment method, nothing can be sent
    MESSAGING_BLOCKED = "messaging_blocked"  # health status BLOCKED for another reason


LINK_PROBLEMS = {
    LinkProblem.FORGED: ClaimProblem.LINK_FORGED,
    LinkProblem.EXPIRED: ClaimProblem.LINK_EXPIRED,
    LinkProblem.USED: ClaimProblem.LINK_USED,
}


@dataclass(frozen=True)
class SessionInfo:
    """The WA_EMBEDDED_SIGNUP message the browser relayed: hints, never trusted."""

    event: str | None = None
    waba_id: str | None = None
    phone_number_id: str | None = None
    business_id: str | None = None

    @classmethod
    def from_payload(cls, payload: object) -> SessionInfo | None:
        if not isinstance(payload, dict):
            return None
        data = payload.get("data") if isinstance(payload.get("data"), dict) else {}

        def text(value: object) -> str | None:
            return value[:64] if isinstance(value, str) and value.strip() else None

        return cls(
            event=text(payload.get("event")),
            waba_id=text(data.get("waba_id")),
            phone_number_id=text(data.get("phone_number_id")),
            business_id=text(data.get("business_id")),
        )


@dataclass(frozen=True)
class NumberView:
    phone_number_id: str
    display_phone_number: str | None
    verified_name: str | None
    enabled: bool
    registration_state: str
    channel_id: str | None


@dataclass(frozen=True)
class ClaimOutcome:
    status: str  # "connected" | "choose_number" | "failed"
    problem: ClaimProblem | None = None
    detail: str | None = None  # for support: Meta's code and trace id; never a secret
    waba_id: str | None = None
    account_id: int | None = None
    numbers: tuple[NumberView, ...] = ()
    warnings: tuple[ClaimWarning, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.status != "failed"


class ClaimFailed(Exception):
    def __init__(self, problem: ClaimProblem, detail: str | None = None):
        self.problem = problem
        self.detail = detail
        super().__init__(problem.value)


def problem_for(error: GraphError) -> ClaimProblem:
    """Seed 000 section 10.3: what a Meta error means for the person connecting."""
    if isinstance(error, TokenInvalidError):
        return ClaimProblem.TOKEN_INVALID
    if isinstance(error, PermissionDeniedError):
        return ClaimProblem.PERMISSIONS
    if isinstance(error, ThrottledError | RegistrationLimitError):
        return ClaimProblem.RATE_LIMITED
    if isinstance(error, TransientError | NetworkError | OutcomeUnknownError):
        return ClaimProblem.META_UNAVAILABLE
    return ClaimProblem.META_ERROR


def support_detail(error: GraphError) -> str:
    trace = getattr(error, "fbtrace_id", None)
    code = getattr(error, "code", None)
    parts = [f"Meta error {code}" if code is not None else type(error).__name__]
    if trace:
        parts.append(f"trace {trace}")
    return ", ".join(parts)


def number_view(number: PhoneNumber) -> NumberView:
    return NumberView(
        phone_number_id=number.phone_number_id, display_phone_number=number.display_phone_number,
        verified_name=number.verified_name, enabled=number.enabled,
        registration_state=number.registration_state, channel_id=number.slack_channel_id,
    )


