"""Media rules (reference 2.5): supported MIME types, size limits, content sniffing, storage and lifetimes."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import MetaError

if TYPE_CHECKING:
    from .state import MetaWorld, PhoneNumber

MB = 1024 * 1024
KB = 1024
MEDIA_URL_TTL_SECONDS = 5 * 60
# "Media IDs returned by the API expire after 30 days. Media IDs in webhooks expire after 7 days."
LIFETIMES = {"upload": 30 * 24 * 3600, "webhook": 7 * 24 * 3600}


@dataclass
class Media:
    """Bytes behind a media id: uploaded by the business, or received from a candidate in a webhook."""

    id: str
    waba_id: str
    phone_number_id: str
    data: bytes
    mime_type: str  # as given, parameters kept ("audio/ogg; codecs=opus")
    sha256: str  # hex, as Graph's GET /{media_id} answers it
    created_at: float
    filename: str | None = None
    origin: str = "upload"  # "upload" | "webhook"

    def alive(self, now: float) -> bool:
        """Uploaded media live 30 days, media received in webhooks 7 days."""
        return now - self.created_at <= LIFETIMES[self.origin]

    @property
    def sha256_base64(self) -> str:
        """The digest as webhooks carry it: base64 of the SHA-256 bytes."""
        return base64.b64encode(bytes.fromhex(self.sha256)).decode("ascii")

# MIME type -> (media kind, size limit in bytes)
SUPPORTED: dict[str, tuple[str, int]] = {
    "audio/aac": ("audio", 16 * MB),
    "audio/amr": ("audio", 16 * MB),
    "audio/mpeg": ("audio", 16 * MB),
    "audio/mp4": ("audio", 16 * MB),
    "audio/ogg": ("audio", 16 * MB),
    "text/plain": ("document", 100 * MB),
    "application/pdf": ("document", 100 * MB),
    "application/msword": ("document", 100 * MB),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("document", 100 * MB),
    "application/vnd.ms-excel": ("document", 100 * MB),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("document", 100 * MB),
    "application/vnd.ms-powerpoint": ("document", 100 * MB),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ("document", 100 * MB),
    "image/jpeg": ("image", 5 * MB),
    "image/png": ("image", 5 * MB),
    "image/webp": ("sticker", 500 * KB),  # animated; static stickers are limited to 100 KB below
    "video/mp4": ("video", 16 * MB),
    "video/3gpp": ("video", 16 * MB),
}
STATIC_STICKER_LIMIT = 100 * KB
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"


def _is_text(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in data


def _looks_like(mime: str, data: bytes) -> bool:
    """Whether the bytes carry the signature of ``mime`` (Meta rejects a mislabelled file with 131053)."""
    head = data[:16]
    checks = {
        "image/jpeg": lambda: head.startswith(b"\xff\xd8\xff"),
        "image/png": lambda: head.startswith(b"\x89PNG\r\n\x1a\n"),
        "image/webp": lambda: head[:4] == b"RIFF" and head[8:12] == b"WEBP",
        "application/pdf": lambda: head.startswith(b"%PDF-"),
        "video/mp4": lambda: head[4:8] == b"ftyp",
        "video/3gpp": lambda: head[4:8] == b"ftyp",
        "audio/mp4": lambda: head[4:8] == b"ftyp",
        "audio/ogg": lambda: head.startswith(b"OggS"),
        "audio/amr": lambda: head.startswith(b"#!AMR"),
        "audio/mpeg": lambda: (
            head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)
        ),
        "audio/aac": lambda: (
            head.startswith(b"ADIF") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0)
        ),
        "application/msword": lambda: head.startswith(_OLE),
        "application/vnd.ms-excel": lambda: head.startswith(_OLE),
        "application/vnd.ms-powerpoint": lambda: head.startswith(_OLE),
        "text/plain": lambda: _is_text(data),
    }
    check = checks.get(mime, lambda: head.startswith(_ZIP))  # the OOXML formats are zip containers
    return check()


def base_mime(value: str | None) -> str:
    """``audio/ogg; codecs=opus`` -> ``audio/ogg``."""
    return (value or "").split(";", 1)[0].strip().lower()


def check_media(mime_type: str, data: bytes) -> str:
    """Validate bytes labelled ``mime_type``; returns the media kind or raises 131053."""
    mime = base_mime(mime_type)
    if mime not in SUPPORTED:
        raise MetaError(131053, details=f"Media upload error: MIME type {mime_type!r} is not supported.")
    kind, limit = SUPPORTED[mime]
    if mime == "image/webp" and b"ANIM" not in data[:4096]:
        limit = STATIC_STICKER_LIMIT
    if not data:
        raise MetaError(131053, details="Media upload error: the file is empty.")
    if len(data) > limit:
        raise MetaError(
            131053, details=f"Media upload error: {mime} files are limited to {limit} bytes, got {len(data)}."
        )
    if not _looks_like(mime, data):
        raise MetaError(
            131053, details=f"Media upload error: the file's content does not match its MIME type {mime}."
        )
    return kind


def store(
    world: MetaWorld,
    number: PhoneNumber,
    data: bytes,
    mime_type: str,
    filename: str | None = None,
    origin: str = "upload",
) -> Media:
    """Keep validated bytes as a media object of the number's WABA (MIME parameters kept)."""
    media = Media(
        id=world.new_id(),
        waba_id=number.waba_id,
        phone_number_id=number.id,
        data=data,
        mime_type=mime_type.strip(),
        sha256=hashlib.sha256(data).hexdigest(),
        created_at=world.clock(),
        filename=filename,
        origin=origin,
    )
    world.media[media.id] = media
    return media


def fits_message_type(kind: str, mime: str) -> bool:
    """Whether media of ``mime`` may be sent as a ``kind`` message (documents accept any supported type)."""
    mime = base_mime(mime)
    if kind == "document":
        return mime in SUPPORTED
    return SUPPORTED.get(mime, ("", 0))[0] == kind


def media_info(world: MetaWorld, media: Media) -> dict:
    """``GET /{media_id}``'s answer (file_size is a string, as the spec shows it)."""
    return {
        "messaging_product": "whatsapp",
        "url": world.media_url(media),
        "mime_type": media.mime_type,
        "sha256": media.sha256,
        "file_size": str(len(media.data)),
        "id": media.id,
    }
