"""What recruiters read in the /template modal: labels, hints, notices, inline errors and the confirmation.
Part of the Slack wording (see bot/wording.py)."""

from __future__ import annotations

from bot.mrkdwn import escape_mrkdwn

TITLE = "Send a template"
LOADING_TITLE = "Send a template"
LOADING = ":hourglass_flowing_sand: Loading your numbers and templates…"
SUBMIT = "Send"
CLOSE = "Cancel"
DONE = "Close"

NUMBER_LABEL = "Send from"
RECIPIENTS_LABEL = "To"
MODE_CONVERSATION = "An existing conversation"
MODE_NEW = "A new number"
MODE_BULK = "Several numbers"
CONVERSATION_LABEL = "Conversation"
CONVERSATION_PLACEHOLDER = "Search by name or number"
NEW_NUMBER_LABEL = "WhatsApp number"
NEW_NUMBER_PLACEHOLDER = "+49 151 12345678"
NEW_NUMBER_HINT = "In international form, with the country code: +44 7700 900123."
BULK_LABEL = "Numbers"
BULK_PLACEHOLDER = "+447700900123\n+4915112345678"
BULK_HINT = ("One number per line, or separated by commas or semicolons. For a CSV, start with a header row: a "
             "phone column, then columns named after the template's variables (1, 2 or first_name) for values "
             "that differ per candidate.")
BULK_FILE_LABEL = "Or attach a CSV"
BULK_FILE_HINT = "For long lists (up to 5,000 numbers): the same layout as above, in a .csv or .txt file."
TEMPLATE_LABEL = "Template"
TEMPLATE_PLACEHOLDER = "Pick an approved template"
PREVIEW_HEADING = "*Preview*"
PREVIEW_NOTE = "What the candidate will read. The template appears in each candidate's thread."
PICK_A_TEMPLATE = "_Pick a template to see it here._"

NO_NUMBER = (":information_source: No WhatsApp number is connected in this workspace yet. Open my *Home* tab "
             "and press *Connect WhatsApp Business*; then come back to /template.")
NO_TEMPLATES = (":information_source: This number has no approved templates yet. Create them in WhatsApp "
                "Manager; once Meta has approved them, press *Refresh templates* on my *Home* tab.")
NOT_ALLOWED = (":no_entry: You can send templates only from numbers whose channel you are in. Ask someone in "
               "the number's channel to invite you.")
FAILED_TO_LOAD = ":warning: Something went wrong while loading the templates. Close this and try again."
UNSUPPORTED_HEADER = "This template's {kind} header can't be filled in from Slack. Pick another template."


def unknown_template(name: str) -> str:
    return (f":warning: There is no approved template named `{escape_mrkdwn(name)}` on this number. "
            "Pick one below, or press *Refresh templates* on my *Home* tab if it was approved just now.")


def parameter_label(part: str, name: str, button_text: str | None = None) -> str:
    if part == "header_text":
        return f"Header: {{{{{name}}}}}"
    if part == "header_media":
        return {"image": "Header image (link)", "video": "Header video (link)",
                "document": "Header document (link)"}.get(name, "Header media (link)")
    if part == "button_url":
        return f"Button “{button_text}”: end of the link" if button_text else "Button link: end of the link"
    if part == "copy_code":
        return "Code to copy"
    return f"Variable {{{{{name}}}}}"


def parameter_hint(part: str, example: str | None, url_prefix: str | None = None) -> str | None:
    if part == "header_media":
        return "An https:// link Meta can download without signing in (a Slack file link won't work)."
    if part == "button_url" and url_prefix:
        return f"Added after {url_prefix}" + (f" (for example {example})" if example else "")
    return f"For example: {example}" if example else None


# ---- inline errors (view_submission response_action "errors": block_id -> message) ------------------------

PICK_NUMBER = "Pick the number to send from."
PICK_CONVERSATION = "Pick a conversation."
CONVERSATION_GONE = "This conversation is not one of this number's. Pick another one."
PICK_TEMPLATE = "Pick a template."
TEMPLATE_GONE = "This template is no longer approved. Pick another one."
NUMBER_PROBLEMS = {
    "national": "Add the country code: +44 7700 900123, not 07700 900123.",
    "empty": "Type a WhatsApp number.",
    "characters": "Use digits only, starting with + and the country code.",
    "length": "This is not a whole phone number: check the digits.",
    "country": "This country code doesn't exist: start with + and the country code.",
}
PARAMETER_PROBLEMS = {
    "missing": "Fill this in: the template needs it.",
    "whitespace": "WhatsApp refuses line breaks, tabs and more than four spaces in a row here.",
    "not_https": "Use an https:// link.",
    "header_too_long": "Too long for a header: at most 60 characters.",
    "code_too_long": "Too long: a code has at most 15 characters.",
    "url_space": "A link can't contain spaces.",
    "too_long": "Too long: at most 1,024 characters.",
}
BULK_EMPTY = "Paste at least one number, or attach a CSV."
FILE_UNREADABLE = "This file couldn't be read: attach a CSV or text file of at most 1 MB, in UTF-8."


def bulk_too_many(limit: int) -> str:
    return f"At most {limit:,} numbers per send. Split the list and send it in parts."


def bulk_bad_lines(problems: list[tuple[int, str, str]]) -> str:
    shown = "; ".join(f"line {line}: “{text[:30]}” ({NUMBER_PROBLEMS.get(reason, reason)})"
                      for line, text, reason in problems[:3])
    more = f" and {len(problems) - 3} more" if len(problems) > 3 else ""
    return f"Fix or remove these numbers: {shown}{more}."[:1900]


def csv_value_problem(line: int, key: str, problem: str) -> str:
    return f"Line {line}, column {key}: {PARAMETER_PROBLEMS.get(problem, problem)}"


def refused(reason: str) -> str:
    return f"Can't send to this candidate: {reason}"


SENDER_BROKEN = "something went wrong on our side and nothing was sent. Press Send again in a moment."
SENDER_SLOW = "it couldn't be confirmed in time. Press Send again: it won't be sent twice."


def sender_failed(problem: str) -> str:
    return f"The template could not be sent: {problem}"


NOT_YOURS = "This modal belongs to someone else."
FORBIDDEN_NUMBER = "You can send only from numbers of this workspace whose channel you are in."

# ---- after the submit ---------------------------------------------------------------------------------------


def confirmation(template: str, accepted: int, refused_count: int, bulk: bool) -> str:
    who = "1 recipient" if accepted == 1 else f"{accepted:,} recipients"
    lines = [f":outbox_tray: Sending *{escape_mrkdwn(template)}* to {who}.",
             "Each one appears in its candidate's thread in the number's channel."]
    if bulk:
        lines.append("A summary with the sent and failed counts follows in the channel.")
    if refused_count:
        lines.append(f":no_entry: {refused_count:,} won't get it (for example, they opted out of marketing "
                     "messages); the summary names them.")
    return "\n".join(lines)


def already_sent(template: str) -> str:
    return (f":white_check_mark: This *{escape_mrkdwn(template)}* send was submitted already; it isn't sent "
            "twice. Follow it in the candidates' threads.")


# ---- the message shortcut and the window-closed button ----------------------------------------------------

NOT_A_THREAD = ("Send template works on a candidate's conversation: use it on the first message of a "
                "candidate's thread in a WhatsApp number's channel.")
CONVERSATION_NOT_FOUND = "This conversation is no longer connected to a number of this workspace."
MODAL_FAILED = ":warning: The template form couldn't be opened. Try /template again."
