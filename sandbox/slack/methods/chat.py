"""chat.* methods: post, update, ephemeral, permalink."""

from __future__ import annotations

from typing import Any

from .. import followon
from ..context import CallContext, Method
from ..message_limits import check_blocks_size, check_thread_ts, checked_text
from ..state import Channel, Message
from ..strict import bool_arg, json_arg, text_arg
from ..world import SlackApiFailure


def _content(ctx: CallContext, *, required: bool = True) -> dict[str, Any]:
    """text/blocks/attachments of a message, validated (msg_too_long, invalid_blocks, msg_blocks_too_long)."""
    given = text_arg(ctx.args, "text")
    blocks = ctx.message_blocks()
    attachments = ctx.attachments()
    if required and given is None and not blocks and not attachments:
        raise SlackApiFailure("no_text")
    realism = ctx.world.realism
    text = checked_text(given, realism.max_text_chars, ctx.warnings, ctx.warning_messages)
    if given is not None and text != given:
        ctx.notes.append(f"text truncated from {len(given)} to {len(text or '')} characters")
    if blocks:
        check_blocks_size(blocks, realism.max_blocks_chars)
    content: dict[str, Any] = {"text": text or ""}
    if blocks is not None:
        content["blocks"] = blocks
    if attachments is not None:
        content["attachments"] = [{"id": i + 1, **a} for i, a in enumerate(attachments)]
    return content


def _metadata(ctx: CallContext) -> dict[str, Any] | None:
    metadata = json_arg(ctx.args, "metadata", error="invalid_metadata_format")
    if metadata is None:
        return None
    if (
        not isinstance(metadata, dict)
        or not isinstance(metadata.get("event_type"), str)
        or not isinstance(metadata.get("event_payload"), dict)
    ):
        raise SlackApiFailure("invalid_metadata_format")
    return {"event_type": metadata["event_type"], "event_payload": metadata["event_payload"]}


def _attach_to_thread(ctx: CallContext, channel: Channel, thread_ts: str, body: dict[str, Any]) -> None:
    parent = channel.messages.get(thread_ts)
    if parent is None:
        # Slack accepts a reply to a ts it does not know and shows it nowhere; say so in the call log
        ctx.notes.append(f"thread_ts {thread_ts} matches no message in {channel.id}")
        return
    root_ts = str(parent.body.get("thread_ts") or parent.ts)
    root = channel.messages.get(root_ts, parent)
    body["thread_ts"] = root.ts
    body["parent_user_id"] = root.body.get("user")
    replies = [m for m in channel.messages.values() if m.body.get("thread_ts") == root.ts and m.ts != root.ts]
    reply_users = list(dict.fromkeys([*[str(m.body.get("user")) for m in replies], str(body["user"])]))
    root.body.update(
        {
            "thread_ts": root.ts,
            "reply_count": len(replies) + 1,
            "reply_users_count": len(reply_users),
            "latest_reply": body["ts"],
            "reply_users": reply_users,
            "is_locked": False,
            "subscribed": False,
        }
    )


def bot_message_body(ctx: CallContext, content: dict[str, Any]) -> dict[str, Any]:
    """A message object as Slack stores one our bot posted."""
    ws = ctx.ws
    body: dict[str, Any] = {
        "user": ws.bot_user_id,
        "type": "message",
        "ts": ctx.world.ts.next(),
        "bot_id": ws.bot_id,
        "app_id": ws.app_id,
        **content,
        "team": ws.team_id,
        "bot_profile": ws.bot_profile(),
    }
    if "chat:write.customize" in ws.scopes:
        username, icon_url, icon_emoji = (
            text_arg(ctx.args, k) for k in ("username", "icon_url", "icon_emoji")
        )
        if username:
            body["username"] = username
        if icon_url or icon_emoji:
            body["icons"] = {"image_64": icon_url} if icon_url else {"emoji": icon_emoji}
    elif any(text_arg(ctx.args, k) for k in ("username", "icon_url", "icon_emoji")):
        ctx.notes.append("username/icon ignored: the token lacks chat:write.customize")
    return body


def _resolve_post_channel(ctx: CallContext) -> Channel:
    ref = text_arg(ctx.args, "channel") or ""
    if ref.startswith(("U", "W")) and ref in ctx.ws.users:
        return ctx.im_with(ctx.ws.users[ref])  # posting to a user id writes to the app's DM with them
    return ctx.member_channel()


async def post_message(ctx: CallContext) -> dict[str, Any]:
    channel = _resolve_post_channel(ctx)
    body = bot_message_body(ctx, _content(ctx))
    metadata = _metadata(ctx)
    if metadata:
        body["metadata"] = metadata
    thread_ts = check_thread_ts(text_arg(ctx.args, "thread_ts"))
    if thread_ts:
        _attach_to_thread(ctx, channel, thread_ts, body)
        body.setdefault("thread_ts", thread_ts)
        if bool_arg(ctx.args, "reply_broadcast"):
            body["subtype"] = "thread_broadcast"
    message = Message(channel.id, body)
    channel.messages[message.ts] = message
    followon.message_posted(ctx.world, ctx.ws, channel, message)
    return {"channel": channel.id, "ts": message.ts, "message": message.to_api()}


async def update(ctx: CallContext) -> dict[str, Any]:
    channel = ctx.member_channel()
    message = ctx.message(channel, "ts")
    if message.body.get("bot_id") != ctx.ws.bot_id:
        raise SlackApiFailure("cant_update_message")
    content = _content(ctx)
    if text_arg(ctx.args, "text") is None:
        del content["text"]  # blocks/attachments not given are kept as well (docs: chat.update)
    before = message.to_api()
    message.body.update(content)
    message.body["edited"] = {"user": ctx.ws.bot_user_id, "ts": ctx.world.ts.next()}
    metadata = _metadata(ctx)
    if metadata:
        message.body["metadata"] = metadata
    followon.message_changed(ctx.world, ctx.ws, channel, before, message)
    shown = {k: v for k, v in message.to_api().items() if k not in ("ts", "reactions", "edited")}
    return {"channel": channel.id, "ts": message.ts, "text": message.body["text"], "message": shown}


async def post_ephemeral(ctx: CallContext) -> dict[str, Any]:
    channel = ctx.member_channel()
    user = ctx.user("user")
    if user.id not in channel.members:
        raise SlackApiFailure("user_not_in_channel")
    body = bot_message_body(ctx, _content(ctx))
    thread_ts = check_thread_ts(text_arg(ctx.args, "thread_ts"))
    if thread_ts:
        body["thread_ts"] = thread_ts
    channel.ephemeral.append(Message(channel.id, body, ephemeral_for=user.id))
    return {"message_ts": body["ts"]}


async def get_permalink(ctx: CallContext) -> dict[str, Any]:
    channel = ctx.visible_channel()
    message = ctx.message(channel, "message_ts")
    link = f"{ctx.ws.url}archives/{channel.id}/p{message.ts.replace('.', '')}"
    thread_ts = message.body.get("thread_ts")
    if thread_ts and thread_ts != message.ts:
        link += f"?thread_ts={thread_ts}&cid={channel.id}"
    return {"channel": channel.id, "permalink": link}


METHODS = {
    "chat.postMessage": Method(post_message, ("chat:write",)),
    "chat.update": Method(update, ("chat:write",)),
    "chat.postEphemeral": Method(post_ephemeral, ("chat:write",)),
    "chat.getPermalink": Method(get_permalink),
}
