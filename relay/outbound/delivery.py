"""One part of a recruiter's reply, sent through the Graph client: text as is, a file fetched from Slack,
uploaded to Graph media and sent by id with its caption. Every send names its outbox row and part in
``biz_opaque_callback_data``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import httpx

from relay.outbound.plan import Part
from relay.outbound.slack_files import download_slack_file
from whatsapp.graph import GraphClient
from whatsapp.graph_types import SentMessage
from whatsapp.message_bodies import MediaKind


@dataclass(frozen=True)
class SendFrom:
    """Who sends to whom: the conversation's number with the business token, to the candidate's wa_id or, when
    Meta gave none, their business-scoped user id."""

    phone_number_id: str
    business_token: str
    to: str
    bot_token: str  # Slack: to download the recruiter's files


@dataclass(frozen=True)
class PreparedPart:
    """A part ready to send: for a file, its uploaded media id."""

    part: Part
    media_id: str | None = None


class ReplyDelivery:
    def __init__(self, graph: GraphClient, http: httpx.AsyncClient):
        self.graph, self.http = graph, http

    async def prepare(self, sender: SendFrom, part: Part, files: Sequence[Mapping[str, Any]]) -> PreparedPart:
        """Fetch and upload a file part (FileRefused, SlackFileUnavailable or GraphError when that fails); text
        needs nothing. Uploading is not sending: a failure here never reaches the candidate."""
        if part["type"] != "file":
            return PreparedPart(part)
        file = files[part["index"]]
        content = await download_slack_file(self.http, file, sender.bot_token)
        mime = str(file.get("mimetype") or "application/octet-stream")
        media_id = await self.graph.upload_media(sender.phone_number_id, sender.business_token, content, mime,
                                                 part["name"])
        return PreparedPart(part, media_id)

    async def send(self, sender: SendFrom, prepared: PreparedPart, callback: str) -> SentMessage:
        """The one call that reaches the candidate."""
        part = prepared.part
        if part["type"] == "text":
            return await self.graph.send_text(sender.phone_number_id, sender.business_token, sender.to, part["body"],
                                              biz_opaque_callback_data=callback)
        assert prepared.media_id is not None
        kind = cast(MediaKind, part["media"])
        return await self.graph.send_media(
            sender.phone_number_id, sender.business_token, sender.to, kind, prepared.media_id,
            caption=part.get("caption") or None, filename=part["name"] if kind == "document" else None,
            biz_opaque_callback_data=callback)


def summary_of(part: Part) -> str:
    """What the mirrored message row keeps as its searchable text."""
    if part["type"] == "text":
        return str(part["body"])[:2000]
    caption = part.get("caption")
    return f"[{part['media']}: {part['name']}]" + (f" {caption}" if caption else "")
