"""What recruiters read about message templates: the list on each number's Home tab card, why a read from
Meta failed, and the notices after Refresh templates. Part of the Slack wording (see bot/wording.py)."""

from __future__ import annotations

from datetime import datetime

from bot.wording import WHATSAPP_MANAGER

# ---- message templates on the Home tab ---------------------------------------------------------------------

REFRESH_TEMPLATES_BUTTON = "Refresh templates"
TEMPLATE_STATUS_LABELS = {
    "APPROVED": ":large_green_circle: Approved",
    "PENDING": ":large_yellow_circle: In review",
    "IN_APPEAL": ":large_yellow_circle: In appeal",
    "REJECTED": ":red_circle: Rejected",
    "PAUSED": ":double_vertical_bar: Paused for low quality",
    "DISABLED": ":no_entry: Disabled",
    "FLAGGED": ":warning: Flagged: quality is dropping",
    "LIMIT_EXCEEDED": ":red_circle: Over Meta's limit",
    "ARCHIVED": ":file_cabinet: Archived",
    "PENDING_DELETION": ":wastebasket: Being deleted",
    "DELETED": ":wastebasket: Deleted",
}
TEMPLATE_CATEGORY_LABELS = {"UTILITY": "Utility", "MARKETING": "Marketing", "AUTHENTICATION": "Authentication"}
# why Meta did not hand over an account's templates (relay/templates/sync.py problem_of)
TEMPLATE_SYNC_PROBLEMS = {
    "token_invalid": "Meta no longer accepts waslack's access to this account. Press Reconnect.",
    "permission_denied": "Meta doesn't let waslack read this account's templates. Press Reconnect and allow it.",
    "throttled": "Meta asked us to slow down. We'll try again in a little while.",
    "unreachable": "Meta couldn't be reached. We'll try again in a little while.",
    "meta_error": "Meta answered with an error. We'll try again in a little while.",
    "no_token": "This account is disconnected. Press Reconnect.",
}
TEMPLATES_NOT_READ = "*Message templates:* not read from Meta yet."
TEMPLATES_NONE = (
    f"No templates yet. Create them in {WHATSAPP_MANAGER}; they appear here once Meta has reviewed them."
)


def _when(at: datetime) -> str:
    return f"<!date^{int(at.timestamp())}^{{date_short_pretty}} at {{time}}|{at.strftime('%Y-%m-%d %H:%M UTC')}>"


def templates_heading(total: int, approved: int, synced_at: datetime) -> str:
    return f"*Message templates:* {total} ({approved} approved), read from Meta {_when(synced_at)}"


def template_line(name: str, language: str, status: str, category: str | None) -> str:
    """One template on an account's card; ``name`` is escaped by the caller."""
    state = TEMPLATE_STATUS_LABELS.get(status, status.replace("_", " ").capitalize())
    kind = TEMPLATE_CATEGORY_LABELS.get((category or "").upper(), (category or "No category").capitalize())
    return f"`{name}` · {language} · {kind} · {state}"


def templates_more(count: int) -> str:
    return f"… and {count} more."


def templates_stale(problem: str | None, failed_at: datetime, synced_at: datetime | None) -> str:
    """Under the list when the last read failed: why, and how old the list is."""
    why = TEMPLATE_SYNC_PROBLEMS.get(problem or "", TEMPLATE_SYNC_PROBLEMS["meta_error"])
    age = f"This list is from {_when(synced_at)}." if synced_at else "No list has been read yet."
    return f":warning: Reading the templates from Meta failed {_when(failed_at)}: {why} {age}"


def notice_templates_refreshed(total: int, approved: int) -> str:
    return f":white_check_mark: Templates read from Meta again: {total} in all, {approved} approved."


def notice_templates_failed(problem: str | None) -> str:
    why = TEMPLATE_SYNC_PROBLEMS.get(problem or "", TEMPLATE_SYNC_PROBLEMS["meta_error"])
    return f":warning: Meta didn't hand over the templates: {why} The list below is the last one we read."


NOTICE_TEMPLATES_NOT_ALLOWED = (
    ":no_entry: Only workspace admins and the person who connected this number can refresh its templates."
)
NOTICE_TEMPLATES_BUSY = (
    ":hourglass_flowing_sand: The templates are being read from Meta already; this tab updates when that's done."
)
