"""Meta's synchronous error object (reference 4.4) and the catalogue of codes the simulator raises."""

from __future__ import annotations

import secrets
import string

from starlette.responses import JSONResponse

# Titles as Meta words them (reference 4.5); the message is "(#<code>) <title>" like the live API.
TITLES: dict[int, str] = {
    1: "An unknown error occurred",
    2: "Service temporarily unavailable",
    4: "Application request limit reached",
    10: "Permission denied",
    100: "Invalid parameter",
    200: "Permissions error",
    80007: "Rate limit issues",
    130429: "Rate limit hit",
    131000: "Something went wrong",
    131005: "Access denied",
    131008: "Required parameter is missing",
    131009: "Parameter value is not valid",
    131016: "Service unavailable",
    131021: "Recipient cannot be sender",
    131026: "Message undeliverable",
    131031: "Business Account locked",
    131042: "Business eligibility payment issue",
    131045: "Incorrect certificate",
    131047: "Re-engagement message",
    131048: "Spam rate limit hit",
    131049: "This message was not delivered to maintain healthy ecosystem engagement.",
    131050: "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages.",
    131051: "Unsupported message type",
    131052: "Media download error",
    131053: "Media upload error",
    131056: "(Business Account, Consumer Account) pair rate limit hit",
    131057: "Account in maintenance mode",
    131060: "This message is currently unavailable",
    131062: "Business-scoped user ID recipient not supported",
    132000: "Number of parameters does not match the expected number of params",
    132001: "Template name does not exist in the translation",
    132005: "Translated text too long",
    132007: "Template Format Character Policy Violated",
    132012: "Parameter format does not match format in the created template",
    132015: "Template is Paused",
    132016: "Template is Disabled",
    133005: "Two step verification PIN Mismatch",
    133010: "Account not registered",
    133016: "Account register deregister rate limit exceeded",
    368: "Temporarily blocked for policies violations",
    2593109: "Chat history sharing declined",
}

# Codes Meta marks as transient (retryable) in its error objects.
TRANSIENT = frozenset({1, 2, 4, 80007, 130429, 131000, 131016, 131056, 131057})

HREF = "/documentation/business-messaging/whatsapp/support/error-codes"


class MetaError(Exception):
    """An error the simulated Graph API answers with; ``response()`` renders Meta's JSON object."""

    def __init__(
        self,
        code: int,
        message: str | None = None,
        *,
        details: str | None = None,
        subcode: int | None = None,
        http_status: int | None = None,
        is_transient: bool | None = None,
        whatsapp: bool = True,
    ) -> None:
        self.code = code
        self.message = message or f"(#{code}) {TITLES.get(code, 'An unknown error occurred')}"
        self.details = details
        self.subcode = subcode
        self.http_status = http_status or (401 if code == 190 else 500 if code in (1, 2) else 400)
        self.is_transient = (
            is_transient if is_transient is not None else (True if code in TRANSIENT else None)
        )
        self.whatsapp = whatsapp  # Cloud API errors carry error_data; plain Graph (OAuth) errors do not
        super().__init__(self.message)

    def body(self) -> dict:
        """The ``{"error": {...}}`` object, field order as Meta sends it."""
        error: dict = {"message": self.message, "type": "OAuthException", "code": self.code}
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        if self.whatsapp:
            error["error_data"] = {"messaging_product": "whatsapp", "details": self.details or self.message}
        if self.is_transient is not None:
            error["is_transient"] = self.is_transient
        error["fbtrace_id"] = new_fbtrace_id()
        return {"error": error}

    def response(self, headers: dict[str, str] | None = None) -> JSONResponse:
        """The HTTP response Graph would send for this error."""
        merged = dict(headers or {})
        if self.code == 190:
            merged.setdefault(
                "WWW-Authenticate", f'OAuth "Facebook Platform" "invalid_token" "{self.message}"'
            )
        return JSONResponse(self.body(), status_code=self.http_status, headers=merged)


def new_fbtrace_id() -> str:
    """A random trace id shaped like Meta's (base64-ish, 23 characters)."""
    alphabet = string.ascii_letters + string.digits + "_-"
    return "A" + "".join(secrets.choice(alphabet) for _ in range(22))


def invalid_token(*, expired_at: str | None = None) -> MetaError:
    """Code 190: the token is unknown, malformed, revoked or expired."""
    if expired_at:
        return MetaError(
            190, f"Error validating access token: Session has expired on {expired_at}.", subcode=463
        )
    return MetaError(190, "Invalid OAuth access token - Cannot parse access token")


def missing_token() -> MetaError:
    """Code 104: no token at all (header or ``access_token`` parameter)."""
    return MetaError(104, "An access token is required to request this resource.", whatsapp=False)


def unsupported(method: str, object_id: str) -> MetaError:
    """Code 100 / subcode 33: the object is unknown, not accessible with this token, or lacks this edge."""
    return MetaError(
        100,
        f"Unsupported {method.lower()} request. Object with ID '{object_id}' does not exist, cannot be "
        "loaded due to missing permissions, or does not support this operation. Please read the Graph API "
        "documentation at https://developers.facebook.com/docs/graph-api",
        subcode=33,
    )


def invalid_parameter(details: str, message: str | None = None) -> MetaError:
    """Code 100 with Meta's ``details`` explaining which parameter is wrong."""
    return MetaError(100, message or "(#100) Invalid parameter", details=details)


def unexpected_key(key: str, where: str) -> MetaError:
    """Code 100 for a key the endpoint does not know (the live API rejects them)."""
    return MetaError(
        100, f'(#100) Unexpected key "{key}" on param "{where}".', details=f"Unexpected key {key!r}."
    )


def webhook_error(code: int, details: str) -> dict:
    """The error shape used inside webhooks (statuses[].errors[], messages[].errors[])."""
    title = TITLES.get(code, "Message failed to send")
    return {"code": code, "title": title, "message": title, "error_data": {"details": details}, "href": HREF}
