"""A claim's outcome as the connect page receives it: the JSON answer, its HTTP status, and the view the
server-rendered page shows for it (redirect fallback)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from relay.onboarding.claim_types import ClaimOutcome, ClaimProblem, ClaimWarning, NumberView
from web.connect import wording
from web.connect.destination import ChannelLink
from web.connect.pages import NumberChoice, PageView

# Seed 000 sections 10.2-10.3: which HTTP status each problem answers with.
HTTP_STATUS = {
    ClaimProblem.LINK_FORGED: 400,
    ClaimProblem.CODE_REJECTED: 400,
    ClaimProblem.TOKEN_INVALID: 400,
    ClaimProblem.WABA_MISMATCH: 400,
    ClaimProblem.NUMBER_MISMATCH: 400,
    ClaimProblem.LINK_EXPIRED: 410,
    ClaimProblem.LINK_USED: 410,
    ClaimProblem.PERMISSIONS: 403,
    ClaimProblem.WRONG_APP: 403,
    ClaimProblem.NO_WABA_GRANTED: 403,
    ClaimProblem.NUMBER_TAKEN: 409,
    ClaimProblem.NO_NUMBERS: 422,
    ClaimProblem.RATE_LIMITED: 429,
    ClaimProblem.META_UNAVAILABLE: 502,
    ClaimProblem.META_ERROR: 502,
    ClaimProblem.REGISTRATION_FAILED: 502,
    ClaimProblem.INTERNAL: 500,
}

# Problems a fresh attempt can fix, so the page gets a replacement link for its Try again button.
# Link problems never do: a replayed or stale link must not buy a new one.
RETRYABLE = frozenset(HTTP_STATUS) - {
    ClaimProblem.LINK_FORGED, ClaimProblem.LINK_EXPIRED, ClaimProblem.LINK_USED,
    ClaimProblem.WRONG_APP, ClaimProblem.WABA_MISMATCH,
}


def chain_ended(outcome: ClaimOutcome) -> ClaimOutcome:
    """A failure Try again could fix, but the link's chain of retries is over (an hour, or too many retries):
    the page says the link expired, and support still sees what went wrong."""
    detail = ", ".join(part for part in (str(outcome.problem) if outcome.problem else None, outcome.detail) if part)
    return replace(outcome, problem=ClaimProblem.LINK_EXPIRED, detail=detail or None)


def http_status(outcome: ClaimOutcome) -> int:
    if outcome.ok:
        return 200
    return HTTP_STATUS.get(outcome.problem, 500) if outcome.problem else 500


def number_choice(number: NumberView) -> NumberChoice:
    return NumberChoice(
        phone_number_id=number.phone_number_id,
        label=wording.number_label(number.display_phone_number, number.verified_name, number.phone_number_id),
        enabled=number.enabled,
    )


def _numbers(outcome: ClaimOutcome) -> list[NumberChoice]:
    if outcome.status == "connected":
        return [number_choice(n) for n in outcome.numbers if n.enabled]
    return [number_choice(n) for n in outcome.numbers]


def number_json(choice: NumberChoice, view: NumberView | None = None,
                channel: ChannelLink | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"phone_number_id": choice.phone_number_id, "label": choice.label,
                           "enabled": choice.enabled}
    if view is not None:
        out.update(display_phone_number=view.display_phone_number, verified_name=view.verified_name,
                   registration_state=view.registration_state)
    if channel is not None:
        out["channel"] = {"id": channel.channel_id, "name": channel.name, "app_url": channel.app_url,
                          "web_url": channel.web_url}
    return out


def outcome_message(outcome: ClaimOutcome) -> str:
    if outcome.status == "connected":
        return wording.CONNECTED
    if outcome.status == "choose_number":
        return wording.CHOOSE_NUMBER
    return wording.problem_text(outcome.problem)


def _channel_of(view: NumberView | None, channels: dict[str, ChannelLink]) -> ChannelLink | None:
    return channels.get(view.channel_id or "") if view is not None and view.enabled else None


def outcome_json(outcome: ClaimOutcome, retry_token: str | None = None,
                 channels: dict[str, ChannelLink] | None = None) -> dict[str, Any]:
    """``{status, problem?, message, support?, numbers, warnings, retry_token?}``; connected numbers carry
    their ``channel`` (name, slack:// and web links) when ``channels`` knows it."""
    views = {n.phone_number_id: n for n in outcome.numbers}
    channels = channels or {}
    body: dict[str, Any] = {
        "status": outcome.status,
        "message": outcome_message(outcome),
        "numbers": [number_json(c, views.get(c.phone_number_id), _channel_of(views.get(c.phone_number_id),
                                                                              channels))
                    for c in _numbers(outcome)],
        "warnings": [{"code": str(w), "message": wording.warning_text(w)} for w in outcome.warnings],
    }
    if outcome.problem:
        body["problem"] = str(outcome.problem)
    if outcome.detail and not outcome.ok:
        body["support"] = outcome.detail
    if retry_token:
        body["retry_token"] = retry_token
    return body


def request_problem_json(problem: str, message: str) -> dict[str, Any]:
    """The same shape as a claim answer, for requests refused before anything ran."""
    return {"status": "failed", "problem": problem, "message": message, "numbers": [], "warnings": []}


def outcome_view(outcome: ClaimOutcome, can_retry: bool,
                 channels: dict[str, ChannelLink] | None = None) -> PageView:
    """What the server-rendered page shows after the redirect fallback ran the claim."""
    # the payment warning has its own block on the success page, with a link to WhatsApp Manager
    payment_missing = ClaimWarning.PAYMENT_MISSING in outcome.warnings
    warnings = tuple(wording.warning_text(w) for w in outcome.warnings if w != ClaimWarning.PAYMENT_MISSING)
    if outcome.status == "connected":
        links = [channels[n.channel_id] for n in outcome.numbers
                 if n.enabled and n.channel_id and channels and n.channel_id in channels]
        return PageView(state="success", numbers=tuple(_numbers(outcome)), warnings=warnings,
                        channels=tuple(dict.fromkeys(links)), payment_missing=payment_missing)
    if outcome.status == "choose_number":
        return PageView(state="choose", numbers=tuple(_numbers(outcome)), warnings=warnings)
    return PageView(state="error", message=outcome_message(outcome), support=outcome.detail,
                    can_retry=can_retry)
