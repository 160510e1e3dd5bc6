"""Logging set-up: one line per event, and a filter that masks every configured secret wherever it appears,
plus the values of credential-bearing query parameters (uvicorn's access lines carry full query strings)."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable

MASK = "***"
# Shapes of secrets we may meet before they are known to settings (tokens from Meta or Slack responses).
TOKEN_SHAPES = re.compile(r"\b(xox[abpre]-[A-Za-z0-9-]{6,}|EAA[A-Za-z0-9]{16,})\b")
# Query parameters whose value is a credential: connect links (token, retry_token), OAuth (code, state),
# Meta's webhook check (hub.verify_token), tokens and secrets Graph or Slack calls may carry.
CREDENTIAL_PARAMETERS = (
    "token", "retry_token", "code", "state", "access_token", "refresh_token", "id_token", "input_token",
    "fb_exchange_token", "client_secret", "appsecret_proof", "hub.verify_token", "password", "secret",
    "signature", "sig",
)
# ?name=value / &name=value, also percent-encoded inside another URL's parameter (%3Fname%3Dvalue)
CREDENTIAL_QUERY = re.compile(
    r"((?:[?&;]|%3F|%26)(?:" + "|".join(re.escape(name) for name in CREDENTIAL_PARAMETERS) + r")(?:=|%3D))"
    r"[^&;\s\"'#<>]+",
    re.IGNORECASE,
)


class RedactSecrets(logging.Filter):
    """Replaces known secret values and token-shaped strings in the formatted message and arguments."""

    def __init__(self, secrets: Iterable[str] = ()):
        super().__init__()
        self.secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        """``text`` with known secrets, token shapes and credential query values replaced by ``***``."""
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        text = CREDENTIAL_QUERY.sub(lambda m: m.group(1) + MASK, text)
        return TOKEN_SHAPES.sub(MASK, text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            message += "\n" + logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
            record.exc_text = None
        record.msg = self.scrub(message)
        record.args = None
        return True


def show_activity(redact: RedactSecrets) -> None:
    """Also print the ``waslack.activity`` lines (INFO) as ``19:30:02 connect  …``, whatever the root level."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", datefmt="%H:%M:%S"))
    handler.addFilter(redact)
    activity = logging.getLogger("waslack.activity")
    for old in list(activity.handlers):
        activity.removeHandler(old)
    activity.addHandler(handler)
    activity.setLevel(logging.INFO)
    activity.propagate = False


def configure_logging(level: str = "INFO", secrets: Iterable[str] = (), *, activity: bool = False) -> RedactSecrets:
    """Route every logger through one stderr handler that redacts secrets; returns the filter. The
    ``waslack.activity`` lines (relay/activity.py) are written only with ``activity`` (LOG_ACTIVITY=on)."""
    redact = RedactSecrets(secrets)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(redact)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    activity_log = logging.getLogger("waslack.activity")
    activity_log.setLevel(logging.INFO if activity else logging.WARNING)  # whatever a parent logger says
    activity_log.propagate = True
    activity_log.disabled = False  # a dictConfig elsewhere (disable_existing_loggers) must not silence it
    for old in list(activity_log.handlers):  # show_activity's, from an earlier call
        activity_log.removeHandler(old)
    for noisy in ("httpx", "httpcore", "aiosqlite", "apscheduler"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
    # slack_sdk formats a DEBUG line of every request and response (payload, headers) whenever its logger's
    # own level is NOTSET, before logging drops it: given the configured level, it skips that work
    for client in ("slack_sdk.web.async_base_client", "slack_sdk.web.base_client"):
        if logging.getLogger(client).level == logging.NOTSET:
            logging.getLogger(client).setLevel(level)
    return redact
