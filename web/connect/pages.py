"""Server-rendered HTML for the connect page and its notice pages (no template engine, everything escaped).

The connect page holds one panel per state (idle, pending, checking, choose, success, error); connect.js
shows one at a time. The server can render it straight into a state, which is how the redirect fallback
shows its result.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape
from typing import Any

from web.connect import wording
from web.connect.destination import Audience, ChannelLink

STATIC = "/connect/static"
STATES = ("idle", "pending", "checking", "choose", "success", "error")


@dataclass(frozen=True)
class NumberChoice:
    phone_number_id: str
    label: str
    enabled: bool = False


@dataclass(frozen=True)
class PageView:
    """Which panel the page opens on, and what it says there."""

    state: str = "idle"  # one of STATES the server can render: idle, choose, success, error
    notice: str | None = None  # idle: what just happened
    heading: str | None = None  # error: overrides the default heading
    message: str | None = None  # error: what went wrong (and what to do)
    quote: str | None = None  # error: Meta's own words, shown apart
    next_step: str | None = None  # error: what to do, when ``message`` doesn't say
    support: str | None = None  # error: reference for support
    numbers: tuple[NumberChoice, ...] = ()
    warnings: tuple[str, ...] = ()
    can_retry: bool = True  # error: offer Try again
    channels: tuple[ChannelLink, ...] = ()  # success: where the numbers' conversations go
    payment_missing: bool = False  # success: Meta says the account has no payment method
    audience: Audience | None = None  # whom the link is for, shown above everything
    reload_url: str | None = None  # what the address bar should say, so a reload shows this again


def _e(text: str | None) -> str:
    return escape(text or "", quote=True)


def config_json(config: dict[str, Any]) -> str:
    """JSON that is safe inside <script type="application/json">: no '<', '>' or '&' can end the block."""
    text = json.dumps(config, ensure_ascii=False, separators=(",", ":"))
    for raw, safe in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                      ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, safe)
    return text


def _document(title: str, body: str, state: str, head_extra: str = "", reload_url: str | None = None) -> str:
    reload = f' data-reload="{_e(reload_url)}"' if reload_url else ""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex">
<title>{_e(title)} · {_e(wording.PRODUCT)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{STATIC}/connect.css">
{head_extra}</head>
<body data-state="{_e(state)}"{reload}>
<main class="card">
<p class="brand">{_e(wording.PRODUCT)}</p>
{body}
</main>
</body>
</html>
"""


def notice_page(heading: str, paragraphs: list[str], link: tuple[str, str] | None = None) -> str:
    """A page with no script: link problems and the callback's dead ends."""
    body = f"<section><h1>{_e(heading)}</h1>\n"
    body += "".join(f"<p>{_e(p)}</p>\n" for p in paragraphs)
    if link:
        body += f'<p><a class="button primary" href="{_e(link[1])}">{_e(link[0])}</a></p>\n'
    body += "</section>"
    return _document(heading, body, "notice")


def _panel(state: str, view: PageView, inner: str) -> str:
    hidden = "" if state == view.state else " hidden"
    return f'<section id="state-{state}" class="panel"{hidden}>\n{inner}</section>\n'


def _hidden(show: bool) -> str:
    return "" if show else " hidden"


def _radio_list(numbers: tuple[NumberChoice, ...]) -> str:
    items = []
    for position, number in enumerate(numbers):
        checked = " checked" if position == 0 else ""
        value = _e(number.phone_number_id)
        radio = f'<input type="radio" name="phone_number_id" value="{value}"{checked}>'
        items.append(f'<label class="choice">{radio} <span>{_e(number.label)}</span></label>')
    return "\n".join(items)


def _list(items: list[str], css: str) -> str:
    return "".join(f'<li class="{css}">{_e(item)}</li>' for item in items)


def _audience(audience: Audience | None) -> str:
    """"Connecting to <b>Workspace</b> for <b>@person</b>": a forwarded link shows it is someone else's."""
    if audience is None:
        return ""
    t = wording.PAGE
    workspace = audience.workspace_name or t["audience_workspace_unknown"].format(team_id=audience.team_id)
    person = f"@{audience.user_name}" if audience.user_name else t["audience_user_unknown"].format(
        user_id=audience.user_id)
    return (f'<div class="audience" id="audience"><p>{_e(t["audience_prefix"])} '
            f'<strong id="audience-workspace">{_e(workspace)}</strong> {_e(t["audience_for"])} '
            f'<strong id="audience-user">{_e(person)}</strong></p>\n'
            f'<p class="hint">{_e(t["audience_hint"])}</p></div>\n')


def _idle(view: PageView, redirect_url: str) -> str:
    t, link = wording.PAGE, _e(redirect_url)
    # The button stays above the fold on a phone: the details come after it.
    return f"""<h1>{_e(t["idle_heading"])}</h1>
<p id="idle-notice" class="notice" role="status"{_hidden(bool(view.notice))}>{_e(view.notice)}</p>
<p>{_e(t["idle_intro"])}</p>
<label class="check"><input type="checkbox" id="coexistence"> <span>{_e(t["coexistence_label"])}</span>\
</label>
<p class="hint">{_e(t["coexistence_hint"])}</p>
<p class="main-action"><button type="button" id="connect" class="button primary" disabled>\
{_e(t["loading_sdk"])}</button></p>
<p class="secondary-action"><a id="redirect-link" href="{link}">{_e(t["redirect_link"])}</a></p>
<noscript><p class="notice">{_e(t["noscript"])} <a href="{link}">{_e(t["noscript_link"])}</a></p></noscript>
<p class="needs-heading">{_e(t["idle_needs_heading"])}</p>
<ul class="needs"><li>{_e(t["idle_need_admin"])}</li><li>{_e(t["idle_need_phone"])}</li></ul>
<p>{_e(t["idle_outro"])}</p>
"""


