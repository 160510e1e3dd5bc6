"""Every inbound WhatsApp message type as the Slack writes that mirror it (reference 3.5).

One function per ``type`` in ``RENDERERS``; an unknown type is shown as such with nothing lost (the raw payload
stays in the inbox). All candidate text is escaped before it reaches Slack.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from bot.mrkdwn import escape_mrkdwn, split_for_slack, whatsapp_to_mrkdwn
from bot.slack_writes import CopyUpdate, MediaUpload, Reaction, SlackWrite, ThreadPost
from whatsapp.webhook_models import InboundMessage, MetaErrorInfo

MEDIA_TYPES = ("image", "video", "audio", "document", "sticker")
MEDIA_EXTENSIONS = {
    "image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "video/mp4": "mp4", "video/3gpp": "3gp",
    "audio/ogg": "ogg", "audio/mpeg": "mp3", "audio/mp4": "m4a", "audio/aac": "aac", "audio/amr": "amr",
    "application/pdf": "pdf", "text/plain": "txt",
}


@dataclass(frozen=True)
class RenderContext:
    """What the renderer may know beyond the message: the text of the message it quotes, if we have it."""

    quoted_text: str | None = None


def _s(value: object, limit: int = 2000) -> str:
    """A payload value as escaped text (non-strings become empty)."""
    return escape_mrkdwn(str(value)[:limit]) if isinstance(value, str | int | float) and value != "" else ""


def _posts(text: str) -> list[SlackWrite]:
    parts = split_for_slack(text)
    if len(parts) == 1:
        return [ThreadPost(text=parts[0])]
    return [ThreadPost(text=f"{part}\n_({i}/{len(parts)})_") for i, part in enumerate(parts, start=1)]


def render_text(message: InboundMessage, _ctx: RenderContext) -> list[SlackWrite]:
    body = message.content.get("body")
    return _posts(whatsapp_to_mrkdwn(body) if isinstance(body, str) and body else "_(empty message)_")


def render_media(message: InboundMessage, _ctx: RenderContext) -> list[SlackWrite]:
    media = message.content
    media_id = media.get("id")
    mime = str(media.get("mime_type") or "application/octet-stream")
    caption = whatsapp_to_mrkdwn(str(media.get("caption") or ""))
    label = {"audio": "🎤 Voice message" if media.get("voice") else "🎵 Audio", "sticker": "Sticker"}.get(
        message.type, "")
    if not isinstance(media_id, str) or not media_id:
        return [ThreadPost(text=f"_{message.type} without a media id: nothing to show_")]
    base_mime = mime.split(";")[0].strip().lower()
    filename = str(media.get("filename") or f"{message.type}-{media_id[-8:]}.{MEDIA_EXTENSIONS.get(base_mime, 'bin')}")
    url = media.get("url") if isinstance(media.get("url"), str) else None
    return [MediaUpload(media_id=media_id, mime_type=mime, filename=filename[:200],
                        caption=caption or (f"_{label}_" if label else ""), media_url=url)]


def render_location(message: InboundMessage, _ctx: RenderContext) -> list[SlackWrite]:
    place = message.content
    lat, lon = place.get("latitude"), place.get("longitude")
    lines = ["📍 *Location*"]
    if place.get("name"):
        lines.append(_s(place.get("name")))
    if place.get("address"):
        lines.append(_s(place.get("address")))
    if isinstance(lat, int | float) and isinstance(lon, int | float):
        lines.append(f"<https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=16/{lat}/{lon}|{lat}, {lon}>")
    return [ThreadPost(text="\n".join(lines))]


def render_contacts(message: InboundMessage, _ctx: RenderContext) -> list[SlackWrite]:
    cards = message.raw.get("contacts") if isinstance(message.raw.get("contacts"), list) else []
    lines = [f"👤 *Shared {len(cards)} contact{'s' if len(cards) != 1 else ''}*"]
    for card in cards:
        card = card if isinstance(card, dict) else {}
        name = card.get("name") if isinstance(card.get("name"), dict) else {}
        lines.append(f"• *{_s(name.get('formatted_name') or name.get('first_name') or 'No name')}*")
        for phone in card.get("phones") or []:
            if isinstance(phone, dict) and phone.get("phone"):
                kind = f" ({_s(phone['type'])})" if phone.get("type") else ""
                lines.append(f"    📞 {_s(phone.get('phone'))}{kind}")
        for email in card.get("emails") or []:
            if isinstance(email, dict) and email.get("email"):
                lines.append(f"    ✉️ {_s(email.get('email'))}")
        org = card.get("org") if isinstance(card.get("org"), dict) else {}
        if org.get("company"):
            lines.append(f"    🏢 {_s(org.get('company'))}")
    return _posts("\n".join(lines))


def render_interactive(message: InboundMessage, _ctx: RenderContext) -> list[SlackWrite]:
    reply = message.content
    kind = reply.get("type")
    if kind in ("button_reply", "list_reply"):
        choice = reply.get(kind) if isinstance(reply.get(kind), dict) else {}
        text = f"☑️ Chose *{_s(choice.get('title'))}*"
        if choice.get("description"):
            text += f" — {_s(choice.get('description'))}"
        return [ThreadPost(text=text)]
    if kind == "nfm_reply":
        flow = reply.get("nfm_reply") if isinstance(reply.get("nfm_reply"), dict) else {}
        try:
            answers = json.loads(flow.get("response_json") or "{}")
        except (TypeError, ValueError):
            answers = {}
        lines = ["📝 *Form answered*"]
        if isinstance(answers, dict):
            lines += [f"• {_s(k, 100)}: {_s(v if not isinstance(v, dict | list) else json.dumps(v), 500)}"
                      for k, v in answers.items() if k != "flow_token"]
        return _posts("\n".join(lines))
    return [ThreadPost(text=f"_Interactive reply of kind {_s(kind) or 'unknown'}_")]


def render_button(message: InboundMessage, _ctx: RenderContext) -> list[SlackWrite]:
    return [ThreadPost(text=f"☑️ Tapped *{_s(message.content.get('text') or message.content.get('payload'))}*")]


def render_order(message: InboundMessage, _ctx: RenderContext) -> list[SlackWrite]:
    order = message.content
    lines = ["🛒 *Order*"]
    totals: dict[str, float] = {}
    for item in order.get("product_items") or []:
        if not isinstance(item, dict):
            continue
        quantity, price = item.get("quantity") or 0, item.get("item_price") or 0
        currency = str(item.get("currency") or "")
        lines.append(f"• {_s(item.get('product_retailer_id'))} × {_s(quantity)} at {_s(price)} {_s(currency)}")
        if isinstance(quantity, int | float) and isinstance(price, int | float):
            totals[currency] = totals.get(currency, 0) + quantity * price
    if totals:
        lines.append("Total: " + ", ".join(f"{amount:g} {_s(cur)}" for cur, amount in totals.items()))
    if order.get("text"):
        lines.append(_s(order.get("text")))
    return _posts("\n".join(lines))


def render_reaction(message: InboundMessage, _ctx: RenderContext) -> list[SlackWrite]:
    target = message.content.get("message_id")
    emoji = message.content.get("emoji")
    if not isinstance(target, str):
        return [ThreadPost(text="_A reaction to a message we cannot find_")]
    return [Reaction(target_wamid=target, emoji=emoji if isinstance(emoji, str) else "", remove=not emoji)]


def render_edit(message: InboundMessage, ctx: RenderContext) -> list[SlackWrite]:
    target = message.content.get("original_message_id")
    new = message.content.get("message") if isinstance(message.content.get("message"), dict) else {}
    kind = new.get("type")
    body = new.get(kind) if isinstance(new.get(kind), dict) else {}
    text = body.get("body") if kind == "text" else body.get("caption")
    if not isinstance(target, str):
        return [ThreadPost(text="_An edit of a message we cannot find_")]
    rendered = whatsapp_to_mrkdwn(text) if isinstance(text, str) else "_(no text)_"
    return [CopyUpdate(target_wamid=target, text=f"{rendered} _(edited)_")]


def render_revoke(message: InboundMessage, _ctx: RenderContext) -> list[SlackWrite]:
    target = message.content.get("original_message_id")
    if not isinstance(target, str):
        return [ThreadPost(text="_A deleted message we cannot find_")]
    return [CopyUpdate(target_wamid=target, text="🚫 _This message was deleted by the candidate._")]


def render_system(message: InboundMessage, _ctx: RenderContext) -> list[SlackWrite]:
    return [ThreadPost(text=f"ℹ️ {_s(message.content.get('body')) or 'System notice'}", as_candidate=False)]


def render_request_welcome(message: InboundMessage, _ctx: RenderContext) -> list[SlackWrite]:
    return [ThreadPost(text="👋 _Opened the chat for the first time (no message yet)._")]


def render_unsupported(message: InboundMessage, _ctx: RenderContext) -> list[SlackWrite]:
    inner = message.content.get("type") if isinstance(message.content, dict) else None
    what = f"a {escape_mrkdwn(str(inner))} message" if inner else "a message WhatsApp cannot show here"
    return [ThreadPost(text=f"⚠️ The candidate sent {what}. Ask them to send it another way."
                            + _error_lines(message.errors), as_candidate=False)]


def _error_lines(errors: tuple[MetaErrorInfo, ...]) -> str:
    return "".join(f"\n> Meta {e.code or '?'}: {_s(e.title or e.message or 'error')}"
                   + (f" — {_s(e.details)}" if e.details else "") for e in errors)


RENDERERS: dict[str, Callable[[InboundMessage, RenderContext], list[SlackWrite]]] = {
    "text": render_text, **{t: render_media for t in MEDIA_TYPES}, "location": render_location,
    "contacts": render_contacts, "interactive": render_interactive, "button": render_button,
    "order": render_order, "reaction": render_reaction, "edit": render_edit, "revoke": render_revoke,
    "system": render_system, "request_welcome": render_request_welcome, "unsupported": render_unsupported,
}


def _decorate(message: InboundMessage, ctx: RenderContext, writes: list[SlackWrite]) -> list[SlackWrite]:
    """Forwarded marks, the quoted message, an ad referral, message-level errors: around the first post."""
    before: list[str] = []
    if message.frequently_forwarded:
        before.append("_↪↪ Forwarded many times_")
    elif message.forwarded:
        before.append("_↪ Forwarded_")
    if message.context_id and message.type not in ("reaction", "edit", "revoke"):
        quoted = ctx.quoted_text
        before.append("> " + (escape_mrkdwn(quoted[:200]).replace("\n", " ") if quoted else "_(an earlier message)_"))
    referral = message.referral
    if referral:
        headline = _s(referral.get("headline") or referral.get("body") or "an ad", 300)
        source = referral.get("source_url")
        link = f" (<{source}|{_s(referral.get('source_type') or 'ad')}>)" if isinstance(source, str) and \
            source.startswith("https://") and "|" not in source and ">" not in source else ""
        before.append(f"📣 Came from the ad *{headline}*{link}")
    after = _error_lines(message.errors) if message.errors and message.type != "unsupported" else ""
    if not before and not after:
        return writes
    first = writes[0] if writes else None
    prefix = "\n".join(before)
    if isinstance(first, ThreadPost):
        return [ThreadPost(text="\n".join(filter(None, [prefix, first.text])) + after,
                           as_candidate=first.as_candidate), *writes[1:]]
    note = ThreadPost(text=(prefix + after).strip())
    return [note, *writes]


def render_inbound(message: InboundMessage, ctx: RenderContext | None = None) -> list[SlackWrite]:
    """The Slack writes for one candidate message; never empty, never raises on odd payloads."""
    ctx = ctx or RenderContext()
    renderer = RENDERERS.get(message.type)
    if renderer is None:
        writes: list[SlackWrite] = [ThreadPost(text=f"⚠️ Unsupported message type {escape_mrkdwn(message.type)}; "
                                                    "the raw payload is kept in the webhook inspector.",
                                               as_candidate=False)]
    else:
        writes = renderer(message, ctx)
    return _decorate(message, ctx, writes)


def summary_text(message: InboundMessage) -> str | None:
    """A short plain text of the message, kept on the message row (quotes, search, the Home tab)."""
    content = message.content
    if message.type == "text":
        return str(content.get("body") or "")[:1000]
    if message.type in MEDIA_TYPES:
        return str(content.get("caption") or f"[{message.type}]")[:1000]
    if message.type == "location":
        return f"[location] {content.get('name') or ''}".strip()
    if message.type in ("button", "interactive"):
        reply = content.get(content.get("type")) if message.type == "interactive" else content
        return f"[choice] {(reply or {}).get('title') or (reply or {}).get('text') or ''}".strip()
    return f"[{message.type}]"
