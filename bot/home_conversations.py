"""The Home tab's Recent conversations: one section per candidate (who, last message, the 24-hour window, unread
count, a link to the thread), latest first, PAGE_SIZE at a time with Newer / Older buttons. Pure functions.

At most PAGE_SIZE + FRAME_BLOCKS blocks, so with the account cards' page (bot.home) the view stays under 100.
"""

from __future__ import annotations

from typing import Any

from bot import conversation_wording as words
from bot.home_state import (
    ACTION_CONVERSATIONS_NEWER,
    ACTION_CONVERSATIONS_OLDER,
    ACTION_OPEN_THREAD,
    ConversationLine,
    ConversationShelf,
    keyed_action,
)

PAGE_SIZE = 10  # conversations per page
FRAME_BLOCKS = 4  # header, context, pager, divider
SECTION_BLOCK_PREFIX = "conversation:"


def thread_url(team_url: str | None, team_id: str, channel_id: str, thread_ts: str) -> str:
    """A link to the thread parent: its permalink (``https://acme.slack.com/archives/C…/p…``, what
    chat.getPermalink hands out, built here without spending that method's rate limit) when the workspace's URL
    is known (auth.test), else the web client's thread view."""
    if team_url:
        return f"{team_url.rstrip('/')}/archives/{channel_id}/p{thread_ts.replace('.', '')}"
    return f"https://app.slack.com/client/{team_id}/{channel_id}/thread/{channel_id}-{thread_ts}"


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text[:3000]}


def _button(action_id: str, text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "button", "action_id": action_id, "text": {"type": "plain_text", "text": text[:75],
                                                                "emoji": True}, **extra}


def _line_block(line: ConversationLine) -> dict[str, Any]:
    activity = " · ".join(p for p in (words.last_message_line(line.last_activity_at),
                                      words.unread_line(line.unread)) if p)
    text = "\n".join((words.candidate_line(line.candidate, line.phone, line.via), activity,
                      words.window_line(line.window_open_until)))
    block: dict[str, Any] = {"type": "section", "block_id": f"{SECTION_BLOCK_PREFIX}{line.conversation_id}",
                             "text": _mrkdwn(text if line.thread_url else f"{text}\n{words.THREAD_PENDING}")}
    if line.thread_url:
        block["accessory"] = _button(keyed_action(ACTION_OPEN_THREAD, line.conversation_id),
                                     words.OPEN_THREAD_BUTTON, url=line.thread_url[:3000])
    return block


def _pager(shelf: ConversationShelf) -> dict[str, Any] | None:
    buttons = []
    if shelf.page > 0:
        buttons.append(_button(ACTION_CONVERSATIONS_NEWER, words.NEWER_BUTTON, value=str(shelf.page - 1)))
    if (shelf.page + 1) * shelf.page_size < shelf.total:
        buttons.append(_button(ACTION_CONVERSATIONS_OLDER, words.OLDER_BUTTON, value=str(shelf.page + 1)))
    return {"type": "actions", "block_id": "conversation_pages", "elements": buttons} if buttons else None


def conversation_blocks(shelf: ConversationShelf) -> list[dict[str, Any]]:
    """The section's blocks (at most PAGE_SIZE + FRAME_BLOCKS)."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "block_id": "conversations", "text": {"type": "plain_text",
                                                                 "text": words.CONVERSATIONS_TITLE}}]
    if not shelf.lines:
        empty = words.CONVERSATIONS_EMPTY if shelf.in_any_channel else words.CONVERSATIONS_NOT_IN_CHANNELS
        blocks.append({"type": "section", "block_id": "conversations_empty", "text": _mrkdwn(empty)})
        return blocks
    first = shelf.page * shelf.page_size + 1
    notes = [words.CONVERSATIONS_SCOPE, words.range_line(first, first + len(shelf.lines) - 1, shelf.total)]
    blocks.append({"type": "context", "block_id": "conversations_range",
                   "elements": [_mrkdwn(note) for note in notes]})
    blocks += [_line_block(line) for line in shelf.lines[:PAGE_SIZE]]
    if (pager := _pager(shelf)) is not None:
        blocks.append(pager)
    return blocks
