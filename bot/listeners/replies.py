"""Recruiters' replies in candidates' threads: Slack's message events (subscriptions ``message.channels`` and
``message.groups``) recorded for the outbound relay before Slack gets its 200, and the Send a template button of
the window-closed notice.

Recording happens in a middleware, so a failure to store answers 500 and Slack delivers the event again; the
catch-all listener then acknowledges the event. Message events that are not a person's (our own posts and their
follow-ons above all) are acknowledged by the edge (web/slack_edge.py) before Bolt runs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

MESSAGE_SUBSCRIPTIONS = ("message.channels", "message.groups")  # public and private channels
ACTION_OPEN_TEMPLATE_MODAL = "open_template_modal"
# a person's message (None), one also sent to the channel, one with files (slack reference 2.2)
HUMAN_SUBTYPES = frozenset({None, "thread_broadcast", "file_share"})
# what the outbound relay keeps of each file; url_private_download is fetched with the bot token (files:read)
FILE_KEYS = ("id", "name", "title", "mimetype", "filetype", "size", "url_private", "url_private_download", "mode")


@dataclass(frozen=True)
class ThreadReply:
    """A person's reply in some thread, as far as the outbound relay cares."""

    team_id: str
    channel_id: str
    ts: str
    thread_ts: str
    user_id: str
    text: str
    files: tuple[Mapping[str, Any], ...]

    @classmethod
    def from_event(cls, team_id: str | None, event: Mapping[str, Any], *, bot_user_id: str | None = None,
                   note_prefix: str = "") -> ThreadReply | None:
        """The reply in a ``message`` event, or None: not a person's thread reply (bots, edits, deletions,
        channel joins, our own posts, top-level messages) or a note that stays in Slack."""
        if not is_persons_message(event):
            return None
        user, ts, thread_ts, channel = (event.get(k) for k in ("user", "ts", "thread_ts", "channel"))
        if not all(isinstance(v, str) and v for v in (team_id, user, ts, thread_ts, channel)) or thread_ts == ts:
            return None
        if bot_user_id and user == bot_user_id:
            return None
        text = event.get("text") if isinstance(event.get("text"), str) else ""
        if note_prefix and text.lstrip().lower().startswith(note_prefix.lower()):
            return None
        files = tuple({k: f[k] for k in FILE_KEYS if k in f} for f in event.get("files") or ()
                      if isinstance(f, Mapping) and f.get("mode") not in ("tombstone", "hidden_by_limit"))
        if not text.strip() and not files:
            return None
        return cls(team_id=str(team_id), channel_id=str(channel), ts=str(ts), thread_ts=str(thread_ts),
                   user_id=str(user), text=str(text), files=files)


def is_persons_message(event: Mapping[str, Any]) -> bool:
    """A ``message`` event a person wrote: the only message events any listener acts on. Not a bot's or an
    app's (ours included), not an edit, a deletion or a channel join."""
    return (event.get("type") == "message" and event.get("subtype") in HUMAN_SUBTYPES
            and not (event.get("bot_id") or event.get("bot_profile") or event.get("app_id")))


def no_listener_acts_on(body: Mapping[str, Any]) -> bool:
    """An Events API ``message`` event that is not a person's: every post, edit and upload of ours comes back
    as one (Slack's follow-on events), so the edge acknowledges them without running Bolt. Bolt would drop
    them too (its self-event filter, then the catch-all), at a cost of about a millisecond each."""
    event = body.get("event") if body.get("type") == "event_callback" else None
    return isinstance(event, Mapping) and event.get("type") == "message" and not is_persons_message(event)


RecordReply = Callable[[ThreadReply], Awaitable[object]]


def replies_registration(record: RecordReply, *, note_prefix: str,
                         template_button: bool = True) -> Callable[[AsyncApp], None]:
    """The registration ``create_bolt_app(extra_listeners=...)`` runs; ``template_button=False`` when the
    /template feature answers the button itself."""

    def register(app: AsyncApp) -> None:
        async def record_thread_replies(body: dict[str, Any], context: AsyncBoltContext,
                                        next: Callable[[], Awaitable[None]]) -> None:
            event = body.get("event") if body.get("type") == "event_callback" else None
            if isinstance(event, dict) and event.get("type") == "message":
                reply = ThreadReply.from_event(context.team_id or body.get("team_id"), event,
                                               bot_user_id=context.bot_user_id, note_prefix=note_prefix)
                if reply is not None:
                    await record(reply)
            await next()

        app.middleware(record_thread_replies)

        if template_button:  # without the /template modal, the button is only acknowledged
            @app.action(ACTION_OPEN_TEMPLATE_MODAL)
            async def send_template_button(ack: AsyncAck) -> None:
                await ack()

    return register
