"""Reading the small JSON bodies the connect page posts: size-capped while streaming, JSON only, required
string fields present. Anything else is refused before the core sees it, so nothing is created."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from web.connect import wording

MAX_BODY_BYTES = 16 * 1024


class BodyRefused(Exception):
    """The request body is unusable; ``status``/``problem``/``message`` say why."""

    def __init__(self, status: int, problem: str, message: str):
        self.status = status
        self.problem = problem
        self.message = message
        super().__init__(problem)


def _refuse(status: int, problem: str, **fill: str) -> BodyRefused:
    return BodyRefused(status, problem, wording.REQUEST_PROBLEMS[problem].format(**fill))


async def read_json_object(request: Request, limit: int = MAX_BODY_BYTES) -> dict[str, Any]:
    """The body as a JSON object; BodyRefused (413, 415 or 400) otherwise."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise _refuse(415, "unsupported_media_type")
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.strip().isdigit() or int(declared) > limit):
        raise _refuse(413, "too_large")
    body = bytearray()
    async for chunk in request.stream():  # the declared length may be absent (chunked) or a lie
        body += chunk
        if len(body) > limit:
            raise _refuse(413, "too_large")
    try:
        data = json.loads(bytes(body))
    except (ValueError, RecursionError):
        raise _refuse(400, "bad_json") from None
    if not isinstance(data, dict):
        raise _refuse(400, "bad_json")
    return data


def required_strings(data: dict[str, Any], *names: str, max_length: int = 4096) -> list[str]:
    """The named fields as non-empty strings (at most ``max_length``); BodyRefused(400) naming the rest."""
    missing = [n for n in names
               if not isinstance(data.get(n), str) or not data[n].strip() or len(data[n]) > max_length]
    if missing:
        raise _refuse(400, "missing_fields", fields=" and ".join(f"'{n}'" for n in missing))
    return [data[n] for n in names]
