"""Graph's ``fields`` selection and cursor paging (``paging.cursors``; ``next`` only when there is more)."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Sequence
from typing import TypeVar
from urllib.parse import urlencode

from starlette.requests import Request

from .errors import MetaError, invalid_parameter

T = TypeVar("T")
DEFAULT_LIMIT = 25
MAX_LIMIT = 100


def requested_fields(
    raw: str | None, available: Sequence[str], default: Sequence[str], node_type: str
) -> list[str]:
    """The fields to return: ``default`` when none asked; unknown names fail like Graph (code 100)."""
    if not raw:
        return list(default)
    names = [re.sub(r"\{.*\}$", "", part.strip()) for part in _split_top_level(raw)]
    names = [n for n in names if n]
    for name in names:
        if name not in available:
            raise MetaError(
                100, f"(#100) Tried accessing nonexisting field ({name}) on node type ({node_type})"
            )
    return ["id", *[n for n in names if n != "id"]] if "id" not in names else names


def _split_top_level(raw: str) -> list[str]:
    """Split ``a,b{c,d},e`` on commas outside braces (Graph's nested field syntax)."""
    parts, depth, current = [], 0, ""
    for char in raw:
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
            continue
        depth += {"{": 1, "}": -1}.get(char, 0)
        current += char
    parts.append(current)
    return parts


def pick(values: dict, fields: Sequence[str]) -> dict:
    """``values`` restricted to ``fields`` in Graph's order (requested order, id included)."""
    return {name: values[name] for name in fields if name in values and values[name] is not None}


def encode_cursor(item_id: str) -> str:
    return base64.urlsafe_b64encode(f"sim:{item_id}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        raw = ""
    if not raw.startswith("sim:"):
        raise invalid_parameter(f"Invalid cursor {cursor!r}.", "(#100) Invalid cursor")
    return raw[4:]


def parse_limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    if not raw.isdigit() or int(raw) < 1:
        raise invalid_parameter(f"Param limit must be a positive integer, got {raw!r}.")
    return min(int(raw), MAX_LIMIT)


def paginate(
    request: Request, items: Sequence[T], item_id: Callable[[T], str], origin: str
) -> tuple[list[T], dict]:
    """One page of ``items`` per the request's ``limit``/``after``/``before`` and its ``paging`` object."""
    params = request.query_params
    limit = parse_limit(params.get("limit"))
    ids = [item_id(item) for item in items]
    start, end = 0, None
    if params.get("after"):
        anchor = _decode_cursor(params["after"])
        if anchor not in ids:
            raise invalid_parameter(
                "The after cursor does not point into this list.", "(#100) Invalid cursor"
            )
        start = ids.index(anchor) + 1
    elif params.get("before"):
        anchor = _decode_cursor(params["before"])
        if anchor not in ids:
            raise invalid_parameter(
                "The before cursor does not point into this list.", "(#100) Invalid cursor"
            )
        end = ids.index(anchor)
        start = max(0, end - limit)
    stop = end if end is not None else start + limit
    page = list(items[start:stop])
    paging: dict = {}
    if page:
        paging["cursors"] = {
            "before": encode_cursor(item_id(page[0])),
            "after": encode_cursor(item_id(page[-1])),
        }
        kept = {k: v for k, v in params.items() if k not in ("after", "before", "access_token", "limit")}
        base = f"{origin}{request.url.path}?"
        if stop < len(items):
            paging["next"] = base + urlencode({**kept, "limit": limit, "after": paging["cursors"]["after"]})
        if start > 0:
            paging["previous"] = base + urlencode(
                {**kept, "limit": limit, "before": paging["cursors"]["before"]}
            )
    return page, paging