def _pending(view: PageView) -> str:
    t = wording.PAGE
    return f"""<div class="spinner" aria-hidden="true"></div>
<h1>{_e(t["pending_heading"])}</h1>
<p>{_e(t["pending_text"])}</p>
"""


def _checking(view: PageView) -> str:
    t = wording.PAGE
    return f"""<div class="spinner" aria-hidden="true"></div>
<h1 id="checking-heading">{_e(t["checking_heading"])}</h1>
<p id="checking-text">{_e(t["checking_text"])}</p>
<p><button type="button" id="stop-waiting" class="button" hidden>{_e(t["stop_waiting"])}</button></p>
"""


def _choose(view: PageView) -> str:
    t = wording.PAGE
    return f"""<h1>{_e(t["choose_heading"])}</h1>
<p>{_e(t["choose_text"])}</p>
<form id="choose-form">
<fieldset id="choose-list"><legend class="visually-hidden">{_e(t["choose_heading"])}</legend>
{_radio_list(view.numbers) if view.state == "choose" else ""}
</fieldset>
<p id="choose-error" class="error-text" role="alert" hidden></p>
<p><button type="submit" id="choose" class="button primary">{_e(t["choose_button"])}</button></p>
</form>
"""


def channel_item(link: ChannelLink) -> str:
    """One "Conversations go to #name · Open in Slack · Open in the browser" line (connect.js builds the
    same from the JSON answer)."""
    t = wording.PAGE
    name = f"#{link.name}" if link.name else t["success_channel_unnamed"]
    return (f'<li class="channel">{_e(t["success_channel"])} <a class="channel-name" href="{_e(link.web_url)}">'
            f'{_e(name)}</a> <span class="channel-links"><a class="button small" href="{_e(link.app_url)}">'
            f'{_e(t["open_in_slack"])}</a> <a class="button small" href="{_e(link.web_url)}" target="_blank" '
            f'rel="noopener">{_e(t["open_in_browser"])}</a></span></li>')


def _success(view: PageView) -> str:
    t, shown = wording.PAGE, view.state == "success"
    numbers = _list([n.label for n in view.numbers] if shown else [], "number")
    warnings = list(view.warnings) if shown else []
    channels = "".join(channel_item(c) for c in view.channels) if shown else ""
    payment = shown and view.payment_missing
    return f"""<div class="mark" aria-hidden="true">✓</div>
<h1>{_e(t["success_heading"])}</h1>
<p>{_e(t["success_text"])}</p>
<p class="numbers-heading">{_e(t["success_numbers"])}</p>
<ul id="success-numbers" class="numbers">{numbers}</ul>
<ul id="success-channels" class="channels"{_hidden(bool(channels))}>{channels}</ul>
<div id="success-payment" class="payment" role="alert"{_hidden(payment)}>
<p class="payment-heading">{_e(t["payment_heading"])}</p>
<p>{_e(t["payment_before_link"])} <a href="{_e(wording.WHATSAPP_MANAGER_URL)}" target="_blank" rel="noopener">\
{_e(t["payment_link"])}</a> {_e(t["payment_after_link"])}</p>
</div>
<ul id="success-warnings" class="warnings"{_hidden(bool(warnings))}>{_list(warnings, "warning")}</ul>
"""


def _error(view: PageView, redirect_url: str) -> str:
    t = wording.PAGE
    v = view if view.state == "error" else PageView(state="error")  # other states: empty, for the script
    return f"""<h1 id="error-heading">{_e(v.heading or t["error_heading"])}</h1>
<p id="error-message">{_e(v.message)}</p>
<blockquote id="error-quote" class="quote" aria-label="{_e(t["quote_label"])}"{_hidden(bool(v.quote))}>\
{_e(v.quote)}</blockquote>
<p id="error-next"{_hidden(bool(v.next_step))}>{_e(v.next_step)}</p>
<p id="error-support" class="support"{_hidden(bool(v.support))}><span>{_e(t["support_prefix"])}</span>
<code id="error-support-text">{_e(v.support)}</code></p>
<p><button type="button" id="retry" class="button primary"{_hidden(v.can_retry)}>\
{_e(t["retry_button"])}</button></p>
<p class="secondary-action"><a id="error-redirect" href="{_e(redirect_url)}" hidden>\
{_e(wording.BROWSER["redirect_link"])}</a></p>
"""


def connect_page(config: dict[str, Any], view: PageView, redirect_url: str) -> str:
    """The connect page, opened on ``view.state``."""
    panels = {
        "idle": _idle(view, redirect_url), "pending": _pending(view), "checking": _checking(view),
        "choose": _choose(view), "success": _success(view), "error": _error(view, redirect_url),
    }
    body = '<div id="live" class="visually-hidden" role="status" aria-live="polite"></div>\n'
    body += _audience(view.audience)
    body += "".join(_panel(state, view, panels[state]) for state in STATES)
    head = (
        f'<script type="application/json" id="config">{config_json(config)}</script>\n'
        f'<script type="module" src="{STATIC}/connect.js"></script>\n'
    )
    return _document(wording.PAGE_TITLE, body, view.state, head, reload_url=view.reload_url)
