"""Every sentence a Slack user reads from waslack: Home tab, notices, DMs, command replies.

Kept together so tone stays consistent and a reviewer can read the whole voice in one place. Values that come
from people or from Meta (names, numbers) are escaped by the caller before they are put into mrkdwn.
"""

from __future__ import annotations

# ---- Home tab ------------------------------------------------------------------------------------------

HOME_TITLE = "WhatsApp for recruiting"
HOME_EMPTY = (
    "Talk to candidates on WhatsApp without leaving Slack. Connect your company's WhatsApp Business number: "
    "each candidate's conversation then appears as a thread in a channel you choose, and your team replies "
    "right in the thread.\n\nConnecting takes a few minutes in a Meta window. You'll need admin access to "
    "your company's Meta Business account."
)
HOME_INTRO = (
    "Candidates' WhatsApp conversations appear as threads in the channel set for each number. "
    "Reply in the thread to answer on WhatsApp."
)
CONNECT_BUTTON = "Connect WhatsApp Business"
CONNECT_HINT = "The connect link works once and expires after 15 minutes; reopen this tab for a fresh one."
RECONNECT_BUTTON = "Reconnect"
DISCONNECT_BUTTON = "Disconnect"
CHANNEL_PLACEHOLDER = "Choose a channel"
INVITE_PLACEHOLDER = "Invite teammates to this channel"
FALLBACK_TEXT = "WhatsApp Business numbers connected to this workspace"

WHATSAPP_MANAGER_URL = "https://business.facebook.com/wa/manage/home/"
WHATSAPP_MANAGER = f"<{WHATSAPP_MANAGER_URL}|WhatsApp Manager>"

STATUS_LABELS = {
    "active": ":large_green_circle: Active",
    "pending": ":large_yellow_circle: Pending",
    "disconnected": ":white_circle: Disconnected",
    "error": ":red_circle: Error",
    "payment_missing": ":red_circle: Payment method missing — messages can't be sent",
    "blocked": ":red_circle: Blocked by Meta — messages can't be sent",
    "limited": ":large_yellow_circle: Active, limited by Meta",
}
STATUS_UNKNOWN = ":grey_question: Unknown"

# Meta's quality rating of a number (GREEN / YELLOW / RED; UNKNOWN or missing for new numbers), in the
# terms that matter to a recruiter: how candidates react to the messages, and what happens next.
QUALITY_LABELS = {
    "GREEN": "High — candidates rarely block or report these messages",
    "YELLOW": "Medium — some candidates block or report these messages; keep them relevant",
    "RED": "Low — many candidates block or report these messages; Meta may soon limit how many you can send",
}
QUALITY_UNRATED = "Not rated yet — Meta rates a number once it has sent messages for a while"

# Why a number is not simply "active": shown under it in the Home tab
DETAIL_CHOOSE_NUMBER = "Not connected yet: press Reconnect and choose this number to use it."
DETAIL_REGISTRATION_WAIT = (
    "Meta is holding this number's registration for up to 72 hours; we'll retry automatically."
)
DETAIL_REGISTRATION_PENDING = "Registration with WhatsApp is still in progress."
DETAIL_REGISTRATION_FAILED = "WhatsApp would not register this number. Press Reconnect to try again."
DETAIL_ACCOUNT_ERROR = "Something went wrong with this account. Press Reconnect to fix it."
DETAIL_DISCONNECTED = "Messages are no longer relayed. Press Reconnect to connect it again."
DETAIL_SUBSCRIPTION_PENDING = "Waiting for Meta to start sending us messages; we retry automatically."
DETAIL_PAYMENT_MISSING = (
    f"Meta blocks every message until this WhatsApp Business account has a payment method. Add one in "
    f"{WHATSAPP_MANAGER} (Overview, then Add payment method), then press Check again."
)
DETAIL_BLOCKED = (
    f"Meta is blocking messages from this number. {WHATSAPP_MANAGER} says why; once it's fixed, press "
    "Check again."
)
DETAIL_LIMITED = (
    f"Meta limits what this number can send (often until the business is verified). See {WHATSAPP_MANAGER}."
)
DETAIL_TOKEN_INVALID = "Meta no longer accepts waslack's access to this account. Press Reconnect to fix it."
CHECK_AGAIN_BUTTON = "Check again"


def number_title(display_phone_number: str | None, verified_name: str | None) -> str:
    number = display_phone_number or "Number not known yet"
    return f"*{number}* · {verified_name}" if verified_name else f"*{number}*"


def status_line(status_label: str, quality_label: str) -> str:
    return f"{status_label}\nQuality: {quality_label}"


def channel_line(channel_id: str | None) -> str:
    if channel_id is None:
        return ":warning: No channel yet: choose where conversations go."
    return f"Conversations go to <#{channel_id}>"


