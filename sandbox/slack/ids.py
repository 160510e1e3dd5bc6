"""Identifiers and timestamps shaped like Slack's: C/U/B/A/F/V ids, xoxb tokens, message ts strings."""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable

_ALPHABET = string.ascii_uppercase + string.digits


def slack_id(prefix: str, length: int = 10) -> str:
    """An id like ``C07AB12CD3E``: a type letter and upper-case alphanumerics (Slack's own alphabet)."""
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def bot_token(team_number: int) -> str:
    """A fresh ``xoxb-`` bot token (three numeric groups and a secret, like Slack's)."""
    secret = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(24))
    return f"xoxb-{team_number}-{secrets.randbelow(10**12):012d}-{secret}"


def random_code(prefix: str = "") -> str:
    """An opaque one-time value (OAuth codes, response_url paths)."""
    return prefix + secrets.token_hex(16)


def trigger_id() -> str:
    """A trigger id in Slack's ``<digits>.<digits>.<hex>`` form."""
    return f"{secrets.randbelow(10**13):013d}.{secrets.randbelow(10**12):012d}.{secrets.token_hex(16)}"


class TsClock:
    """Hands out unique, strictly increasing ``1700000000.000100`` strings from an injected clock."""

    def __init__(self, clock: Callable[[], float]):
        self._clock = clock
        self._last_micros = 0

    def next(self) -> str:
        micros = max(int(self._clock() * 1_000_000), self._last_micros + 1)
        self._last_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"
