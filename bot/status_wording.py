"""What Meta's error codes mean to a recruiter and what to do about them: one table for failed statuses of
inbound webhooks and for send errors of the outbound relay (reference 4.5)."""

from __future__ import annotations

from collections.abc import Iterable

from bot.mrkdwn import escape_mrkdwn
from whatsapp.webhook_models import MetaErrorInfo

# code → (what happened, what to do)
ERROR_ADVICE: dict[int, tuple[str, str]] = {
    190: ("WhatsApp no longer accepts this number's connection.", "An admin reconnects the number from the Home tab."),
    131026: ("The candidate's number is not on WhatsApp, or cannot receive this message.",
             "Check the number with the candidate, or reach them another way."),
    131042: ("The WhatsApp Business account has no valid payment method.",
             "Add a payment method in WhatsApp Manager, then send again."),
    131047: ("More than 24 hours have passed since the candidate last wrote.",
             "Send an approved template with `/template`; free text works again once they answer."),
    131049: ("WhatsApp held this message back to keep engagement healthy (too many marketing messages).",
             "Wait before messaging this candidate again, or use a utility template."),
    131050: ("The candidate has stopped marketing messages from this business.",
             "Do not send marketing templates; they can still get replies within 24 hours of writing."),
    131051: ("WhatsApp does not support this message type.", "Send it another way (text or a document)."),
    131052: ("WhatsApp could not download the media.", "Send the file again, or as a smaller document."),
    131053: ("WhatsApp could not process the media (wrong type or too large).",
             "Send a supported file type within WhatsApp's size limits."),
    131056: ("Too many messages to this candidate in a short time.", "waslack retries on its own; nothing to do."),
    130429: ("The number hit WhatsApp's sending rate limit.", "waslack retries on its own; nothing to do."),
    131031: ("The WhatsApp Business account is locked or restricted.", "An admin checks WhatsApp Manager."),
    131062: ("This candidate can only be reached by phone number, not by username.",
             "Ask the candidate for their phone number."),
    131060: ("WhatsApp cannot show this message yet.", "Ask the candidate to send it again."),
    132001: ("The template does not exist in that language.", "Pick another template or language."),
    132015: ("The template is paused for low quality.", "Use another template for now."),
    132016: ("The template is disabled.", "Use another template."),
    368: ("The WhatsApp Business account is restricted for policy violations.", "An admin checks WhatsApp Manager."),
}


def advice_for(code: int | None) -> tuple[str, str] | None:
    return ERROR_ADVICE.get(code) if code is not None else None


def describe_error(code: int | None, title: str | None = None, details: str | None = None) -> str:
    """One mrkdwn paragraph: what happened and what to do (Meta's own words when we have no advice)."""
    advice = advice_for(code)
    label = f"(Meta error {code})" if code is not None else "(Meta error)"
    if advice:
        return f"{advice[0]} {advice[1]} _{label}_"
    said = escape_mrkdwn(" — ".join(filter(None, [title, details])) or "no details")
    return f"WhatsApp said: {said} _{label}_"


def failed_status_notice(errors: Iterable[MetaErrorInfo]) -> str:
    """The thread reply for a message WhatsApp reports as failed."""
    errors = list(errors)
    if not errors:
        return "⚠️ *Not delivered.* WhatsApp gave no reason."
    first = errors[0]
    return f"⚠️ *Not delivered.* {describe_error(first.code, first.title or first.message, first.details)}"


def outbox_gave_up(kind: str, reason: str) -> str:
    """A candidate's message or file that waslack could not put in the thread after every attempt."""
    what = "file" if kind == "upload" else "message"
    return (f"⚠️ A {what} from the candidate could not be shown here after several attempts "
            f"({escape_mrkdwn(reason[:200])}). It is kept in the Webhook inspector; ask them to send it again.")


def send_failed_notice(code: int | None, title: str | None = None, details: str | None = None) -> str:
    """The thread reply, for everyone in the channel, when Meta refuses a recruiter's reply."""
    return f"⚠️ *Your reply was not sent to the candidate.* {describe_error(code, title, details)}"


def file_refused_notice(filename: str, reason: str, *, with_caption: bool = False) -> str:
    """A file in a recruiter's reply that WhatsApp cannot take, with the reason (and its text, if it carried it)."""
    text = f"⚠️ *{escape_mrkdwn(filename)} was not sent to the candidate:* {escape_mrkdwn(reason)}"
    return text + (" The reply's text went with the file, so it was not sent either." if with_caption else "")


def outcome_unknown_notice(minutes: int) -> str:
    """A reply whose send got no answer from Meta and no status within ``minutes``: it is not sent again."""
    return (f"⚠️ *This reply may or may not have reached the candidate.* WhatsApp did not answer and sent no "
            f"status within {minutes} minute{'s' if minutes != 1 else ''}. waslack does not send it again (that "
            "could deliver it twice); ask the candidate, or send it again yourself.")


def reply_gave_up(reason: str) -> str:
    """A recruiter's reply that failed every attempt for a reason WhatsApp did not name."""
    return (f"⚠️ *Your reply was not sent to the candidate* after several attempts ({escape_mrkdwn(reason[:200])}). "
            "Try again later.")


def reply_not_sendable(reason: str) -> str:
    """A reply in a thread whose number cannot send (disconnected, paused, no token)."""
    return f"⚠️ *Your reply was not sent to the candidate:* {escape_mrkdwn(reason)}."
