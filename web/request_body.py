"""Reading untrusted request bodies: size-capped while streaming, and JSON parsed with a nesting bound.

Shared by the edges Meta and Slack call (and any other that must never buffer or recurse without limit)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from starlette.requests import Request

# Slack's and Meta's payloads nest a dozen levels at most; anything deeper is not theirs.
MAX_JSON_DEPTH = 64


class UnreadableJSON(ValueError):
    """The bytes are not JSON, not UTF-8, or nest deeper than allowed."""


async def read_limited(request: Request, limit: int) -> bytes | None:
    """The body, or None once it grows past ``limit`` (read in chunks, never all at once).

    A declared Content-Length above the limit is refused before a byte is read; a missing or lying one
    is caught while streaming."""
    declared = request.headers.get("content-length")
    if declared and declared.isascii() and declared.isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def nesting_depth(value: Any, stop_after: int = MAX_JSON_DEPTH) -> int:
    """How deep lists and objects nest in a parsed JSON value (walked without recursion); stops counting
    once past ``stop_after``."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        node, depth = pending.pop()
        children: Iterable[Any]
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > stop_after:
            return deepest
        pending.extend((child, depth + 1) for child in children)
    return deepest


def loads_bounded(data: bytes | str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` that raises UnreadableJSON (never RecursionError) for bad or too deeply nested input."""
    try:
        value = json.loads(data)
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise UnreadableJSON("not JSON") from None
    if nesting_depth(value, max_depth) > max_depth:
        raise UnreadableJSON(f"JSON nested deeper than {max_depth} levels")
    return value