def connected_by_line(user_id: str | None, connected_at_epoch: int | None, fallback_date: str | None) -> str:
    who = f"<@{user_id}>" if user_id else "someone"
    if connected_at_epoch is None:
        return f"Connected by {who}"
    when = f"<!date^{connected_at_epoch}^{{date_short_pretty}} at {{time}}|{fallback_date}>"
    return f"Connected by {who} on {when}"


def managed_by_line(user_id: str | None) -> str:
    if user_id:
        return f"Only workspace admins and <@{user_id}> can change or disconnect this number."
    return "Only workspace admins can change or disconnect this number."


def confirm_disconnect_text(numbers: list[str]) -> str:
    listed = ", ".join(numbers) if numbers else "this number"
    return (
        f"Conversations with {listed} will stop arriving in Slack and replies will no longer be sent. "
        "Earlier threads stay where they are. You can reconnect later."
    )


CONFIRM_DISCONNECT_TITLE = "Disconnect this number?"
CONFIRM_DISCONNECT_YES = "Disconnect"
CONFIRM_DISCONNECT_NO = "Cancel"


def page_line(page: int, pages: int) -> str:
    return f"Page {page + 1} of {pages}"


PAGE_PREVIOUS = "Previous"
PAGE_NEXT = "Next"

# ---- notices shown at the top of one person's Home tab after something they did ---------------------------

NOTICE_NOT_ALLOWED = (
    ":no_entry: Only workspace admins and the person who connected this number can change or disconnect it."
)
NOTICE_NOT_FOUND = ":grey_question: That number is no longer connected to this workspace."


def notice_invite_needed(channel_id: str) -> str:
    return (
        f":wave: I can't see <#{channel_id}> yet because it's private. Invite me first (type `/invite @` "
        "and my name in that channel), then choose it again here. Nothing was changed."
    )


def notice_channel_unavailable(channel_id: str) -> str:
    return (
        f":warning: I couldn't use <#{channel_id}> (it may be archived). Choose another channel. "
        "Nothing was changed."
    )


NOTICE_FAILED = ":warning: That didn't work. Please try again in a moment. Nothing was changed."

# conversations.invite errors about one person, as "<@U…> <reason>"
INVITE_PERSON_ERRORS = {
    "user_not_found": "isn't in this workspace any more",
    "cant_invite_self": "is me, and I'm already there",
    "user_is_restricted": "is a guest and can only join channels an admin allows",
    "user_is_ultra_restricted": "is a single-channel guest and can't join another channel",
    "ura_max_channels": "is a guest who is already in as many channels as allowed",
    "cant_invite": "can't be invited to this channel",
    "user_is_bot": "is an app, not a person",
}
INVITE_PERSON_UNKNOWN = "couldn't be invited (Slack said `{error}`)"

# conversations.invite errors about the channel: nobody could be invited
INVITE_CHANNEL_ERRORS = {
    "not_in_channel": "I'm no longer a member of <#{channel}>. Add me back (type `/invite @` and my name there), "
                      "then invite your teammates again.",
    "channel_not_found": "I can't see <#{channel}> any more: if it's private, someone removed me. Add me back "
                         "(type `/invite @` and my name there) or choose another channel.",
    "is_archived": "<#{channel}> is archived. Choose another channel for this number first.",
    "restricted_action": "Your workspace's settings don't let apps invite people to <#{channel}>. "
                         "Invite them from the channel itself.",
    "missing_scope": "I'm missing a permission to invite people. Ask an admin to reinstall the app.",
}
INVITE_CHANNEL_UNKNOWN = "Slack wouldn't let me invite anyone to <#{channel}> (it said `{error}`)."


def notice_invited(
    channel_id: str, invited: list[str], already_in: list[str], failed: list[tuple[str, str]]
) -> str:
    """What happened to each person chosen in a number's invite menu."""

    def people(user_ids: list[str]) -> str:
        return ", ".join(f"<@{u}>" for u in user_ids)

    lines = []
    if invited:
        lines.append(f":white_check_mark: Invited {people(invited)} to <#{channel_id}>.")
    if already_in:
        verb = "was" if len(already_in) == 1 else "were"
        lines.append(f":information_source: {people(already_in)} {verb} already in <#{channel_id}>.")
    for user_id, error in failed:
        reason = INVITE_PERSON_ERRORS.get(error) or INVITE_PERSON_UNKNOWN.format(error=error)
        lines.append(f":warning: <@{user_id}> {reason}.")
    return "\n".join(lines) or f"Nobody was chosen, so nobody was invited to <#{channel_id}>."


