"""The server-side claim of an Embedded Signup (reference section 7a): code → business token → verified WABA and
number → webhook subscription → registration → stored account → Slack told.

Browser-sent ids are hints only: everything bound to a workspace is verified with Meta first.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from relay.onboarding.activation import activate_number
from relay.onboarding.claim_types import (
    LINK_PROBLEMS,
    ClaimFailed,
    ClaimOutcome,
    ClaimProblem,
    ClaimWarning,
    NumberView,
    SessionInfo,
    number_view,
    problem_for,
    support_detail,
)
from relay.onboarding.links import ConnectLink, LinkError
from relay.onboarding.notifier import ConnectedNumber, ConnectionSummary
from relay.onboarding.takeover import refuse_numbers_held_elsewhere, take_over_released_number
from relay.services import Services
from relay.templates.sync import sync_after_connect
from storage.models import AccountStatus, WhatsAppAccount, utcnow
from storage.repositories import AccountRepository, AuditRepository, TenantRepository
from whatsapp.errors import GraphError, InvalidRequestError, PermissionDeniedError, TokenInvalidError

__all__ = [
    "ClaimOutcome", "ClaimProblem", "ClaimWarning", "NumberView", "SessionInfo", "activate_number",
    "choose_number", "claim_whatsapp_account",
]

log = logging.getLogger("waslack.onboarding")

SUBSCRIBE_RETRY_DELAY = timedelta(minutes=5)


async def claim_whatsapp_account(
    services: Services, *, token: str | None, code: str | None, session_info: SessionInfo | None,
    redirect_uri: str | None = None,
) -> ClaimOutcome:
    """Run every step of the claim for the connect link ``token``; never raises for expected failures."""
    try:
        link = await services.links.consume(token)
    except LinkError as exc:
        return ClaimOutcome(status="failed", problem=LINK_PROBLEMS[exc.problem])
    if not code or len(code) > 2048:
        outcome = ClaimOutcome(status="failed", problem=ClaimProblem.CODE_REJECTED, detail="no code received")
    else:
        try:
            outcome = await _claim(services, link, code, session_info or SessionInfo(), redirect_uri)
        except ClaimFailed as exc:
            outcome = ClaimOutcome(status="failed", problem=exc.problem, detail=exc.detail)
        except GraphError as exc:
            log.warning("claim for team %s failed at Meta: %s", link.team_id, exc)
            outcome = ClaimOutcome(status="failed", problem=problem_for(exc), detail=support_detail(exc))
        except Exception:
            log.exception("claim for team %s failed unexpectedly", link.team_id)
            outcome = ClaimOutcome(status="failed", problem=ClaimProblem.INTERNAL)
    await services.links.finish(link.nonce, outcome.status if outcome.ok else str(outcome.problem),
                                outcome.account_id)
    await _audit(services, link, outcome)
    if outcome.ok:
        await _read_templates(services, link, outcome)
        await _tell_slack(services, link, outcome)
    return outcome


async def _claim(
    services: Services, link: ConnectLink, code: str, hint: SessionInfo, redirect_uri: str | None
) -> ClaimOutcome:
    graph, settings = services.graph, services.settings
    try:
        grant = await graph.exchange_code(code, redirect_uri=redirect_uri)
    except InvalidRequestError as exc:
        raise ClaimFailed(ClaimProblem.CODE_REJECTED, support_detail(exc)) from None
    business_token = grant.access_token.get_secret_value()

    info = await graph.debug_token(business_token)
    if not info.is_valid or str(info.app_id) != settings.META_APP_ID:
        raise ClaimFailed(ClaimProblem.WRONG_APP, "token not valid for this app")
    granted = list(info.waba_ids)
    if not granted:
        raise ClaimFailed(ClaimProblem.NO_WABA_GRANTED)
    if hint.waba_id and hint.waba_id not in granted:
        raise ClaimFailed(ClaimProblem.WABA_MISMATCH, "the signup named an account the token does not cover")
    waba_id = hint.waba_id or granted[0]

    listed = await graph.list_phone_numbers(waba_id, business_token)
    if not listed:
        raise ClaimFailed(ClaimProblem.NO_NUMBERS)
    listed_ids = [n.id for n in listed]
    if hint.phone_number_id and hint.phone_number_id not in listed_ids:
        raise ClaimFailed(ClaimProblem.NUMBER_MISMATCH, "the signup named a number outside the account")
    # The owning business comes from Meta; the browser's business_id is only compared, never stored.
    waba = await graph.get_business_account(waba_id, business_token)
    if hint.business_id and waba.owner_business_id and hint.business_id != waba.owner_business_id:
        log.warning("signup for team %s named business %s; Meta says WABA %s belongs to %s", link.team_id,
                    hint.business_id, waba_id, waba.owner_business_id)
    await refuse_numbers_held_elsewhere(services, link.team_id, listed_ids)
    await _ensure_link_stands(services, link)  # the workspace may have removed the app while Meta answered

    subscribed, subscribe_error = True, None
    try:
        await graph.subscribe_app(waba_id, business_token)
    except (TokenInvalidError, PermissionDeniedError):
        raise
    except GraphError as exc:  # seed 000 section 10.2: recorded and retried later, not fatal
        subscribed, subscribe_error = False, support_detail(exc)
        log.warning("subscribing to WABA %s failed, will retry: %s", waba_id, exc)

    if hint.phone_number_id:
        chosen = [hint.phone_number_id]
    elif len(listed_ids) == 1:
        chosen = listed_ids
    else:
        chosen = []  # several numbers: the person picks which to connect

    expires_at = None
    if info.expires_at:
        expires_at = datetime.fromtimestamp(info.expires_at, UTC)
    elif grant.expires_in:
        expires_at = utcnow() + timedelta(seconds=grant.expires_in)

    async with services.database.session() as session:
        if not await services.links.hold(session, link.nonce):
            raise ClaimFailed(ClaimProblem.LINK_EXPIRED, "the workspace removed the app during the signup")
        tenant = await TenantRepository(session).get_or_create(link.team_id)
        accounts = AccountRepository(session, services.cipher)
        account, _created = await accounts.upsert(
            tenant_id=tenant.id, waba_id=waba_id, business_token=business_token,  # type: ignore[arg-type]
            business_id=waba.owner_business_id, name=waba.name, token_expires_at=expires_at,
            meta_user_id=info.user_id, connected_by_user_id=link.user_id, status=AccountStatus.PENDING,
        )
        for number in listed:
            released = await take_over_released_number(session, accounts, account, number.id,
                                                       actor=link.user_id, team_id=link.team_id)
            row = await accounts.upsert_number(
                account, phone_number_id=number.id, display_phone_number=number.display_phone_number,
                verified_name=number.verified_name, quality_rating=number.quality_rating,
            )
            if released is not None:
                await accounts.inherit_pin(row, released)
        await accounts.record_subscription(
            account, ok=subscribed, error=subscribe_error,
            retry_at=None if subscribed else utcnow() + SUBSCRIBE_RETRY_DELAY,
        )
        await session.commit()

    warnings: list[ClaimWarning] = [] if subscribed else [ClaimWarning.SUBSCRIPTION_PENDING]
    if not chosen:
        numbers = await _numbers(services, account)
        return ClaimOutcome(status="choose_number", waba_id=waba_id, account_id=account.id, numbers=numbers,
                            warnings=tuple(warnings))
    for phone_number_id in chosen:
        warnings += await activate_number(services, account, phone_number_id, actor=link.user_id,
                                          team_id=link.team_id)
    numbers = await _numbers(services, account)
    return ClaimOutcome(status="connected", waba_id=waba_id, account_id=account.id, numbers=numbers,
                        warnings=tuple(dict.fromkeys(warnings)))


async def choose_number(services: Services, *, token: str | None, phone_number_id: str | None) -> ClaimOutcome:
    """Second step for a WABA with several numbers: connect the one the person picked on the page.

    A link makes one choice: of any number of concurrent calls, exactly one connects a number."""
    try:
        link = await services.links.inspect(token, allow_used=True)
    except LinkError as exc:
        return ClaimOutcome(status="failed", problem=LINK_PROBLEMS[exc.problem])
    if link.outcome != "choose_number" or link.account_id is None:
        return ClaimOutcome(status="failed", problem=ClaimProblem.LINK_USED)
    async with services.database.session() as session:
        accounts = AccountRepository(session, services.cipher)
        account = await accounts.get(link.account_id)
        numbers = await accounts.numbers(account) if account else []
    if account is None or phone_number_id not in {n.phone_number_id for n in numbers}:
        return ClaimOutcome(status="failed", problem=ClaimProblem.NUMBER_MISMATCH)
    if not await services.links.start_choice(link.nonce):
        return ClaimOutcome(status="failed", problem=ClaimProblem.LINK_USED)  # another call made the choice
    try:
        warnings = await activate_number(services, account, phone_number_id, actor=link.user_id,
                                         team_id=link.team_id)
    except ClaimFailed as exc:
        outcome = ClaimOutcome(status="failed", problem=exc.problem, detail=exc.detail)
    except GraphError as exc:
        outcome = ClaimOutcome(status="failed", problem=problem_for(exc), detail=support_detail(exc))
    except Exception:
        log.exception("choosing number %s for team %s failed unexpectedly", phone_number_id, link.team_id)
        outcome = ClaimOutcome(status="failed", problem=ClaimProblem.INTERNAL)
    else:
        if not account.webhooks_subscribed:
            warnings.append(ClaimWarning.SUBSCRIPTION_PENDING)
        outcome = ClaimOutcome(status="connected", waba_id=account.waba_id, account_id=account.id,
                               numbers=await _numbers(services, account), warnings=tuple(dict.fromkeys(warnings)))
    await services.links.finish(link.nonce, outcome.status if outcome.ok else str(outcome.problem), account.id)
    await _audit(services, link, outcome)
    if outcome.ok:
        await _read_templates(services, link, outcome)
        await _tell_slack(services, link, outcome)
    return outcome


async def _ensure_link_stands(services: Services, link: ConnectLink) -> None:
    async with services.database.session() as session:
        if not await services.links.hold(session, link.nonce):
            raise ClaimFailed(ClaimProblem.LINK_EXPIRED, "the workspace removed the app during the signup")


async def _numbers(services: Services, account: WhatsAppAccount) -> tuple[NumberView, ...]:
    async with services.database.session() as session:
        return tuple(number_view(n) for n in await AccountRepository(session, services.cipher).numbers(account))


async def _audit(services: Services, link: ConnectLink, outcome: ClaimOutcome) -> None:
    action = {"connected": "whatsapp.connected", "choose_number": "whatsapp.awaiting_number_choice"}.get(
        outcome.status, "whatsapp.connect_failed"
    )
    detail = {
        "waba_id": outcome.waba_id,
        "numbers": [n.phone_number_id for n in outcome.numbers if n.enabled],
        "problem": str(outcome.problem) if outcome.problem else None,
        "support": outcome.detail,
        "warnings": [str(w) for w in outcome.warnings],
    }
    async with services.database.session() as session:
        await AuditRepository(session).record(
            actor=link.user_id, action=action, team_id=link.team_id, subject=outcome.waba_id,
            detail={k: v for k, v in detail.items() if v},
        )
        await session.commit()


async def _read_templates(services: Services, link: ConnectLink, outcome: ClaimOutcome) -> None:
    """A connected number's templates are read at once (a few seconds at most, then in the background), so
    the Home tab shows them; a failed read never fails the claim (the scheduled job retries)."""
    if outcome.status != "connected" or outcome.account_id is None:
        return
    try:
        await sync_after_connect(services, outcome.account_id, link.team_id)
    except Exception:
        log.exception("reading the templates of account %s failed", outcome.account_id)


async def _tell_slack(services: Services, link: ConnectLink, outcome: ClaimOutcome) -> None:
    """Home tab and DM; a Slack hiccup must not undo a finished claim."""
    try:
        await services.notifier.refresh_home(link.team_id)
        if outcome.status == "connected" and outcome.waba_id:
            summary = ConnectionSummary(
                waba_id=outcome.waba_id, account_name=None,
                numbers=tuple(
                    ConnectedNumber(n.phone_number_id, n.display_phone_number, n.verified_name, n.channel_id,
                                    n.registration_state)
                    for n in outcome.numbers if n.enabled
                ),
                reconnected=False, warnings=tuple(str(w) for w in outcome.warnings),
            )
            await services.notifier.announce_connection(link.team_id, link.user_id, summary)
    except Exception:
        log.exception("telling Slack about team %s's connection failed", link.team_id)
