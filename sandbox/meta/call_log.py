"""Every Graph call made to the simulator (and each media download), as the traffic pane and tests read it:
method, path, status, Meta's error code, the small JSON bodies; tokens, secrets and codes masked."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

MASK = "***"
# Query and body keys whose values are credentials: the log never keeps them
SECRET_KEYS = frozenset({"access_token", "input_token", "client_secret", "code", "token", "fb_exchange_token",
                         "appsecret_proof", "pin", "app_secret", "password"})  # fmt: skip
KEPT = 500  # the log keeps the latest calls only
BODY_LIMIT = 4096  # bodies larger than this (uploads, downloads) are summarised by size


def masked(value: Any) -> Any:
    """``value`` with every secret-bearing key's text replaced by ``***``, at any depth (numbers stay: an
    error's ``code`` is no secret, an OAuth ``code`` is)."""
    if isinstance(value, dict):
        return {k: (MASK if str(k).lower() in SECRET_KEYS and isinstance(v, str) and v else masked(v))
                for k, v in value.items()}  # fmt: skip
    if isinstance(value, list):
        return [masked(v) for v in value]
    return value


def _json_or_size(raw: bytes, content_type: str) -> Any:
    if not raw:
        return None
    if len(raw) <= BODY_LIMIT and "json" in content_type:
        try:
            return masked(json.loads(raw))
        except ValueError:
            return None
    if len(raw) <= BODY_LIMIT and content_type.startswith("application/x-www-form-urlencoded"):
        return masked(dict(parse_qsl(raw.decode("utf-8", "replace"))))
    return {"bytes": len(raw), "content_type": content_type.split(";")[0]}


class CallLog:
    """The latest calls (``entries``, oldest first) and how many were ever made (``total``)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.entries: deque[dict] = deque(maxlen=KEPT)
        self.total = 0

    def record(self, request: Request, raw: bytes, response: Response) -> None:
        """Keep one call: what was asked (``raw``: its body) and what the simulator answered."""
        self.total += 1
        answer = _json_or_size(bytes(getattr(response, "body", b"") or b""), response.media_type or "")
        entry: dict = {
            "n": self.total,
            "at": self.clock(),
            "method": request.method,
            "path": request.url.path,
            "query": masked(dict(request.query_params)),
            "status": response.status_code,
            "request": _json_or_size(raw, request.headers.get("content-type", "")),
            "response": answer,
        }
        error = answer.get("error") if isinstance(answer, dict) else None
        if isinstance(error, dict):
            entry["error_code"] = error.get("code")
        self.entries.append(entry)

    def latest(self, limit: int | None = None) -> list[dict]:
        calls = list(self.entries)
        return calls[-limit:] if limit else calls


def logged(handler: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    """A route that records each call in the world's call log."""

    async def route(request: Request) -> Response:
        raw = await request.body()  # read first: the handler's own reads (form, multipart) reuse it
        response = await handler(request)
        request.app.state.sim.graph_calls.record(request, raw, response)
        return response

    return route
