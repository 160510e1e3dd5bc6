"""What WhatsApp accepts as media (meta reference 2.5): MIME type → message type and size limit."""

from __future__ import annotations

MB = 1024 * 1024

# MIME type → (message type, the largest file Meta takes for it)
MEDIA_TYPES: dict[str, tuple[str, int]] = {
    "image/jpeg": ("image", 5 * MB),
    "image/png": ("image", 5 * MB),
    "video/mp4": ("video", 16 * MB),
    "video/3gpp": ("video", 16 * MB),
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
}
CAPTIONED = frozenset({"image", "video", "document"})
MAX_CAPTION = 1024


class FileRefused(Exception):
    """A file WhatsApp cannot take (type, size) or that could not be fetched from Slack; the reason is for people."""


def base_mime(mime: str | None) -> str:
    return (mime or "").split(";")[0].strip().lower()


def media_type_for(mime: str | None) -> str:
    """The WhatsApp message type for a MIME type; FileRefused when WhatsApp does not take it."""
    entry = MEDIA_TYPES.get(base_mime(mime))
    if entry is None:
        raise FileRefused(f"WhatsApp does not accept {base_mime(mime) or 'this kind of'} files; send a PDF, "
                          "an image (JPEG, PNG), a video (MP4) or an Office document")
    return entry[0]


def check_size(mime: str | None, size: int) -> None:
    """FileRefused when ``size`` bytes is more than WhatsApp takes for this type."""
    kind, limit = MEDIA_TYPES[base_mime(mime)]
    if size > limit:
        raise FileRefused(f"it is {size / MB:.1f} MB and WhatsApp takes {kind}s up to {limit // MB} MB")


def size_limit(mime: str | None) -> int:
    return MEDIA_TYPES[base_mime(mime)][1]
