"""How the page launches Embedded Signup: FB.login's ``extras`` per version, the redirect fallback's OAuth
dialog URL, and the config block the page's script reads."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from relay.settings import Settings
from web.connect import wording

POLL_INTERVAL_MS = 3_000  # seed 000 section 4.1: every 3 seconds...
POLL_TIMEOUT_MS = 120_000  # ...for up to 2 minutes
SESSION_WAIT_MS = 1_000  # how long a code waits for the session message before going without it
SDK_TIMEOUT_MS = 15_000
ENDPOINTS = {"complete": "/connect/complete", "choose": "/connect/choose", "status": "/connect/status"}


def callback_url(settings: Settings) -> str:
    return f"{settings.PUBLIC_BASE_URL}/connect/callback"


def signup_extras(version: str) -> dict[str, dict[str, Any]]:
    """FB.login ``extras`` (reference 1.2-1.3) for the default flow and for WhatsApp Business app numbers."""
    default: dict[str, Any] = {}  # v4: "purposely empty"; products come from the login configuration
    if version == "v3":
        default = {"setup": {}, "featureType": "", "sessionInfoVersion": "3", "version": "v3"}
    coexistence = {"setup": {}, "featureType": "whatsapp_business_app_onboarding", "sessionInfoVersion": "3"}
    return {"default": default, "coexistence": coexistence}


def redirect_url(settings: Settings, token: str) -> str:
    """Meta's OAuth dialog, for browsers where the pop-up cannot open; it returns to /connect/callback."""
    query = urlencode({
        "client_id": settings.META_APP_ID, "config_id": settings.META_CONFIG_ID, "response_type": "code",
        "redirect_uri": callback_url(settings), "state": token,
    })
    return f"{settings.META_WEB_URL}/{settings.META_API_VERSION}/dialog/oauth?{query}"


def page_config(settings: Settings, token: str, state: str) -> dict[str, Any]:
    """Everything connect.js needs, rendered into <script type="application/json" id="config">."""
    return {
        "token": token,
        "appId": settings.META_APP_ID,
        "configId": settings.META_CONFIG_ID,
        "apiVersion": settings.META_API_VERSION,
        "sdkUrl": settings.META_SDK_URL,
        "allowedOrigins": list(settings.allowed_signup_origins),
        "extras": signup_extras(settings.META_EMBEDDED_SIGNUP_VERSION),
        "redirectUrl": redirect_url(settings, token),
        "endpoints": ENDPOINTS,
        "serverTime": datetime.now(UTC).isoformat(),  # the status check's `after` is in the server's clock
        "pollIntervalMs": POLL_INTERVAL_MS,
        "pollTimeoutMs": POLL_TIMEOUT_MS,
        "sessionWaitMs": SESSION_WAIT_MS,
        "sdkTimeoutMs": SDK_TIMEOUT_MS,
        "initialState": state,
        "text": wording.browser_text(),
    }
