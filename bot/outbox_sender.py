"""Carries out one outbox item against Slack: the thread parent when needed, then the post, upload, reaction or
update. It decides nothing about timing; it tells the worker what happened through the exceptions below.

Every post carries ``metadata`` naming its outbox item, so an attempt whose outcome is unknown (a timeout, a
5xx) is looked up in the channel before anything is posted again: nothing appears twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import phonenumbers
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.emoji_names import slack_emoji_name
from bot.slack_writes import (
    ChannelNotice,
    CopyUpdate,
    MediaUpload,
    ParentRefresh,
    Reaction,
    StatusMark,
    ThreadPost,
    write_from,
)
from storage.messaging_models import Conversation, SlackOutboxItem
from whatsapp.errors import GraphError, MediaTooLargeError, ThrottledError, TransientError

THREAD_EVENT = "waslack_thread"
POST_EVENT = "waslack_post"
STATUS_EMOJI = {"sent": "white_check_mark", "delivered": "ballot_box_with_check", "read": "eyes",
                "played": "arrow_forward", "failed": "x"}
# Slack errors that a person must fix (channel archived, bot removed, app uninstalled): wait, do not give up
WAITING_ERRORS = {"channel_not_found", "is_archived", "not_in_channel", "invalid_auth", "account_inactive",
                  "token_revoked", "not_authed", "team_access_not_granted", "missing_scope", "restricted_action"}
ALREADY_DONE = {"already_reacted", "no_reaction"}
WAITING_PROBE_SECONDS = 10  # how often a waiting channel is tried again (one probe per channel, not per thread)


class Deferred(Exception):
    """Not now: try again after ``seconds`` without counting a failed attempt (rate limit, waiting channel)."""

    def __init__(self, reason: str, seconds: float, *, waiting_on_people: bool = False, counts: bool = False):
        self.reason, self.seconds, self.waiting_on_people, self.counts = reason, seconds, waiting_on_people, counts
        super().__init__(reason)


class Uncertain(Exception):
    """The write may or may not have reached Slack: reconcile before the next attempt."""


class Refused(Exception):
    """Slack refused the write for good (bad arguments): the item is parked as dead with this reason."""


def media_failed_notice(write: MediaUpload, exc: Exception) -> str:
    """The thread's line for a candidate's file that cannot be shown, with the reason."""
    what = write.filename
    if isinstance(exc, MediaTooLargeError):
        reason = f"it is larger than {exc.max_bytes // (1024 * 1024)} MB"
    else:
        reason = f"WhatsApp would not hand it over ({_esc(str(exc))[:200]})"
    caption = f"\n{write.caption}" if write.caption else ""
    return f"⚠️ The candidate sent *{_esc(what)}*, but it cannot be shown here: {reason}. Ask them to send it " \
           f"again or another way.{caption}"


def format_phone(wa_id: str | None) -> str | None:
    """``212638167216`` → ``+212 638-167216`` in the number's own international format."""
    if not wa_id:
        return None
    try:
        parsed = phonenumbers.parse("+" + wa_id.lstrip("+"))
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return "+" + wa_id


@dataclass(frozen=True)
class Destination:
    """Where an item goes: the workspace client, the number's channel, names for the thread parent."""

    client: AsyncWebClient
    channel_id: str
    business_name: str | None
    phone_number_id: str
    business_token: str | None


def parent_blocks(conversation: Conversation, business_name: str | None, now: datetime) -> tuple[str, list]:
    """The thread parent: who the candidate is, via which number, and the 24-hour window."""
    name = conversation.profile_name or conversation.username or "Candidate"
    who = " · ".join(filter(None, [f"*{_esc(name)}*", format_phone(conversation.wa_id),
                                   f"via {_esc(business_name)}" if business_name else None]))
    text = f"💬 {who}"
    last = conversation.last_inbound_at
    if last is not None and last + timedelta(hours=24) > now:
        until = int((last + timedelta(hours=24)).timestamp())
        window = f"🟢 Reply window open until <!date^{until}^{{date_short_pretty}} {{time}}|{until}>"
    else:
        window = "⚪ Reply window closed: send a template with `/template`"
    if conversation.marketing_opt_out:
        window += " · stopped marketing messages"
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": text}},
              {"type": "context", "elements": [{"type": "mrkdwn", "text": window}]}]
    return text, blocks


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_error(exc: SlackApiError) -> tuple[str, float | None]:
    response = exc.response
    error = str(response.get("error") or "unknown_error") if response is not None else "unknown_error"
    retry_after = None
    if response is not None and getattr(response, "status_code", None) == 429:
        try:
            retry_after = float(response.headers.get("Retry-After") or response.headers.get("retry-after") or 1)
        except (TypeError, ValueError):
            retry_after = 1.0
    return error, retry_after


