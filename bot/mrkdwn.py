"""Text from WhatsApp made safe and readable as Slack mrkdwn, and split to Slack's size.

WhatsApp's *bold*, _italic_, ~strike~, `code` and ```monospace``` read the same in Slack; what must change is
that ``&``, ``<`` and ``>`` are escaped, so a candidate can never write ``<!channel>`` or a disguised link.
"""

from __future__ import annotations

# Slack truncates past 40,000 characters and refuses long text in places; 3,000 keeps every post readable
# and leaves room for the prefix of a split part.
SLACK_TEXT_LIMIT = 3000


def escape_mrkdwn(text: str) -> str:
    """Slack's three control characters as entities (Slack: "Escaping text")."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def whatsapp_to_mrkdwn(text: str) -> str:
    """A candidate's WhatsApp text as Slack mrkdwn. ``> `` quotes keep working because Slack reads the
    escaped ``&gt; `` at a line start as a quote, like the raw character."""
    return escape_mrkdwn(text)


def _cut(text: str, limit: int) -> int:
    """Where to cut ``text`` so the first part is at most ``limit`` long: a paragraph, line or word break when
    there is one in the second half, never inside an ``&…;`` entity."""
    window = text[:limit]
    for separator in ("\n\n", "\n", " "):
        at = window.rfind(separator)
        if at >= limit // 2:
            return at + len(separator)
    amp = window.rfind("&")
    if amp != -1 and ";" not in window[amp:]:
        return amp
    return limit


def split_for_slack(text: str, limit: int = SLACK_TEXT_LIMIT) -> list[str]:
    """Ordered parts of at most ``limit`` characters; nothing dropped, nothing truncated."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        at = _cut(rest, limit)
        parts.append(rest[:at].rstrip())
        rest = rest[at:]
    if rest.strip():
        parts.append(rest)
    return [p for p in parts if p]
