"""JSON bodies for ``POST /{phone-number-id}/messages``, checked locally before Meta sees them."""

from __future__ import annotations

import re
from typing import Any, Literal

MediaKind = Literal["image", "audio", "video", "document", "sticker"]

MAX_TEXT_LENGTH = 4096
# A business-scoped user id (reference 2.8), e.g. US.13491208655302741918; phone numbers never hold letters.
_BSUID = re.compile(r"^[A-Z]{2}(\.ENT)?\.[A-Za-z0-9]{1,128}$")
MAX_CALLBACK_DATA_LENGTH = 512
_CAPTIONED_KINDS = frozenset({"image", "video", "document"})
_MEDIA_KINDS = frozenset({"image", "audio", "video", "document", "sticker"})


def _envelope(to: str, kind: str, content: dict[str, Any], *, reply_to: str | None = None,
              biz_opaque_callback_data: str | None = None) -> dict[str, Any]:
    if not to:
        raise ValueError("recipient 'to' must not be empty")
    body: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        # a candidate known only by a business-scoped user id is addressed with "recipient" (reference 2.8)
        ("recipient" if _BSUID.match(to) else "to"): to,
        "type": kind,
        kind: content,
    }
    if reply_to:
        body["context"] = {"message_id": reply_to}
    if biz_opaque_callback_data is not None:
        if len(biz_opaque_callback_data) > MAX_CALLBACK_DATA_LENGTH:
            raise ValueError(f"biz_opaque_callback_data is longer than {MAX_CALLBACK_DATA_LENGTH} characters")
        body["biz_opaque_callback_data"] = biz_opaque_callback_data
    return body


def text_body(to: str, body: str, *, preview_url: bool = False, reply_to: str | None = None,
              biz_opaque_callback_data: str | None = None) -> dict[str, Any]:
    """A text message; Meta caps the body at 4096 characters."""
    if not body:
        raise ValueError("text body must not be empty")
    if len(body) > MAX_TEXT_LENGTH:
        raise ValueError(f"text body is longer than {MAX_TEXT_LENGTH} characters")
    return _envelope(to, "text", {"body": body, "preview_url": preview_url}, reply_to=reply_to,
                     biz_opaque_callback_data=biz_opaque_callback_data)


def template_body(to: str, name: str, language_code: str, components: list[dict[str, Any]] | None = None,
                  *, biz_opaque_callback_data: str | None = None) -> dict[str, Any]:
    """A template message; ``components`` carry the header/body/button parameters as Meta defines them."""
    if not name or not language_code:
        raise ValueError("template name and language code are required")
    template: dict[str, Any] = {"name": name, "language": {"code": language_code}}
    if components:
        template["components"] = components
    return _envelope(to, "template", template, biz_opaque_callback_data=biz_opaque_callback_data)


def media_body(to: str, kind: MediaKind, media_id: str, *, caption: str | None = None,
               filename: str | None = None, reply_to: str | None = None,
               biz_opaque_callback_data: str | None = None) -> dict[str, Any]:
    """A media message by uploaded media id; captions only on image/video/document, filename on documents."""
    if kind not in _MEDIA_KINDS:
        raise ValueError(f"unsupported media kind {kind!r}")
    if not media_id:
        raise ValueError("media_id must not be empty")
    content: dict[str, Any] = {"id": media_id}
    if caption is not None:
        if kind not in _CAPTIONED_KINDS:
            raise ValueError(f"{kind} messages cannot carry a caption")
        content["caption"] = caption
    if filename is not None:
        if kind != "document":
            raise ValueError("only document messages carry a filename")
        content["filename"] = filename
    return _envelope(to, kind, content, reply_to=reply_to, biz_opaque_callback_data=biz_opaque_callback_data)


def reaction_body(to: str, message_id: str, emoji: str, *,
                  biz_opaque_callback_data: str | None = None) -> dict[str, Any]:
    """A reaction to one message of the conversation."""
    if not message_id:
        raise ValueError("message_id must not be empty")
    return _envelope(to, "reaction", {"message_id": message_id, "emoji": emoji},
                     biz_opaque_callback_data=biz_opaque_callback_data)


def read_receipt_body(message_id: str, *, typing_indicator: bool = False) -> dict[str, Any]:
    """Marks an inbound message (and earlier ones) read, optionally showing the typing indicator."""
    if not message_id:
        raise ValueError("message_id must not be empty")
    body: dict[str, Any] = {"messaging_product": "whatsapp", "status": "read", "message_id": message_id}
    if typing_indicator:
        body["typing_indicator"] = {"type": "text"}
    return body
