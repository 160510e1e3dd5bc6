"""The template as the candidate will read it, in Slack mrkdwn: header, body and footer with the values filled
in, then the buttons. WhatsApp's *bold*, _italic_ and ~strike~ read the same in Slack; ```monospace``` becomes
Slack code. A variable without a value shows as ``{{name}}`` in code, so the gap is visible.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.mrkdwn import escape_mrkdwn
from bot.template_modal.parameters import NAMED, POSITIONAL, TemplateShape, component

_MONOSPACE = re.compile(r"```(.+?)```", re.S)
PREVIEW_LIMIT = 2900  # a section's text is at most 3,000 characters


def _fill(text: str, named: bool, prefix: str, values: Mapping[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        value = values.get(f"{prefix}.{match.group(1)}", "").strip()
        return escape_mrkdwn(value) if value else f"`{{{{{match.group(1)}}}}}`"

    pattern = NAMED if named else POSITIONAL
    parts, last = [], 0
    for match in pattern.finditer(text):
        parts.append(escape_mrkdwn(text[last:match.start()]))
        parts.append(one(match))
        last = match.end()
    parts.append(escape_mrkdwn(text[last:]))
    return _MONOSPACE.sub(lambda m: f"`{m.group(1)}`", "".join(parts))


def render_preview(shape: TemplateShape, values: Mapping[str, str]) -> str:
    """The whole template with ``values`` (input key -> value) in place."""
    template, named = shape.template, shape.named
    lines: list[str] = []
    header = component(template, "HEADER")
    if header is not None:
        fmt = str(header.get("format") or "TEXT").upper()
        if fmt == "TEXT":
            lines.append(f"*{_fill(str(header.get('text') or ''), named, 'header', values)}*")
        else:
            link = values.get("header.media", "").strip()
            safe = escape_mrkdwn(link).replace("|", "%7C")
            shown = f"<{safe}|{fmt.lower()}>" if link.startswith("https://") and " " not in link else f"`{fmt.lower()}`"
            lines.append(f":frame_with_picture: {shown}")
    body = component(template, "BODY")
    if body is not None:
        lines.append(_fill(str(body.get("text") or ""), named, "body", values))
    footer = component(template, "FOOTER")
    if footer is not None and footer.get("text"):
        lines.append(f"_{escape_mrkdwn(str(footer['text']))}_")
    buttons = []
    for index, button in enumerate((component(template, "BUTTONS") or {}).get("buttons") or []):
        label = escape_mrkdwn(str(button.get("text") or button.get("type", "")).strip())
        kind = str(button.get("type", "")).upper()
        if kind == "URL":
            suffix = values.get(f"button.{index}", "").strip()
            url = str(button.get("url") or "")
            filled = POSITIONAL.sub(suffix or "{{1}}", url)
            buttons.append(f"[{label} → {escape_mrkdwn(filled)}]")
        elif kind == "COPY_CODE":
            code = values.get(f"code.{index}", "").strip()
            buttons.append(f"[Copy code: {escape_mrkdwn(code) if code else '`{{code}}`'}]")
        else:
            buttons.append(f"[{label}]")
    if buttons:
        lines.append("  ".join(buttons))
    text = "\n\n".join(line for line in lines if line.strip())
    return text if len(text) <= PREVIEW_LIMIT else text[:PREVIEW_LIMIT].rstrip() + "…"