class OutboxSender:
    """Turns an outbox item into Web API calls; ``lookup`` gives it conversations and messages."""

    def __init__(self, lookup: Any, download_media: Any):
        self.lookup = lookup  # relay.inbound.outbox_worker.OutboxLookup
        self.download_media = download_media  # async (destination, MediaUpload) -> bytes

    async def send(self, item: SlackOutboxItem, conversation: Conversation, dest: Destination,
                   now: datetime) -> str | None:
        """The Slack ts the item produced (None for reactions); raises Deferred, Uncertain or Refused."""
        write = write_from(item.kind, json.loads(item.args))
        try:
            if isinstance(write, ChannelNotice):
                return await self._notice(item, dest, write)
            thread_ts = await self._thread(item, conversation, dest, now)
            if isinstance(write, ThreadPost):
                return await self._post(item, conversation, dest, thread_ts, write)
            if isinstance(write, MediaUpload):
                return await self._upload(item, dest, thread_ts, write)
            if isinstance(write, Reaction | StatusMark):
                return await self._react(dest, write)
            if isinstance(write, CopyUpdate):
                return await self._update(dest, write)
            if isinstance(write, ParentRefresh):
                text, blocks = parent_blocks(conversation, dest.business_name, now)
                await dest.client.chat_update(channel=dest.channel_id, ts=thread_ts, text=text, blocks=blocks)
                await self.lookup.window_shown(conversation, now)
                return thread_ts
        except SlackApiError as exc:
            error, retry_after = _slack_error(exc)
            if retry_after is not None:
                raise Deferred(f"rate limited by Slack ({error})", retry_after) from exc
            if error in WAITING_ERRORS:
                raise Deferred(error, WAITING_PROBE_SECONDS, waiting_on_people=True) from exc
            if error in ALREADY_DONE:
                return None
            status = getattr(exc.response, "status_code", 200)
            if status >= 500 or error in ("internal_error", "fatal_error", "service_unavailable", "request_timeout"):
                raise Uncertain(error) from exc
            raise Refused(error) from exc
        raise Refused(f"unknown outbox kind {item.kind}")

    async def _thread(self, item: SlackOutboxItem, conversation: Conversation, dest: Destination,
                      now: datetime) -> str:
        if conversation.thread_ts and conversation.slack_channel_id == dest.channel_id:
            return conversation.thread_ts
        found = None
        if item.outcome_unknown:
            found = await self._find(dest, None, lambda p: p.get("conversation") == conversation.id, THREAD_EVENT)
        if found is None:
            text, blocks = parent_blocks(conversation, dest.business_name, now)
            response = await dest.client.chat_postMessage(
                channel=dest.channel_id, text=text, blocks=blocks, unfurl_links=False, unfurl_media=False,
                metadata={"event_type": THREAD_EVENT, "event_payload": {"conversation": conversation.id}})
            found = str(response["ts"])
        await self.lookup.thread_started(conversation, dest.channel_id, found, now)
        return found

    async def _find(self, dest: Destination, thread_ts: str | None, match, event_type: str) -> str | None:  # type: ignore[no-untyped-def]
        """The ts of an earlier post of ours whose metadata ``match``es, looked up in the thread or channel."""
        method = dest.client.conversations_replies if thread_ts else dest.client.conversations_history
        kwargs: dict[str, Any] = {"channel": dest.channel_id, "limit": 200, "include_all_metadata": True}
        if thread_ts:
            kwargs["ts"] = thread_ts
        try:
            response = await method(**kwargs)
        except SlackApiError as exc:  # cannot tell whether the earlier attempt landed: do not post blindly
            raise Uncertain(f"could not check an earlier attempt: {_slack_error(exc)[0]}") from exc
        for message in response.get("messages") or []:
            metadata = message.get("metadata") or {}
            if metadata.get("event_type") == event_type and match(metadata.get("event_payload") or {}):
                return str(message["ts"])
        return None

    async def _post(self, item: SlackOutboxItem, conversation: Conversation, dest: Destination, thread_ts: str,
                    write: ThreadPost) -> str:
        if item.outcome_unknown:
            found = await self._find(dest, thread_ts, lambda p: p.get("item") == item.id, POST_EVENT)
            if found:
                return found
        kwargs: dict[str, Any] = {}
        if write.as_candidate:
            kwargs.update(username=(conversation.profile_name or "Candidate")[:80], icon_emoji=":bust_in_silhouette:")
        response = await dest.client.chat_postMessage(
            channel=dest.channel_id, thread_ts=thread_ts, text=write.text, reply_broadcast=write.broadcast,
            unfurl_links=False, unfurl_media=False,
            metadata={"event_type": POST_EVENT, "event_payload": {"item": item.id}}, **kwargs)
        return str(response["ts"])

    async def _notice(self, item: SlackOutboxItem, dest: Destination, write: ChannelNotice) -> str:
        if item.outcome_unknown and not write.user_id:
            found = await self._find(dest, None, lambda p: p.get("item") == item.id, POST_EVENT)
            if found:
                return found
        response = await dest.client.chat_postMessage(
            channel=dest.channel_id, text=write.text, unfurl_links=False, unfurl_media=False,
            metadata={"event_type": POST_EVENT, "event_payload": {"item": item.id}})
        return str(response["ts"])

    async def _upload(self, item: SlackOutboxItem, dest: Destination, thread_ts: str, write: MediaUpload) -> str | None:
        try:
            content = await self.download_media(dest, write)
        except GraphError as exc:
            if exc.retryable or isinstance(exc, TransientError | ThrottledError):
                raise  # Meta hiccup or rate limit: the worker retries with backoff
            # a file Meta will never give us (too large, expired, gone): say so in the thread, visibly
            response = await dest.client.chat_postMessage(
                channel=dest.channel_id, thread_ts=thread_ts, text=media_failed_notice(write, exc),
                unfurl_links=False, metadata={"event_type": POST_EVENT, "event_payload": {"item": item.id}})
            return str(response["ts"])
        response = await dest.client.files_upload_v2(
            channel=dest.channel_id, thread_ts=thread_ts, content=content, filename=write.filename,
            title=write.filename, initial_comment=write.caption or None)
        files = response.get("files") or [response.get("file") or {}]
        return str(files[0].get("id")) if files and files[0] else None

    async def _react(self, dest: Destination, write: Reaction | StatusMark) -> str | None:
        known = write.target_ts if isinstance(write, StatusMark) else None
        target = known or await self.lookup.slack_ts_of(write.target_wamid)
        if target is None:
            raise Deferred(f"the message {write.target_wamid} is not in Slack yet", 5, counts=True)
        if isinstance(write, StatusMark):
            name = STATUS_EMOJI.get(write.status)
            if name is None:
                return None
            await dest.client.reactions_add(channel=dest.channel_id, timestamp=target, name=name)
            old = STATUS_EMOJI.get(write.previous or "")
            if old and old != name:
                try:  # one mark at a time; a missing old mark is not an error
                    await dest.client.reactions_remove(channel=dest.channel_id, timestamp=target, name=old)
                except SlackApiError:
                    pass
            return None
        name = slack_emoji_name(write.emoji)
        if write.remove:
            previous = await self.lookup.previous_reaction(write.target_wamid)
            if previous:
                await dest.client.reactions_remove(channel=dest.channel_id, timestamp=target, name=previous)
            return None
        if name is None:
            await dest.client.chat_postMessage(channel=dest.channel_id, thread_ts=target,
                                               text=f"Reacted {write.emoji}", unfurl_links=False)
            return None
        await self.lookup.remember_reaction(write.target_wamid, name)
        await dest.client.reactions_add(channel=dest.channel_id, timestamp=target, name=name)
        return None

    async def _update(self, dest: Destination, write: CopyUpdate) -> str | None:
        target = await self.lookup.slack_ts_of(write.target_wamid)
        if target is None:
            raise Deferred(f"the message {write.target_wamid} is not in Slack yet", 5, counts=True)
        await dest.client.chat_update(channel=dest.channel_id, ts=target, text=write.text)
        return target