def notice_invite_refused(channel_id: str, error: str) -> str:
    template = INVITE_CHANNEL_ERRORS.get(error, INVITE_CHANNEL_UNKNOWN)
    return ":warning: " + template.format(channel=channel_id, error=error) + " Nobody was invited."


NOTICE_CHECKED = {
    "available": ":white_check_mark: Meta says this number can send messages now.",
    "limited": ":large_yellow_circle: Meta says this number can send, with limits.",
    "payment_missing": ":credit_card: Meta still sees no payment method for this WhatsApp Business account.",
    "blocked": ":no_entry: Meta is still blocking messages from this number.",
    "unknown": ":grey_question: Meta didn't say whether this number can send messages.",
}
NOTICE_CHECK_FAILED = {
    "token_invalid": ":warning: Meta no longer accepts waslack's access to this account. Press Reconnect.",
    "no_token": ":warning: This account is disconnected. Press Reconnect to connect it again.",
    "meta_error": ":warning: Meta didn't answer. Try Check again in a minute.",
}

NOTICE_NO_CHANNEL_TO_INVITE = ":warning: This number has no channel yet. Choose one first, then invite teammates."

# ---- direct message to the person who connected a number ------------------------------------------------

PAYMENT_REMINDER = (
    ":credit_card: *Payment method missing — messages can't be sent.* Meta says this WhatsApp Business "
    f"account has no payment method yet. Add one in {WHATSAPP_MANAGER} (Overview, then Add payment method); "
    "Meta bills your company directly. Then press Check again in my Home tab."
)

WARNINGS = {
    "subscription_pending": (
        ":hourglass_flowing_sand: Meta hasn't confirmed that it will send us this account's messages yet. "
        "We retry automatically; incoming messages may take a few minutes to start arriving."
    ),
    "registration_wait": (
        ":hourglass_flowing_sand: Meta is blocking registration of this number for up to 72 hours after too "
        "many attempts. We'll retry automatically; until then it can't send or receive messages."
    ),
    "no_channel": (
        ":warning: No channel has been chosen for conversations yet. Pick one in my Home tab; until then "
        "incoming messages wait."
    ),
    "payment_missing": PAYMENT_REMINDER,
    "messaging_blocked": (
        f":no_entry: *Meta is blocking messages from this number.* {WHATSAPP_MANAGER} says why. Once it's "
        "fixed, press Check again in my Home tab."
    ),
}


def connected_headline(count: int, reconnected: bool) -> str:
    verb = "reconnected" if reconnected else "connected"
    noun = "number is" if count == 1 else f"{count} numbers are"
    return f":white_check_mark: Your WhatsApp Business {noun} {verb}."


def connected_number_line(title: str, channel_id: str | None) -> str:
    if channel_id is None:
        return f"• {title}: no channel yet. Pick one in my Home tab."
    return f"• {title}: conversations will appear in <#{channel_id}>."


def connected_fallback(count: int, reconnected: bool) -> str:
    return connected_headline(count, reconnected).removeprefix(":white_check_mark: ")


# ---- commands, shortcuts, authorization --------------------------------------------------------------------

NOT_INSTALLED = (
    ":warning: This app is no longer installed in this workspace. Ask a workspace admin to install it again."
)

INSPECTOR_BUTTON = "Webhook inspector"

SLACK_PROBLEMS = {
    "is_archived": "its channel is archived: unarchive it, or pick another channel here",
    "channel_not_found": "waslack cannot see its channel (deleted, or the bot was removed from a private channel): "
                         "invite @waslack back, or pick another channel here",
    "not_in_channel": "@waslack was removed from its channel: invite it back, or pick another channel here",
}


def slack_problem_text(problem: str) -> str:
    return SLACK_PROBLEMS.get(problem, f"Slack refuses the posts ({problem})")


def slack_problem_line(problem: str) -> str:
    """The Home tab's line under a number whose candidates' messages wait for Slack."""
    return f":warning: *Candidates' messages are waiting, none are lost:* {slack_problem_text(problem)}."


def slack_problem_dm(display_number: str | None, problem: str) -> str:
    """The connector's DM when a number's messages start waiting."""
    number = display_number or "a WhatsApp number"
    return (f":warning: New WhatsApp messages for {number} cannot be posted: {slack_problem_text(problem)}. "
            "They wait and will all be posted, in order, once that is fixed.")


# ---- thread replies to WhatsApp (outbound) ----------------------------------------------------------------

SEND_TEMPLATE_BUTTON = "Send a template"


def window_closed_ephemeral(candidate: str | None) -> str:
    """What the replier alone sees when a free-text reply cannot be sent: the 24-hour window is closed."""
    who = candidate or "The candidate"
    return (f":hourglass: *Not sent.* {who} last wrote more than 24 hours ago (or never has), so WhatsApp only "
            "allows an approved template until they answer. Your reply stays here in the thread.")
