"""Slack mrkdwn as a recruiter typed it, turned into WhatsApp's formatting (slack reference 2.2).

Slack sends entity-encoded text with ``<...>`` tokens for mentions, links and channels; WhatsApp shows plain
text with the same ``*bold*``, ``_italic_``, ``~strike~`` and backtick code markers, so those are kept.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

MAX_TEXT = 4096  # Meta's limit for a text body (meta reference 2.1)

_TOKEN = re.compile(r"<([^<>\n]+)>")
_USER = re.compile(r"^@([UW][A-Z0-9]+)(?:\|([^>]*))?$")


def mentioned_users(text: str) -> list[str]:
    """The user ids ``<@U…>`` mentions name, in order, once each (to look their names up)."""
    seen: list[str] = []
    for token in _TOKEN.findall(text or ""):
        match = _USER.match(token)
        if match and match.group(1) not in seen:
            seen.append(match.group(1))
    return seen


def _replace(token: str, names: Mapping[str, str]) -> str:
    user = _USER.match(token)
    if user:
        return "@" + (names.get(user.group(1)) or user.group(2) or "someone")
    if token.startswith("#"):  # <#C123|name> or <#C123>
        _, _, label = token.partition("|")
        return "#" + (label or "channel")
    if token.startswith("!"):  # <!here>, <!channel>, <!subteam^S1|@team>, <!date^…|fallback>
        _, _, label = token.partition("|")
        return label
    url, _, label = token.partition("|")
    if url.startswith("mailto:"):
        address = url.removeprefix("mailto:")
        return f"{label} ({address})" if label and label != address else address
    if label and label != url:
        return f"{label} ({url})"
    return url


def to_whatsapp(text: str, names: Mapping[str, str] | None = None) -> str:
    """Slack mrkdwn → WhatsApp text: mentions by display name, ``label (url)`` links, #channels, entities
    decoded; ``<!here>``-style broadcasts dropped."""
    names = names or {}
    converted = _TOKEN.sub(lambda m: _replace(html.unescape(m.group(1)), names), text or "")
    converted = converted.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return re.sub(r"[ \t]{2,}", " ", converted).strip()


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """``text`` in ordered parts of at most ``limit`` characters, cut at a paragraph, line or word end where
    one is near the limit."""
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), -1)
        if cut < limit // 2:
            cut = window.rfind("\n")
        if cut < limit // 2:
            cut = window.rfind(" ")
        if cut < limit // 2:
            cut = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return [p for p in parts if p]
