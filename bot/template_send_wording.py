"""What recruiters read about /template sends: the sent template in the candidate's thread, why a recipient was
refused or failed, and the one summary a bulk send posts in the number's channel."""

from __future__ import annotations

from collections.abc import Sequence

from bot.mrkdwn import escape_mrkdwn
from bot.status_wording import describe_error

MAX_LISTED_FAILURES = 50  # a summary names this many failures, then counts the rest

NUMBER_NOT_SENDING = "the number is disconnected or paused, so it cannot send templates"
NOT_ON_THIS_NUMBER = "this conversation belongs to another number"
NO_ADDRESS = "the candidate has neither a phone number nor a WhatsApp user id"
NO_RECIPIENT = "no conversation or phone number was given"
NO_TOKEN = "the number has no business token (reconnect it)"


def opted_out_of_marketing(template_name: str) -> str:
    """Why a marketing template is refused for a candidate who stopped marketing messages."""
    return (f"the candidate stopped marketing messages from this business, so the marketing template "
            f"{template_name} is not sent to them")


def sent_in_thread(template_name: str, user_id: str, preview_text: str) -> str:
    """The sent template as its thread shows it: who sent which template, then its text as the candidate sees it."""
    head = f"📨 *{escape_mrkdwn(template_name)}* sent by <@{user_id}>"
    return f"{head}\n{preview_text}" if preview_text else head


def send_failed(template_name: str, label: str, reason: str) -> str:
    """A single recipient's template that did not go out, with why (and what to do when Meta said why)."""
    return f"⚠️ *The template {escape_mrkdwn(template_name)} was not sent to {escape_mrkdwn(label)}:* {reason}"


def meta_refused(code: int | None, message: str | None, details: str | None) -> str:
    """Meta's refusal of a send, in the words of the shared error table."""
    return describe_error(code, message, details)


def outcome_unknown(minutes: int) -> str:
    return (f"WhatsApp did not answer and sent no status within {minutes} minute{'s' if minutes != 1 else ''}; "
            "it may or may not have arrived, and waslack does not send it again (that could deliver it twice)")


def gave_up(reason: str) -> str:
    return f"every attempt met a rate limit or a temporary failure ({escape_mrkdwn(reason[:200])}); try again later"


def summary(template_name: str, user_id: str, sent: int, failed: Sequence[tuple[str, str]]) -> str:
    """The one message a bulk send posts in the number's channel: counts, then each failure and its reason."""
    total = sent + len(failed)
    lines = [f"📨 *{escape_mrkdwn(template_name)}* sent by <@{user_id}> to {total} recipient"
             f"{'s' if total != 1 else ''}: *{sent} sent*, *{len(failed)} failed*."]
    for label, reason in failed[:MAX_LISTED_FAILURES]:
        lines.append(f"• {escape_mrkdwn(label)}: {reason}")
    if len(failed) > MAX_LISTED_FAILURES:
        lines.append(f"…and {len(failed) - MAX_LISTED_FAILURES} more failures.")
    return "\n".join(lines)
