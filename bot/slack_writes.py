"""The Slack writes the relay queues in the outbox, as small frozen types with a JSON form.

The processor decides *what* to write (rendered text, which file, which reaction); the outbox sender decides
*when* and talks to Slack. ``kind`` names the sender's handler.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class ThreadPost:
    """A reply in the conversation's thread (the thread parent is created first when there is none)."""

    kind: ClassVar[str] = "post"
    text: str
    as_candidate: bool = True  # shown with the candidate's name (chat:write.customize)
    broadcast: bool = False


@dataclass(frozen=True)
class MediaUpload:
    """A candidate's media: fetched from Meta with the business token, uploaded into the thread."""

    kind: ClassVar[str] = "upload"
    media_id: str
    mime_type: str
    filename: str
    caption: str  # mrkdwn, already escaped
    media_url: str | None = None


@dataclass(frozen=True)
class Reaction:
    """Add (or remove) an emoji on the Slack copy of ``target_wamid``."""

    kind: ClassVar[str] = "react"
    target_wamid: str
    emoji: str  # the character Meta sent; mapped to a Slack name by the sender
    remove: bool = False


@dataclass(frozen=True)
class CopyUpdate:
    """Rewrite the Slack copy of ``target_wamid`` (an edit, a revoke, a status tick)."""

    kind: ClassVar[str] = "update"
    target_wamid: str
    text: str


@dataclass(frozen=True)
class StatusMark:
    """Show a delivery status on the Slack copy of one of our messages (monotonic: never a step back)."""

    kind: ClassVar[str] = "status"
    target_wamid: str
    status: str
    previous: str | None = None  # the mark it replaces
    target_ts: str | None = None  # the Slack copy's ts when it was known at queueing (else looked up)


@dataclass(frozen=True)
class ParentRefresh:
    """Re-render the thread parent (window state, name, number changes)."""

    kind: ClassVar[str] = "parent"


@dataclass(frozen=True)
class ChannelNotice:
    """A message of ours in a number's channel (``phone_number_row_id``) or to a person (``user_id``), outside
    any candidate's thread: account events, quality, templates."""

    kind: ClassVar[str] = "notice"
    text: str
    phone_number_row_id: int | None = None
    user_id: str | None = None


SlackWrite = ThreadPost | MediaUpload | Reaction | CopyUpdate | StatusMark | ParentRefresh | ChannelNotice
WRITE_TYPES: dict[str, type] = {t.kind: t for t in (ThreadPost, MediaUpload, Reaction, CopyUpdate, StatusMark,
                                                   ParentRefresh, ChannelNotice)}


def write_args(write: SlackWrite) -> dict[str, Any]:
    return asdict(write)


def write_from(kind: str, args: dict[str, Any]) -> SlackWrite:
    """The write behind an outbox row (unknown keys ignored, so old rows survive a newer version)."""
    cls = WRITE_TYPES[kind]
    names = set(cls.__dataclass_fields__)
    return cls(**{k: v for k, v in args.items() if k in names})  # type: ignore[no-any-return]
