"""Typed Graph API errors: Meta's error object mapped by ``code`` to one exception class.

Build error handling on these classes (and ``code``/``details``), never on Meta's titles.
No exception here ever holds a token or the app secret: the client redacts them first.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, ClassVar


class GraphError(Exception):
    """An error from the Graph API, or from talking to it. Permanent unless a subclass says so."""

    retryable: ClassVar[bool] = False

    def __init__(
        self,
        code: int | None,
        message: str,
        details: str | None = None,
        subcode: int | None = None,
        fbtrace_id: str | None = None,
        is_transient: bool = False,
        http_status: int | None = None,
        *,
        error_type: str | None = None,
        user_title: str | None = None,
        user_msg: str | None = None,
    ):
        self.code = code
        self.message = message
        self.details = details
        self.subcode = subcode
        self.fbtrace_id = fbtrace_id
        self.is_transient = is_transient
        self.http_status = http_status
        self.error_type = error_type
        self.user_title = user_title
        self.user_msg = user_msg
        super().__init__(self._describe())

    def _describe(self) -> str:
        head = f"{type(self).__name__}"
        if self.code is not None:
            head += f" (#{self.code}"
            head += f"/{self.subcode})" if self.subcode is not None else ")"
        text = f"{head}: {self.message}"
        if self.details and self.details not in self.message:
            text += f" - {self.details}"
        facts = [f"http {self.http_status}"] if self.http_status is not None else []
        if self.error_type:
            facts.append(f"type {self.error_type}")
        if self.is_transient:
            facts.append("is_transient")
        if self.fbtrace_id:
            facts.append(f"fbtrace_id {self.fbtrace_id}")
        return f"{text} [{', '.join(facts)}]" if facts else text

    def __str__(self) -> str:
        return self._describe()


class TokenInvalidError(GraphError):
    """The tenant's token is expired, revoked or malformed: the tenant must reconnect (Embedded Signup)."""


class PermissionDeniedError(GraphError):
    """The token lacks a permission or access to the asset; needs a configuration fix, not a retry."""


class InvalidRequestError(GraphError):
    """Meta rejected the request's parameters (missing, invalid, sender = recipient)."""


class ThrottledError(GraphError):
    """A rate limit was hit; retry later. ``retry_after`` (seconds) when Meta said how long."""

    retryable: ClassVar[bool] = True

    def __init__(self, *args: Any, retry_after: float | None = None, **kwargs: Any):
        self.retry_after = retry_after
        super().__init__(*args, **kwargs)

    def _describe(self) -> str:
        text = super()._describe()
        return text if self.retry_after is None else f"{text} (retry after {self.retry_after:g}s)"


class PairRateLimitError(ThrottledError):
    """Too many messages to the same user (131056): Meta asks for a 4^x second backoff."""


class WindowClosedError(GraphError):
    """More than 24 hours since the candidate last wrote (131047): only a template can be sent."""


class TemplateError(GraphError):
    """A template send failed: missing, unapproved, paused, or parameters do not match (132xxx)."""


class RegistrationLimitError(GraphError):
    """Too many register/deregister requests for this number (133016): blocked for 72 hours."""


class PaymentRequiredError(GraphError):
    """The business cannot pay for messages (131042): the customer must add a payment method."""


class RecipientError(GraphError):
    """The recipient cannot get this message (not on WhatsApp, not allowed, opted out, BSUID)."""


class TransientError(GraphError):
    """A temporary failure on Meta's side (or a 5xx): retry with backoff."""

    retryable: ClassVar[bool] = True


class NetworkError(TransientError):
    """The request failed in transport: connection refused, timed out, connection dropped."""


class OutcomeUnknownError(GraphError):
    """A send may have reached Meta but we never got the answer; re-sending could duplicate it."""

    def __init__(self, message: str, *, cause: GraphError):
        self.cause = cause
        super().__init__(
            cause.code,
            f"{message} ({cause.message})",
            cause.details,
            cause.subcode,
            cause.fbtrace_id,
            cause.is_transient,
            cause.http_status,
            error_type=cause.error_type,
        )


