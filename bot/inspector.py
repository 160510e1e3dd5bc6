"""The webhook inspector (seed 000): a modal listing the latest webhooks Meta sent for a workspace's numbers,
what the relay did with each, and the payload with candidates' personal data masked."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from bot.mrkdwn import escape_mrkdwn
from storage.messaging_models import WebhookInbox

INSPECTOR_CALLBACK = "webhook_inspector"
SHOWN = 15
PAYLOAD_CHARS = 600
# keys whose values are a candidate's words or identity: masked, whatever the field
PERSONAL_KEYS = {
    "body", "text", "caption", "filename", "name", "formatted_name", "first_name", "last_name", "username",
    "wa_id", "from", "to", "recipient_id", "recipient_user_id", "user_id", "from_user_id", "phone", "email",
    "address", "latitude", "longitude", "url", "response_json", "vcard", "emoji", "title", "description",
    "payload", "street", "city", "zip", "birthday", "detail", "source_url", "headline", "image_url",
    "video_url", "thumbnail_url", "ctwa_clid", "display_phone_number", "requested_verified_name",
}
STATE_EMOJI = {"done": "✅", "pending": "⏳", "unparseable": "⚠️", "dead": "❌"}


def redact(value: Any) -> Any:
    """The payload with every personal value replaced by ``•••`` (structure, ids and codes stay)."""
    if isinstance(value, dict):
        return {k: ("•••" if k in PERSONAL_KEYS and not isinstance(v, dict | list) else redact(v))
                for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def redacted_payload(body: bytes) -> str:
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        return f"(not JSON, {len(body)} bytes)"
    text = json.dumps(redact(payload), ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= PAYLOAD_CHARS else text[:PAYLOAD_CHARS] + "…"


def belongs_to(row: WebhookInbox, phone_number_ids: set[str], waba_ids: set[str]) -> bool:
    numbers = set(filter(None, (row.phone_number_ids or "").split(",")))
    wabas = set(filter(None, (row.waba_ids or "").split(",")))
    return bool(numbers & phone_number_ids or wabas & waba_ids)


def _when(moment: datetime) -> str:
    epoch = int(moment.timestamp())
    return f"<!date^{epoch}^{{date_short}} {{time_secs}}|{moment.isoformat(timespec='seconds')}>"


def inspector_view(rows: Iterable[WebhookInbox], numbers: dict[str, str]) -> dict[str, Any]:
    """The modal; ``numbers`` maps phone_number_id → the display number shown."""
    blocks: list[dict[str, Any]] = [{"type": "context", "elements": [{"type": "mrkdwn", "text": (
        "The latest webhooks Meta sent for your numbers, newest first. Candidates' words, names and numbers "
        "are masked.")}]}]
    shown = 0
    for row in rows:
        if shown >= SHOWN:
            break
        shown += 1
        where = ", ".join(numbers.get(p, p) for p in filter(None, (row.phone_number_ids or "").split(","))) \
            or (row.waba_ids or "account")
        lines = [f"{STATE_EMOJI.get(row.state, '•')} *{escape_mrkdwn(row.fields or 'unknown')}* · "
                 f"{escape_mrkdwn(where)} · {_when(row.received_at)}"]
        if row.outcome:
            lines.append(escape_mrkdwn(row.outcome[:300]))
        if row.error:
            lines.append(f"Error: {escape_mrkdwn(row.error[:300])}")
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)[:2900]}})
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text":
                       f"`{escape_mrkdwn(redacted_payload(row.body))}`"[:2900]}]})
    if shown == 0:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "No webhooks for your numbers yet."}})
    return {"type": "modal", "callback_id": INSPECTOR_CALLBACK, "title": {"type": "plain_text", "text": "Webhooks"},
            "close": {"type": "plain_text", "text": "Close"}, "blocks": blocks[:100]}
