"""The raw traffic the console's third pane shows: webhook deliveries, Slack calls and deliveries, every Graph
call, with tokens and secrets masked (the way the relay's log filter masks them)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from relay.logging import MASK, RedactSecrets

SECRET_KEYS = {"token", "bot_token", "access_token", "client_secret", "app_secret", "signing_secret",
               "authorization", "x-slack-signature", "x-hub-signature-256", "code", "refresh_token"}
SHOWN = 40


class Redactor:
    """Masks known secret values, token-shaped strings and values under secret-bearing keys, anywhere."""

    def __init__(self, secrets: Iterable[str]):
        self.scrubber = RedactSecrets(secrets)

    def __call__(self, value: Any) -> Any:
        """``value`` (JSON-like) with every secret replaced by ``***``."""
        if isinstance(value, dict):
            # text under a secret-bearing key is masked; numbers stay (an error's code is no secret)
            return {k: (MASK if str(k).lower() in SECRET_KEYS and isinstance(v, str) and v else self(v))
                    for k, v in value.items()}  # fmt: skip
        if isinstance(value, list):
            return [self(v) for v in value]
        if isinstance(value, str):
            return self.scrubber.scrub(value)
        return value


def slack_calls(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The latest Web API calls the relay made: method, status, the arguments, ok or the error."""
    return [{"kind": "slack_call", "at": c.get("time"), "method": c.get("method"), "status": c.get("status"),
             "args": c.get("args"), "ok": (c.get("response") or {}).get("ok"),
             "error": (c.get("response") or {}).get("error")} for c in calls[-SHOWN:]]  # fmt: skip


def slack_deliveries(deliveries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The latest requests Slack sent the relay (events, commands, interactivity) and the answer's status."""
    out = []
    for d in deliveries[-SHOWN:]:
        result = d.get("result") or {}
        out.append({"kind": "slack_delivery", "type": d.get("kind"), "event_id": d.get("event_id"),
                    "attempt": d.get("attempt"), "status": result.get("status"),
                    "elapsed_ms": result.get("elapsed_ms"), "body": (d.get("request") or {}).get("body")})  # fmt: skip
    return out


def meta_deliveries(deliveries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The latest webhook POSTs Meta made to the relay, with each attempt's status."""
    return [{"kind": "webhook", "at": d.get("created_at"), "id": d.get("id"), "state": d.get("state"),
             "fields": d.get("fields"), "attempts": d.get("attempts"), "body": d.get("body")}
            for d in deliveries[-SHOWN:]]  # fmt: skip


def graph_calls(calls: list[dict[str, Any]], sent: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The latest Graph calls the relay made (sends, read receipts, media, templates, registration,
    subscriptions, code exchanges): method, path, HTTP status, Meta's error code; a send also shows its
    message's type, recipient and delivery status as Meta's status webhooks moved it."""
    by_wamid = {m.get("wamid"): m for m in sent}
    out = []
    for c in calls[-SHOWN:]:
        row = {"kind": "graph_call", "at": c.get("at"), "method": c.get("method"), "path": c.get("path"),
               "status": c.get("status"), "error_code": c.get("error_code"), "query": c.get("query"),
               "request": c.get("request"), "response": c.get("response")}  # fmt: skip
        answer = c.get("response")
        sends = (answer.get("messages") if isinstance(answer, dict) else None) or [{}]
        wamid = sends[0].get("id") if isinstance(sends[0], dict) else None
        if wamid in by_wamid:
            message = by_wamid[wamid]
            row.update(type=message.get("type"), to=message.get("wa_id"), wamid=wamid,
                       message_status=message.get("status"))  # fmt: skip
        out.append(row)
    return out
