"""reactions.add / reactions.remove on messages."""

from __future__ import annotations

import re
from typing import Any

from ..context import CallContext, Method
from ..state import Message
from ..strict import text_arg
from ..world import SlackApiFailure

# Emoji names as Slack takes them: no surrounding colons, optional skin tone suffix
EMOJI_NAME = re.compile(r"^[a-z0-9_+'\-]+(::skin-tone-[2-6])?$")
MAX_DISTINCT_REACTIONS = 23


def _target(ctx: CallContext) -> tuple[Message, str]:
    if not text_arg(ctx.args, "channel") or not text_arg(ctx.args, "timestamp"):
        raise SlackApiFailure("no_item_specified")
    channel = ctx.member_channel()
    message = ctx.message(channel, "timestamp")
    name = text_arg(ctx.args, "name") or ""
    if not EMOJI_NAME.match(name):
        raise SlackApiFailure("invalid_name")
    return message, name


async def add(ctx: CallContext) -> dict[str, Any]:
    message, name = _target(ctx)
    users = message.reactions.get(name, [])
    if ctx.ws.bot_user_id in users:
        raise SlackApiFailure("already_reacted")
    if name not in message.reactions and len(message.reactions) >= MAX_DISTINCT_REACTIONS:
        raise SlackApiFailure("too_many_emoji")
    message.reactions[name] = [*users, ctx.ws.bot_user_id]
    return {}


async def remove(ctx: CallContext) -> dict[str, Any]:
    message, name = _target(ctx)
    users = message.reactions.get(name, [])
    if ctx.ws.bot_user_id not in users:
        raise SlackApiFailure("no_reaction")
    remaining = [u for u in users if u != ctx.ws.bot_user_id]
    if remaining:
        message.reactions[name] = remaining
    else:
        del message.reactions[name]
    return {}


METHODS = {
    "reactions.add": Method(add, ("reactions:write",)),
    "reactions.remove": Method(remove, ("reactions:write",)),
}
