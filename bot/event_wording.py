"""What the channel and the connector are told about account-level events from Meta (reference 3.8)."""

from __future__ import annotations

from typing import Any

from bot.mrkdwn import escape_mrkdwn

ACCOUNT_EVENTS = {
    "PARTNER_REMOVED": "The business removed waslack's access in Meta Business Suite.",
    "PARTNER_APP_UNINSTALLED": "waslack's access to this WhatsApp Business account was removed.",
    "ACCOUNT_DELETED": "The WhatsApp Business account was deleted.",
    "ACCOUNT_OFFBOARDED": "The WhatsApp Business account was moved off the Cloud API.",
    "DISABLED_UPDATE": "Meta disabled the WhatsApp Business account.",
    "ACCOUNT_RESTRICTION": "Meta restricted what this WhatsApp Business account can send.",
    "ACCOUNT_VIOLATION": "Meta reported a policy violation on this WhatsApp Business account.",
    "ACCOUNT_RECONNECTED": "The WhatsApp Business account is reconnected.",
}
WHAT_TO_DO = {
    "PARTNER_REMOVED": "Messages are no longer relayed. An admin reconnects it from the waslack Home tab.",
    "PARTNER_APP_UNINSTALLED": "Messages are no longer relayed. An admin reconnects it from the waslack Home tab.",
    "ACCOUNT_DELETED": "Messages are no longer relayed; conversations so far stay in this channel.",
    "ACCOUNT_OFFBOARDED": "Messages are no longer relayed; conversations so far stay in this channel.",
    "DISABLED_UPDATE": "Candidates' messages may not arrive and replies will fail. Check WhatsApp Manager.",
    "ACCOUNT_RESTRICTION": "Some messages will fail until the restriction ends. Check WhatsApp Manager.",
    "ACCOUNT_VIOLATION": "Check WhatsApp Manager for what Meta found and how to appeal.",
    "ACCOUNT_RECONNECTED": "Messages are relayed again.",
}
QUALITY_EVENTS = {
    "FLAGGED": "🟠 WhatsApp flagged this number's quality: candidates have been blocking or reporting its messages. "
               "Send fewer unsolicited templates for a while.",
    "UNFLAGGED": "🟢 WhatsApp no longer flags this number's quality.",
    "THROUGHPUT_UPGRADE": "🚀 WhatsApp raised this number's sending speed.",
    "UPGRADE": "🚀 WhatsApp raised this number's messaging limit.",
    "DOWNGRADE": "🟠 WhatsApp lowered this number's messaging limit.",
}


def _detail(value: dict[str, Any], key: str) -> str | None:
    info = value.get(key)
    if isinstance(info, dict):
        parts = [str(v) for v in info.values() if isinstance(v, str | int) and not isinstance(v, bool)]
        return ", ".join(parts)[:300] or None
    return None


def account_event_reason(event: str, value: dict[str, Any]) -> str:
    """A short stored reason (Home tab): Meta's event and whatever detail it gave."""
    detail = (_detail(value, "disconnection_info") or _detail(value, "ban_info")
              or _detail(value, "restriction_info") or _detail(value, "violation_info"))
    return f"{event}: {detail}" if detail else event


def account_event_notice(event: str, reason: str, account_name: str | None) -> str:
    what = ACCOUNT_EVENTS.get(event, f"Meta reported {escape_mrkdwn(event)}.")
    todo = WHAT_TO_DO.get(event, "")
    name = f" ({escape_mrkdwn(account_name)})" if account_name else ""
    return f"⚠️ *WhatsApp Business account{name}:* {what} {todo} _(Meta: {escape_mrkdwn(reason)})_".strip()


def quality_notice(event: str, current_limit: object) -> str:
    text = QUALITY_EVENTS.get(event, f"WhatsApp reported a quality change for this number ({escape_mrkdwn(event)}).")
    if isinstance(current_limit, str) and current_limit:
        text += f" Messaging limit now: {escape_mrkdwn(current_limit.replace('_', ' ').lower())}."
    return text


def name_notice(decision: str, requested: object, rejection: object) -> str:
    name = escape_mrkdwn(str(requested)) if isinstance(requested, str) else "the requested name"
    if decision == "APPROVED":
        return f"✅ WhatsApp approved the display name *{name}*; candidates see it from now on."
    why = f" Reason: {escape_mrkdwn(str(rejection))}." if isinstance(rejection, str) and rejection else ""
    return f"⚠️ WhatsApp did not approve the display name *{name}* ({escape_mrkdwn(decision.lower())}).{why}"


def template_notice(field: str, value: dict[str, Any]) -> str:
    name = escape_mrkdwn(str(value.get("message_template_name") or value.get("message_template_id") or "a template"))
    language = value.get("message_template_language")
    label = f"*{name}*" + (f" ({escape_mrkdwn(str(language))})" if language else "")
    if field == "message_template_status_update":
        event = escape_mrkdwn(str(value.get("event") or "updated")).lower()
        reason = value.get("reason")
        why = f" Reason: {escape_mrkdwn(str(reason))}." if reason and reason != "NONE" else ""
        return f"📄 Template {label} is now {event}.{why}"
    if field == "message_template_quality_update":
        score = escape_mrkdwn(str(value.get("new_quality_score") or "unknown")).lower()
        return f"📄 Template {label}: quality is now {score}."
    if field == "template_category_update":
        category = escape_mrkdwn(str(value.get("new_category") or "another category")).lower()
        return f"📄 Template {label} was moved to the {category} category (its price may change)."
    return f"📄 Template {label} was changed in WhatsApp Manager."


def preference_notice(stopped: bool) -> str:
    if stopped:
        return ("🔕 The candidate stopped marketing messages from this business. Replies and utility templates "
                "still reach them; marketing templates will be refused.")
    return "🔔 The candidate accepts marketing messages again."


def call_notice(status: object, duration: object) -> str:
    if status in ("COMPLETED", "completed") and isinstance(duration, int):
        return f"📞 The candidate called on WhatsApp ({duration} s)."
    return "📞 Missed WhatsApp call from the candidate."
