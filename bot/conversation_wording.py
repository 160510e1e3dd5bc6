"""What recruiters read in the Home tab's Recent conversations. Part of the Slack wording (see bot/wording.py);
names and numbers arrive escaped."""

from __future__ import annotations

from datetime import datetime

CONVERSATIONS_TITLE = "Recent conversations"
CONVERSATIONS_EMPTY = (
    "No conversations yet. When a candidate writes to one of your numbers, or you send a first message with "
    "`/template`, the conversation shows up here with a link to its thread."
)
CONVERSATIONS_NOT_IN_CHANNELS = (
    "Conversations show up here for the WhatsApp channels you're a member of, and you aren't in any yet. "
    "Ask whoever connected a number to invite you to its channel."
)
CONVERSATIONS_SCOPE = "Conversations in the WhatsApp channels you're a member of, latest first."
CANDIDATE_UNNAMED = "Candidate"
OPEN_THREAD_BUTTON = "Open thread"
THREAD_PENDING = "_Thread being created…_"
NEWER_BUTTON = "Newer"
OLDER_BUTTON = "Older"


def slack_date(at: datetime) -> str:
    """A time every reader sees in their own time zone (the fallback is UTC)."""
    return f"<!date^{int(at.timestamp())}^{{date_short_pretty}} {{time}}|{at.strftime('%Y-%m-%d %H:%M UTC')}>"


def candidate_line(candidate: str, phone: str | None, via: str | None) -> str:
    parts = [f"*{candidate}*", phone, f"via {via}" if via else None]
    return " · ".join(p for p in parts if p)


def last_message_line(at: datetime) -> str:
    return f"Last message {slack_date(at)}"


def window_line(open_until: datetime | None) -> str:
    if open_until is None:
        return "⚪ Reply window closed: send a template with `/template`"
    return f"🟢 Reply window open until {slack_date(open_until)}"


def unread_line(unread: int) -> str | None:
    if unread <= 0:
        return None
    return f"*{unread} unread*" if unread < 100 else "*99+ unread*"


def range_line(first: int, last: int, total: int) -> str:
    if total == 1:
        return "1 conversation"
    return f"{first}–{last} of {total} conversations"
