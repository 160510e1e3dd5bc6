"""How much a message may hold, and what a thread_ts looks like.

- ``text``: Slack documents truncation at 40,000 characters with a ``message_truncated`` warning (changelog
  2018-04 "Truncating really long messages"), but today answers ``msg_too_long`` for text of about 4,000
  characters and more (slackapi maintainers, seratch/ChatGPT-in-Slack#102, 2024). ``Realism.max_text_chars``
  is that limit; set it to None for the documented truncation.
- ``blocks``: each block's own limits (50 blocks, section text 3000, header 150, ...) answer
  ``invalid_blocks`` (blocks.py); the text of all blocks together has an undocumented cap that answers
  ``msg_blocks_too_long`` (about 13,000 characters, slackapi/bolt-js#2509): ``Realism.max_blocks_chars``.
- ``thread_ts``: a message ts is seconds, a dot and six digits; anything else is ``invalid_thread_ts``.
"""

from __future__ import annotations

import re
from typing import Any

from .world import SlackApiFailure

DOCUMENTED_TRUNCATION = 40_000
TRUNCATED = "[WARN] Your message was truncated but still posted. The `text` field accepts up to 40,000 characters."
MESSAGE_TS = re.compile(r"^\d+\.\d{6}$")


def checked_text(text: str | None, limit: int | None, warnings: list[str], messages: list[str]) -> str | None:
    """``text`` as Slack stores it; raises msg_too_long over ``limit`` (None: truncate at 40,000 and warn)."""
    if text is None:
        return None
    if limit is not None:
        if len(text) > limit:
            raise SlackApiFailure("msg_too_long")
        return text
    if len(text) > DOCUMENTED_TRUNCATION:
        warnings.append("message_truncated")
        messages.append(TRUNCATED)
        return text[:DOCUMENTED_TRUNCATION]
    return text


def blocks_text_length(value: Any) -> int:
    """Characters of every ``text`` string anywhere inside ``value`` (text objects, markdown, rich text)."""
    if isinstance(value, dict):
        return sum(
            len(item) if key == "text" and isinstance(item, str) else blocks_text_length(item)
            for key, item in value.items()
        )
    if isinstance(value, list):
        return sum(blocks_text_length(item) for item in value)
    return 0


def check_blocks_size(blocks: list[dict[str, Any]], limit: int) -> None:
    """msg_blocks_too_long when the blocks hold more than ``limit`` characters of text in all."""
    if blocks_text_length(blocks) > limit:
        raise SlackApiFailure("msg_blocks_too_long")


def check_thread_ts(value: str | None) -> str | None:
    """``value`` when it is shaped like a message ts; invalid_thread_ts otherwise."""
    if value is not None and not MESSAGE_TS.match(value):
        raise SlackApiFailure("invalid_thread_ts")
    return value
