"""Browser-facing protection for the connect page: its security headers and Content-Security-Policy. (The
per-client rate limits of the endpoints the page calls are in web/rate_limits.py, shared by every instance.)"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.responses import Response

from relay.settings import Settings

# Where the SDK has historically hosted its cross-domain helper iframe.
META_STATIC_ORIGIN = "https://staticxx.facebook.com"
# A year, subdomains included: once a browser reached us over HTTPS it never tries plain HTTP again.
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _sources(*groups: Iterable[str]) -> str:
    seen: list[str] = []
    for group in groups:
        for source in group:
            if source not in seen:
                seen.append(source)
    return " ".join(seen)


def content_security_policy(settings: Settings) -> str:
    """Our origin plus Meta's: the SDK's origin runs script; Meta's web origins may be framed (the SDK's
    helper iframes) and called. No inline script, no plugins, no framing of this page."""
    sdk = origin_of(settings.META_SDK_URL)
    meta_web = [origin_of(settings.META_WEB_URL), *settings.allowed_signup_origins]
    directives = {
        "default-src": "'none'",
        "script-src": _sources(["'self'", sdk]),
        "connect-src": _sources(["'self'", sdk], meta_web),
        "frame-src": _sources([sdk], meta_web, [META_STATIC_ORIGIN]),
        "style-src": "'self'",
        "img-src": "'self' data:",
        "form-action": "'self'",
        "base-uri": "'none'",
        "object-src": "'none'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def transport_security_headers(settings: Settings) -> dict[str, str]:
    """HSTS when the relay is served over HTTPS (never on the sandbox's plain-HTTP localhost)."""
    if urlsplit(settings.PUBLIC_BASE_URL).scheme != "https":
        return {}
    return {"Strict-Transport-Security": STRICT_TRANSPORT_SECURITY}


def security_headers(settings: Settings) -> dict[str, str]:
    """Headers for every response under /connect."""
    return {
        **transport_security_headers(settings),
        "Content-Security-Policy": content_security_policy(settings),
        # The token is in the URL: never send it on as a Referer, not even to Meta.
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Cache-Control": "no-store",
        # The Facebook pop-up must keep ``window.opener`` to post its session message back to us.
        "Cross-Origin-Opener-Policy": "same-origin-allow-popups",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    }


def apply_headers(response: Response, headers: dict[str, str]) -> Response:
    for name, value in headers.items():
        response.headers.setdefault(name, value)
    return response
