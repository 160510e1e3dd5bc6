"""Meta's webhook signature: ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>``.

Checked on the raw bytes as received, before any parsing, with a constant-time compare.
"""

from __future__ import annotations

import hashlib
import hmac
import re

_PREFIX = "sha256="
_HEX_DIGEST = re.compile(r"[0-9a-f]{64}")


def sign(raw_body: bytes, app_secret: str) -> str:
    """The ``X-Hub-Signature-256`` value Meta sends for ``raw_body`` (the simulator and tests use it)."""
    digest = hmac.new(app_secret.encode("utf-8"), raw_body, hashlib.sha256).hexdigest()
    return f"{_PREFIX}{digest}"


def verify_signature(raw_body: bytes, header: str | None, app_secret: str) -> bool:
    """True only if ``header`` is a well-formed signature of ``raw_body`` by ``app_secret``; fails closed."""
    if not app_secret or not isinstance(header, str) or not isinstance(raw_body, bytes | bytearray):
        return False
    scheme, separator, received = header.strip().partition("=")
    if not separator or scheme.lower() != "sha256":
        return False
    received = received.lower()
    if not _HEX_DIGEST.fullmatch(received):
        return False
    expected = hmac.new(app_secret.encode("utf-8"), bytes(raw_body), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, received)
