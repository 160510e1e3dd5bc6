"""Files, upload v2: files.getUploadURLExternal -> POST bytes -> files.completeUploadExternal; files.info."""

from __future__ import annotations

import mimetypes
from typing import Any

from .. import followon
from ..context import CallContext, Method
from ..message_limits import check_thread_ts
from ..state import Channel, Message, StoredFile, Workspace
from ..strict import csv_arg, int_arg, invalid_argument, json_arg, text_arg
from ..world import SlackApiFailure
from .chat import bot_message_body

MAX_FILE_BYTES = 1024 * 1024 * 1024  # Slack's 1 GB file limit


def file_visible_to_bot(ws: Workspace, stored: StoredFile) -> bool:
    """Our bot sees files it uploaded, files people picked in its modals, and files shared into channels it is a
    member of."""
    if stored.user_id == ws.bot_user_id or stored.submitted_to_app:
        return True
    return any(ws.bot_user_id in ws.channels[c].members for c in stored.shares if c in ws.channels)


async def get_upload_url(ctx: CallContext) -> dict[str, Any]:
    ws = ctx.ws
    filename = text_arg(ctx.args, "filename") or ""
    length = int_arg(ctx.args, "length")
    if length is None or length < 1:
        raise invalid_argument("length", "must be a positive integer")
    if length > MAX_FILE_BYTES:
        raise SlackApiFailure("file_too_large")
    file_id = ctx.world.new_id("F")
    stored = StoredFile(
        file_id,
        ws.team_id,
        ws.bot_user_id,
        filename,
        int(ctx.world.clock()),
        declared_length=length,
        mimetype=mimetypes.guess_type(filename)[0] or "application/octet-stream",
    )
    ws.files[file_id] = stored
    return {"upload_url": f"{ctx.world.config.public_url}/_sim/slack/upload/{file_id}", "file_id": file_id}


def _pending_file(ws: Workspace, item: Any) -> tuple[StoredFile, str | None]:
    if not isinstance(item, dict) or not isinstance(item.get("id"), str):
        raise invalid_argument("files", "each item must be an object with an id")
    stored = ws.files.get(item["id"])
    if stored is None or stored.user_id != ws.bot_user_id or stored.completed or stored.content is None:
        raise SlackApiFailure(
            "file_not_found"
        )  # unknown, someone else's, completed already, or never uploaded
    if len(stored.content) != stored.declared_length:
        raise invalid_argument(
            "files",
            f"file {stored.id} has {len(stored.content)} bytes, length={stored.declared_length} was declared",
        )
    return stored, item.get("title")


def _share(ctx: CallContext, channel: Channel, files: list[StoredFile], thread_ts: str | None) -> None:
    """Post the file-share message, record the share on each file, tell a subscribed app."""
    comment = text_arg(ctx.args, "initial_comment") or ""
    body = bot_message_body(ctx, {"text": comment})
    body.update({"subtype": "file_share", "upload": True, "display_as_bot": False})
    if thread_ts:
        body["thread_ts"] = thread_ts
        if thread_ts not in channel.messages:
            ctx.notes.append(f"thread_ts {thread_ts} matches no message in {channel.id}")
    share = {
        "reply_users": [],
        "reply_users_count": 0,
        "reply_count": 0,
        "ts": body["ts"],
        "channel_name": channel.name,
        "team_id": channel.team_id,
        "share_user_id": ctx.ws.bot_user_id,
        "source": "UNKNOWN",
        **({"thread_ts": thread_ts} if thread_ts else {}),
    }
    for stored in files:
        stored.shares.setdefault(channel.id, []).append(share)
    public_url = ctx.world.config.public_url
    body["files"] = [f.to_api(public_url, ctx.ws.channels) for f in files]
    message = Message(channel.id, body)
    channel.messages[body["ts"]] = message
    followon.files_shared(ctx.world, ctx.ws, channel, message, files)


async def complete_upload(ctx: CallContext) -> dict[str, Any]:
    """Finish uploads; like Slack, the answer has no shares yet: they (and the share message) come later."""
    ws = ctx.ws
    items = json_arg(ctx.args, "files")
    if not isinstance(items, list) or not items:
        raise invalid_argument("files", "must provide a non-empty array")
    pending = [_pending_file(ws, item) for item in items]
    channel_refs = csv_arg(ctx.args, "channels") or csv_arg(ctx.args, "channel_id")
    channels = [ctx.member_channel(ref=ref) for ref in channel_refs]
    thread_ts = check_thread_ts(text_arg(ctx.args, "thread_ts"))
    if thread_ts and len(channels) != 1:
        raise invalid_argument("thread_ts", "needs exactly one channel")
    for stored, title in pending:
        stored.title = title or stored.title or stored.name
        stored.completed = True
    files = [stored for stored, _ in pending]
    answer = {"files": [f.to_api(ctx.world.config.public_url, ws.channels) for f in files]}
    delay = ctx.world.realism.seconds(ctx.world.realism.file_share_delay_seconds)
    if delay <= 0:
        for channel in channels:
            _share(ctx, channel, files, thread_ts)
    elif channels:

        async def share_later() -> None:
            for channel in channels:
                _share(ctx, channel, files, thread_ts)

        ctx.world.outbox.schedule(delay, share_later)
    return answer


async def info(ctx: CallContext) -> dict[str, Any]:
    ws = ctx.ws
    stored = ws.files.get(text_arg(ctx.args, "file") or "")
    if stored is None or not stored.completed or not file_visible_to_bot(ws, stored):
        raise SlackApiFailure("file_not_found")
    return {
        "file": stored.to_api(ctx.world.config.public_url, ws.channels),
        "comments": [],
        "response_metadata": {"next_cursor": ""},
    }


METHODS = {
    "files.getUploadURLExternal": Method(get_upload_url, ("files:write",)),
    "files.completeUploadExternal": Method(complete_upload, ("files:write",)),
    "files.info": Method(info, ("files:read",)),
}
