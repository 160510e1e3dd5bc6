"""conversations.* methods: create, info, join, members, invite."""

from __future__ import annotations

import base64
import re
from typing import Any

from ..context import CallContext, Method
from ..state import Channel
from ..strict import bool_arg, csv_arg, int_arg, text_arg
from ..world import SlackApiFailure

VALID_NAME = re.compile(r"^[a-z0-9_-]+$")
MAX_NAME = 80
MAX_INVITES = 1000


def _read_scopes(channel: Channel) -> tuple[str, ...]:
    if channel.is_im:
        return ("im:read",)
    return ("groups:read",) if channel.is_private else ("channels:read",)


def _write_scopes(private: bool) -> tuple[str, ...]:
    return (
        ("groups:write", "groups:write.invites") if private else ("channels:manage", "channels:write.invites")
    )


def _check_name(name: str) -> None:
    if not name:
        raise SlackApiFailure("invalid_name_required")
    if len(name) > MAX_NAME:
        raise SlackApiFailure("invalid_name_maxlength")
    if not VALID_NAME.match(name):
        raise SlackApiFailure("invalid_name_specials")
    if not re.search(r"[a-z0-9]", name):
        raise SlackApiFailure("invalid_name_punctuation")


async def create(ctx: CallContext) -> dict[str, Any]:
    ws = ctx.ws
    private = bool_arg(ctx.args, "is_private")
    ctx.require_scope(*(("groups:write",) if private else ("channels:manage",)))
    name = text_arg(ctx.args, "name") or ""
    _check_name(name)
    if any(c.name == name for c in ws.channels.values() if not c.is_im):
        raise SlackApiFailure("name_taken")  # names are unique across public, private and archived channels
    channel = Channel(
        ctx.world.new_id("C"),
        name,
        ws.team_id,
        int(ctx.world.clock()),
        ws.bot_user_id,
        is_private=private,
        members=[ws.bot_user_id],
    )
    ws.channels[channel.id] = channel
    return {"channel": channel.to_api(ws.bot_user_id)}


async def info(ctx: CallContext) -> dict[str, Any]:
    channel = ctx.visible_channel()
    ctx.require_scope(*_read_scopes(channel))
    include = bool_arg(ctx.args, "include_num_members")
    return {"channel": channel.to_api(ctx.ws.bot_user_id, include_num_members=include)}


async def join(ctx: CallContext) -> dict[str, Any]:
    ws = ctx.ws
    ctx.require_scope("channels:join", "channels:write")
    channel = ws.channels.get(text_arg(ctx.args, "channel") or "")
    if channel is None:
        raise SlackApiFailure("channel_not_found")
    if channel.is_private or channel.is_im:
        raise SlackApiFailure("method_not_supported_for_channel_type")
    if channel.is_archived:
        raise SlackApiFailure("is_archived")
    if ws.bot_user_id in channel.members:
        ctx.warnings.append("already_in_channel")
    else:
        channel.members.append(ws.bot_user_id)
    return {"channel": channel.to_api(ws.bot_user_id)}


def _decode_cursor(cursor: str) -> str:
    try:
        decoded = base64.b64decode(cursor.encode(), validate=True).decode()
    except ValueError:
        raise SlackApiFailure("invalid_cursor") from None
    if not decoded.startswith("user:"):
        raise SlackApiFailure("invalid_cursor")
    return decoded.removeprefix("user:")


async def members(ctx: CallContext) -> dict[str, Any]:
    channel = ctx.visible_channel()
    ctx.require_scope(*_read_scopes(channel))
    limit = int_arg(ctx.args, "limit", 100)
    if limit is None or not 1 <= limit <= 1000:
        raise SlackApiFailure("invalid_limit")
    start = 0
    cursor = text_arg(ctx.args, "cursor")
    if cursor:
        first = _decode_cursor(cursor)  # the cursor names the first member of the next page
        if first not in channel.members:
            raise SlackApiFailure("invalid_cursor")
        start = channel.members.index(first)
    page = channel.members[start : start + limit]
    rest = channel.members[start + limit :]
    next_cursor = base64.b64encode(f"user:{rest[0]}".encode()).decode() if rest else ""
    return {"members": page, "response_metadata": {"next_cursor": next_cursor}}


async def invite(ctx: CallContext) -> dict[str, Any]:
    ws = ctx.ws
    channel = ctx.member_channel()
    if channel.is_im:
        raise SlackApiFailure("method_not_supported_for_channel_type")
    ctx.require_scope(*_write_scopes(channel.is_private))
    user_ids = csv_arg(ctx.args, "users")
    if not user_ids:
        raise SlackApiFailure("no_user")
    if len(user_ids) > MAX_INVITES:
        raise SlackApiFailure("too_many_users")
    errors: list[dict[str, Any]] = []
    accepted: list[str] = []
    for user_id in user_ids:
        user = ws.users.get(user_id)
        if user_id == ws.bot_user_id:
            errors.append({"user": user_id, "ok": False, "error": "cant_invite_self"})
        elif user is None or user.deleted:
            errors.append({"user": user_id, "ok": False, "error": "user_not_found"})
        elif user_id in channel.members:
            errors.append({"user": user_id, "ok": False, "error": "already_in_channel"})
        else:
            accepted.append(user_id)
    if errors and not bool_arg(ctx.args, "force"):
        raise SlackApiFailure(errors[0]["error"], errors=errors)
    channel.members.extend(accepted)
    result: dict[str, Any] = {"channel": channel.to_api(ws.bot_user_id)}
    if errors:
        result["errors"] = errors
    return result


METHODS = {
    "conversations.create": Method(create),
    "conversations.info": Method(info),
    "conversations.join": Method(join),
    "conversations.members": Method(members),
    "conversations.invite": Method(invite),
}