class MediaTooLargeError(GraphError):
    """A media download exceeded the caller's ``max_bytes``."""

    def __init__(self, max_bytes: int, size: int | None = None):
        self.max_bytes = max_bytes
        self.size = size
        seen = f"{size} bytes" if size is not None else "more"
        super().__init__(None, f"media is larger than the limit of {max_bytes} bytes (got {seen})")


def _codes(cls: type[GraphError], *codes: int | range) -> dict[int, type[GraphError]]:
    table: dict[int, type[GraphError]] = {}
    for item in codes:
        for code in item if isinstance(item, range) else (item,):
            table[code] = cls
    return table


# Meta error ``code`` -> exception class (reference 4.5). Unknown codes stay a plain, permanent GraphError.
ERROR_CLASSES: dict[int, type[GraphError]] = {
    **_codes(TokenInvalidError, 0, 190),
    **_codes(PermissionDeniedError, 3, 10, range(200, 300), 131005),
    **_codes(InvalidRequestError, 100, 131008, 131009, 131021),
    **_codes(ThrottledError, 4, 17, 613, 80007, 130429, 131048, 131057),
    **_codes(PairRateLimitError, 131056),
    **_codes(WindowClosedError, 131047),
    **_codes(TemplateError, range(132000, 133000)),
    **_codes(RegistrationLimitError, 133016),
    **_codes(PaymentRequiredError, 131042),
    **_codes(RecipientError, 131026, 131030, 131050, 131062),
    **_codes(TransientError, 1, 2, 131000, 131016),
}


def retry_after_from_headers(headers: Mapping[str, str]) -> float | None:
    """Seconds until access returns, from ``X-Business-Use-Case-Usage`` (minutes in the header)."""
    raw = headers.get("x-business-use-case-usage")
    if not raw:
        return None
    try:
        usage = json.loads(raw)
    except ValueError:
        return None
    minutes = [
        entry.get("estimated_time_to_regain_access")
        for entries in (usage.values() if isinstance(usage, dict) else ())
        if isinstance(entries, list)
        for entry in entries
        if isinstance(entry, dict)
    ]
    waits = [float(m) for m in minutes if isinstance(m, int | float) and not isinstance(m, bool) and m > 0]
    return max(waits) * 60.0 if waits else None


def _class_for(code: int | None, is_transient: bool, http_status: int) -> type[GraphError]:
    if code is not None and code in ERROR_CLASSES:
        return ERROR_CLASSES[code]
    if is_transient or http_status == 429:
        return ThrottledError
    if http_status >= 500:
        return TransientError
    return GraphError


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def _text_or_none(value: Any, redact: Callable[[str], str]) -> str | None:
    return redact(value) if isinstance(value, str) and value else None


def error_from_response(
    http_status: int,
    body: bytes,
    headers: Mapping[str, str],
    *,
    redact: Callable[[str], str] = lambda text: text,
) -> GraphError:
    """Turn a non-2xx Graph response into the typed exception for its ``code`` (not raised)."""
    try:
        payload = json.loads(body) if body else None
    except ValueError:
        payload = None
    error = payload.get("error") if isinstance(payload, dict) else None
    if not isinstance(error, dict):
        error = {}
    code = _int_or_none(error.get("code"))
    is_transient = error.get("is_transient") is True
    cls = _class_for(code, is_transient, http_status)
    error_data = error.get("error_data")
    details = error_data.get("details") if isinstance(error_data, dict) else None
    message = _text_or_none(error.get("message"), redact) or f"HTTP {http_status} without an error object"
    fields: dict[str, Any] = {
        "details": _text_or_none(details, redact),
        "subcode": _int_or_none(error.get("error_subcode")),
        "fbtrace_id": _text_or_none(error.get("fbtrace_id"), redact),
        "is_transient": is_transient,
        "http_status": http_status,
        "error_type": _text_or_none(error.get("type"), redact),
        "user_title": _text_or_none(error.get("error_user_title"), redact),
        "user_msg": _text_or_none(error.get("error_user_msg"), redact),
    }
    if issubclass(cls, ThrottledError):
        fields["retry_after"] = retry_after_from_headers(headers)
    return cls(code, message, **fields)
