"""conversations.history and conversations.replies: a channel's messages, newest first, and one thread's.

Paging as Slack pages: ``limit`` (history: 100 by default, at most 999; replies: 1000), an opaque ``cursor``
(``response_metadata.next_cursor``, ``has_more``), and the time window ``oldest`` / ``latest`` (exclusive
unless ``inclusive``). Apps not approved for the Marketplace get at most 15 messages a page
(changelog 2025-05-29). docs.slack.dev/reference/methods/conversations.history, .../conversations.replies
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from ..context import CallContext, Method
from ..state import Channel, Message
from ..strict import bool_arg, int_arg, text_arg
from ..world import SlackApiFailure

HISTORY_LIMIT, HISTORY_MAX = 100, 999
REPLIES_LIMIT, REPLIES_MAX = 1000, 1000
NON_MARKETPLACE_MAX = 15
FOREVER = (2**62, 0)


def ts_key(ts: str) -> tuple[int, int]:
    """A message ts as a sortable number pair (seconds, microseconds)."""
    seconds, _, micros = ts.partition(".")
    return int(seconds), int(micros.ljust(6, "0")[:6])


def _bound(ctx: CallContext, name: str, error: str) -> tuple[int, int] | None:
    value = text_arg(ctx.args, name)
    if value is None:
        return None
    try:
        return ts_key(value)
    except ValueError:
        raise SlackApiFailure(error) from None


def _readable(ctx: CallContext) -> Channel:
    """The channel, if our bot may read its history (a member, holding the history scope of its kind)."""
    channel = ctx.visible_channel()
    ctx.require_scope(
        "im:history" if channel.is_im else "groups:history" if channel.is_private else "channels:history"
    )
    if ctx.ws.bot_user_id not in channel.members:
        raise SlackApiFailure("not_in_channel")
    return channel


def _limit(ctx: CallContext, default: int, maximum: int) -> int:
    if not ctx.world.realism.marketplace_app:
        default = maximum = NON_MARKETPLACE_MAX
    limit = int_arg(ctx.args, "limit", default) or default
    return max(1, min(limit, maximum))


def encode_cursor(ts: str) -> str:
    return base64.b64encode(f"next_ts:{ts.replace('.', '')}".encode()).decode()


def _cursor(ctx: CallContext) -> tuple[int, int] | None:
    cursor = text_arg(ctx.args, "cursor")
    if cursor is None:
        return None
    try:
        decoded = base64.b64decode(cursor.encode(), validate=True).decode()
        digits = decoded.removeprefix("next_ts:")
        if not decoded.startswith("next_ts:") or not digits.isdigit() or len(digits) < 7:
            raise ValueError(decoded)
        return int(digits[:-6]), int(digits[-6:])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise SlackApiFailure("invalid_cursor") from None


def _window(ctx: CallContext, messages: list[Message]) -> list[Message]:
    """The messages between ``oldest`` and ``latest`` (default: everything posted so far)."""
    oldest = _bound(ctx, "oldest", "invalid_ts_oldest") or (0, 0)
    latest = _bound(ctx, "latest", "invalid_ts_latest") or FOREVER
    inclusive = bool_arg(ctx.args, "inclusive")
    return [
        m
        for m in messages
        if (oldest <= ts_key(m.ts) if inclusive else oldest < ts_key(m.ts))
        and (ts_key(m.ts) <= latest if inclusive else ts_key(m.ts) < latest)
    ]


def _page(messages: list[Message], start: int, limit: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    page = messages[start : start + limit]
    rest = messages[start + limit :]
    paging: dict[str, Any] = {"has_more": bool(rest)}
    if rest:
        paging["response_metadata"] = {"next_cursor": encode_cursor(rest[0].ts)}
    return [m.to_api() for m in page], paging


def _is_top_level(message: Message) -> bool:
    thread_ts = message.body.get("thread_ts")
    return not thread_ts or thread_ts == message.ts or message.body.get("subtype") == "thread_broadcast"


async def history(ctx: CallContext) -> dict[str, Any]:
    """The channel's messages, newest first; thread replies only when also sent to the channel."""
    channel = _readable(ctx)
    newest_first = sorted(
        (m for m in channel.messages.values() if _is_top_level(m)), key=lambda m: ts_key(m.ts), reverse=True
    )
    in_window = _window(ctx, newest_first)
    cursor = _cursor(ctx)
    start = 0
    if cursor is not None:
        start = next((i for i, m in enumerate(in_window) if ts_key(m.ts) <= cursor), len(in_window))
    messages, paging = _page(in_window, start, _limit(ctx, HISTORY_LIMIT, HISTORY_MAX))
    return {
        "messages": messages,
        **paging,
        "pin_count": 0,
        "channel_actions_ts": None,
        "channel_actions_count": 0,
    }


async def replies(ctx: CallContext) -> dict[str, Any]:
    """A thread, oldest first: its parent (on the first page), then the replies in the time window."""
    channel = _readable(ctx)
    found = channel.messages.get(text_arg(ctx.args, "ts") or "")
    if found is None:
        raise SlackApiFailure("thread_not_found")
    root = channel.messages.get(str(found.body.get("thread_ts") or found.ts), found)
    thread = sorted(
        (m for m in channel.messages.values() if m.body.get("thread_ts") == root.ts and m.ts != root.ts),
        key=lambda m: ts_key(m.ts),
    )
    sequence = [root, *_window(ctx, thread)]
    cursor = _cursor(ctx)
    start = 0
    if cursor is not None:
        start = next((i for i, m in enumerate(sequence) if i > 0 and ts_key(m.ts) >= cursor), len(sequence))
    messages, paging = _page(sequence, start, _limit(ctx, REPLIES_LIMIT, REPLIES_MAX))
    return {"messages": messages, **paging}


METHODS = {
    "conversations.history": Method(history),
    "conversations.replies": Method(replies),
}
