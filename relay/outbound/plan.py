"""A recorded reply as the WhatsApp messages it becomes, in order: text parts, then its files (the text rides
as the first file's caption when it fits). Fixed on the first run, so a retry sends exactly the same parts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.slack_to_whatsapp import split_text
from relay.outbound.media_rules import CAPTIONED, MAX_CAPTION, FileRefused, check_size, media_type_for

Part = dict[str, Any]  # {"type": "text", "body"} | {"type": "file", "index", "media", "caption"} | refused


def build_plan(text: str, files: Sequence[Mapping[str, Any]]) -> list[Part]:
    """The parts of a reply whose text is already WhatsApp text."""
    media: list[Part] = []
    for index, file in enumerate(files):
        name = str(file.get("name") or file.get("title") or "file")
        try:
            kind = media_type_for(str(file.get("mimetype") or ""))
            if isinstance(file.get("size"), int):  # Slack's size: refused before a download, captions kept
                check_size(str(file.get("mimetype")), file["size"])
        except FileRefused as exc:
            media.append({"type": "refused", "index": index, "name": name, "reason": str(exc)})
            continue
        media.append({"type": "file", "index": index, "name": name, "media": kind, "caption": None})
    captioned = next((p for p in media if p["type"] == "file" and p["media"] in CAPTIONED), None)
    if text and captioned is not None and len(text) <= MAX_CAPTION:
        captioned["caption"] = text
        return media
    return [{"type": "text", "body": chunk} for chunk in split_text(text)] + media
