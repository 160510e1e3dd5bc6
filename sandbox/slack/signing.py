"""Slack's request signing (v0): what slack_sdk's SignatureVerifier checks on every request Slack sends."""

from __future__ import annotations

import hashlib
import hmac


def signature(signing_secret: str, timestamp: str, body: bytes) -> str:
    """``v0=`` + hex HMAC-SHA256 of ``v0:{timestamp}:{body}`` with the app's signing secret."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(signing_secret: str, timestamp: int, body: bytes, content_type: str) -> dict[str, str]:
    """The headers Slack puts on a request to the app's Request URL."""
    stamp = str(timestamp)
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature(signing_secret, stamp, body),
        "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
    }
