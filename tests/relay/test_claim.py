"""The server-side claim against the Meta simulator: success, and each failure a recruiter can meet."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import update
from sqlmodel import select

from relay.jobs import retry_registrations, retry_subscriptions
from relay.onboarding.claim import ClaimProblem, ClaimWarning, SessionInfo, choose_number, claim_whatsapp_account
from relay.onboarding.manage import disconnect_account, workspace_uninstalled
from sandbox.meta.onboarding import finish_session, issue_business_token, issue_code
from sandbox.stack import running_stack
from storage.models import PhoneNumber, WhatsAppAccount, utcnow
from storage.repositories import AccountRepository, AuditRepository, InstallationRepository
from tests.bot.conftest import eventually


@pytest.fixture
async def stack(database_url):
    async with running_stack(database_url=database_url) as stack:
        yield stack


async def link_token(stack, user_id=None) -> str:
    url = await stack.connect_link(user_id)
    return parse_qs(urlsplit(url).query)["token"][0]


FRESH = object()


async def claim(stack, signup=None, *, session=True, token=FRESH, **signup_options):
    signup = signup or stack.meta.seed_signup(**signup_options)
    info = SessionInfo.from_payload(signup.session_info) if session else None
    outcome = await claim_whatsapp_account(stack.services, token=await link_token(stack) if token is FRESH else token,
                                           code=signup.code, session_info=info)
    return outcome, signup


async def fault(stack, **body):
    response = await stack.http.post(f"{stack.meta_sim_url}/_sim/meta/faults", json=body)
    assert response.status_code < 300, response.text


async def stored_accounts(stack):
    async with stack.services.database.session() as session:
        accounts = AccountRepository(session, stack.services.cipher)
        found = await accounts.list_for_team(stack.workspace.team_id)
        numbers = await accounts.numbers_for_accounts(found)
    return found, numbers


async def test_success_claims_subscribes_registers_and_records_everything(stack):
    outcome, signup = await claim(stack)
    assert outcome.status == "connected" and outcome.problem is None and outcome.warnings == ()
    assert outcome.waba_id == signup.waba_id
    number = stack.meta.numbers[signup.phone_number_ids[0]]
    assert stack.meta.is_subscribed(signup.waba_id)
    assert number.registered and number.pin and len(number.pin) == 6
    accounts, numbers = await stored_accounts(stack)
    assert [a.status for a in accounts] == ["active"]
    account = accounts[0]
    assert account.connected_by_user_id == stack.workspace.admin_user_id and account.webhooks_subscribed
    row = numbers[account.id][0]
    assert row.enabled and row.registration_state == "registered" and row.slack_channel_id
    async with stack.services.database.session() as session:
        accounts_repo = AccountRepository(session, stack.services.cipher)
        assert accounts_repo.pin(row) == number.pin  # the PIN Meta holds is the one we keep, encrypted
        assert accounts_repo.business_token(account) == signup.token
        audit = await AuditRepository(session).list(stack.workspace.team_id)
    assert audit[0].action == "whatsapp.connected" and signup.waba_id in (audit[0].subject or "")


async def test_a_link_works_once(stack):
    token = await link_token(stack)
    first, _ = await claim(stack, token=token)
    again, _ = await claim(stack, token=token)
    assert first.ok and again.problem == ClaimProblem.LINK_USED
    accounts, _ = await stored_accounts(stack)
    assert len(accounts) == 1


async def test_forged_and_tampered_links_create_nothing(stack):
    token = await link_token(stack)
    tampered = token[:-2] + ("xy" if token[-2:] != "xy" else "yx")
    for bad in ("nonsense", tampered, token.split(".")[0] + ".", "a.b.c", None, "x" * 500):
        outcome, _ = await claim(stack, token=bad)
        assert outcome.problem == ClaimProblem.LINK_FORGED
    assert (await stored_accounts(stack))[0] == []


async def test_expired_link(stack):
    token = await link_token(stack)
    from storage.models import ConnectState

    async with stack.services.database.session() as session:
        await session.exec(update(ConnectState).values(expires_at=utcnow() - timedelta(seconds=1)))
        await session.commit()
    outcome, signup = await claim(stack, token=token)
    assert outcome.problem == ClaimProblem.LINK_EXPIRED
    assert not stack.meta.is_subscribed(signup.waba_id)


async def test_a_used_code_is_rejected_without_retrying(stack):
    first, signup = await claim(stack)
    assert first.ok
    again = await claim_whatsapp_account(stack.services, token=await link_token(stack), code=signup.code,
                                         session_info=SessionInfo.from_payload(signup.session_info))
    assert again.problem == ClaimProblem.CODE_REJECTED and "Meta error 100" in (again.detail or "")


@pytest.mark.parametrize(
    ("endpoint", "code", "problem"),
    [
        ("debug_token", 190, ClaimProblem.TOKEN_INVALID),
        ("phone_numbers", 190, ClaimProblem.TOKEN_INVALID),
        ("phone_numbers", 200, ClaimProblem.PERMISSIONS),
        ("phone_numbers", 10, ClaimProblem.PERMISSIONS),
        ("phone_numbers", 80007, ClaimProblem.RATE_LIMITED),
        ("debug_token", 4, ClaimProblem.RATE_LIMITED),
    ],
)
async def test_meta_errors_map_to_what_the_recruiter_can_do(stack, endpoint, code, problem):
    # throttling is retried by the client; fail every attempt
    await fault(stack, endpoint=endpoint, count=10, error_code=code)
    outcome, signup = await claim(stack)
    assert outcome.problem == problem and f"Meta error {code}" in (outcome.detail or "")
    accounts, _ = await stored_accounts(stack)
    assert all(a.status != "active" for a in accounts)  # nothing half-created is left active
    assert not stack.meta.numbers[signup.phone_number_ids[0]].registered


async def test_meta_down_is_reported_as_unavailable(stack):
    await fault(stack, endpoint="phone_numbers", count=10, http_status=503)
    outcome, _ = await claim(stack)
    assert outcome.problem == ClaimProblem.META_UNAVAILABLE
    assert (await stored_accounts(stack))[0] == []


async def test_failed_subscription_is_recorded_then_retried_by_the_job(stack):
    await fault(stack, endpoint="subscribed_apps", count=1, error_code=131000)
    await fault(stack, endpoint="subscribed_apps", count=5, http_status=500)
    outcome, signup = await claim(stack)
    assert outcome.status == "connected"
    assert ClaimWarning.SUBSCRIPTION_PENDING in outcome.warnings
    assert not stack.meta.is_subscribed(signup.waba_id)
    accounts, _ = await stored_accounts(stack)
    assert accounts[0].status == "active" and not accounts[0].webhooks_subscribed
    assert accounts[0].subscribe_error
    await stack.http.delete(f"{stack.meta_sim_url}/_sim/meta/faults")
    async with stack.services.database.session() as session:  # the retry is due now
        await session.exec(update(WhatsAppAccount).values(subscribe_retry_at=utcnow()))
        await session.commit()
    await stack.slack_event(kind="event", event={"type": "app_home_opened", "user": stack.workspace.admin_user_id,
                                                 "tab": "home"})
    publishes = len(await eventually(lambda: stack.slack_calls("views.publish"), what="the Home tab"))
    assert await retry_subscriptions(stack.services) == 1
    assert stack.meta.is_subscribed(signup.waba_id)
    assert len(await stack.slack_calls("views.publish")) > publishes  # the Home tab drops "webhooks pending"
    accounts, _ = await stored_accounts(stack)
    assert accounts[0].webhooks_subscribed and accounts[0].subscribe_error is None
    assert await retry_subscriptions(stack.services) == 0


async def test_register_rate_limit_waits_72_hours_then_the_job_registers(stack):
    await fault(stack, endpoint="register", count=1, error_code=133016)
    outcome, signup = await claim(stack)
    assert outcome.status == "connected" and ClaimWarning.REGISTRATION_WAIT in outcome.warnings
    _, numbers = await stored_accounts(stack)
    row = next(iter(numbers.values()))[0]
    assert row.registration_state == "rate_limited"
    assert row.register_retry_at - utcnow() > timedelta(hours=71)
    assert await retry_registrations(stack.services) == 0  # not yet
    async with stack.services.database.session() as session:
        await session.exec(update(PhoneNumber).values(register_retry_at=utcnow() - timedelta(seconds=1)))
        await session.commit()
    assert await retry_registrations(stack.services) == 1
    assert stack.meta.numbers[signup.phone_number_ids[0]].registered


async def test_coexistence_numbers_are_not_registered(stack):
    outcome, signup = await claim(stack, coexistence=True)
    assert outcome.status == "connected"
    assert outcome.numbers[0].registration_state == "coexistence"
    assert stack.meta.numbers[signup.phone_number_ids[0]].register_calls == []  # never /register


async def test_without_session_info_the_first_granted_waba_is_used(stack):
    outcome, signup = await claim(stack, session=False)
    assert outcome.status == "connected" and outcome.waba_id == signup.waba_id


async def test_ids_from_the_browser_are_verified_not_trusted(stack):
    other = stack.meta.seed_signup()  # someone else's WABA and number
    mine = stack.meta.seed_signup()
    forged = {"type": "WA_EMBEDDED_SIGNUP", "event": "FINISH",
              "data": {"waba_id": other.waba_id, "phone_number_id": other.phone_number_ids[0]}}
    outcome = await claim_whatsapp_account(stack.services, token=await link_token(stack), code=mine.code,
                                           session_info=SessionInfo.from_payload(forged))
    assert outcome.problem == ClaimProblem.WABA_MISMATCH
    fresh = stack.meta.seed_signup()
    wrong_number = {"type": "WA_EMBEDDED_SIGNUP", "event": "FINISH",
                    "data": {"waba_id": fresh.waba_id, "phone_number_id": other.phone_number_ids[0]}}
    outcome = await claim_whatsapp_account(stack.services, token=await link_token(stack), code=fresh.code,
                                           session_info=SessionInfo.from_payload(wrong_number))
    assert outcome.problem == ClaimProblem.NUMBER_MISMATCH
    assert (await stored_accounts(stack))[0] == []
    assert not stack.meta.is_subscribed(other.waba_id)


async def test_a_waba_without_numbers_says_so(stack):
    outcome, _ = await claim(stack, numbers=0)
    assert outcome.problem == ClaimProblem.NO_NUMBERS


async def test_several_numbers_let_the_person_choose(stack):
    outcome, signup = await claim(stack, numbers=3, session=False)
    assert outcome.status == "choose_number" and len(outcome.numbers) == 3
    assert not any(stack.meta.numbers[p].registered for p in signup.phone_number_ids)
    accounts, _ = await stored_accounts(stack)
    assert accounts[0].status == "pending"
    # the same link chooses (it was consumed by the claim, but stays good for the choice)
    async with stack.services.database.session() as session:
        from sqlmodel import select

        from storage.models import ConnectState

        state = (await session.exec(select(ConnectState).where(ConnectState.outcome == "choose_number"))).one()
    from relay.onboarding.links import sign_token

    link = sign_token(stack.settings.link_signing_key, state.nonce)
    chosen = await choose_number(stack.services, token=link, phone_number_id=signup.phone_number_ids[1])
    assert chosen.status == "connected"
    assert [n.phone_number_id for n in chosen.numbers if n.enabled] == [signup.phone_number_ids[1]]
    assert stack.meta.numbers[signup.phone_number_ids[1]].registered
    assert not stack.meta.numbers[signup.phone_number_ids[0]].registered
    outsider = await choose_number(stack.services, token=link, phone_number_id="999")
    assert outsider.problem == ClaimProblem.LINK_USED  # the choice was made; the link is spent


async def test_several_wabas_per_workspace(stack):
    first, _ = await claim(stack)
    second, _ = await claim(stack)
    assert first.ok and second.ok and first.waba_id != second.waba_id
    accounts, _ = await stored_accounts(stack)
    assert sorted(a.waba_id for a in accounts) == sorted([first.waba_id, second.waba_id])


async def test_reconnecting_the_same_waba_updates_in_place_and_keeps_the_channel(stack):
    first, signup = await claim(stack)
    accounts, numbers = await stored_accounts(stack)
    account_id, channel = accounts[0].id, numbers[accounts[0].id][0].slack_channel_id
    world = stack.meta
    token = issue_business_token(world, world.businesses[signup.business_id])
    code = issue_code(world, token)
    session = finish_session("FINISH", {"waba_id": signup.waba_id, "phone_number_id": signup.phone_number_ids[0],
                                        "business_id": signup.business_id})
    again = await claim_whatsapp_account(stack.services, token=await link_token(stack, "U0OWNER"), code=code.value,
                                         session_info=SessionInfo.from_payload(session))
    assert again.status == "connected"
    accounts, numbers = await stored_accounts(stack)
    assert [a.id for a in accounts] == [account_id]
    assert numbers[account_id][0].slack_channel_id == channel
    assert accounts[0].connected_by_user_id == "U0OWNER"
    async with stack.services.database.session() as session:
        assert AccountRepository(session, stack.services.cipher).business_token(accounts[0]) == token.value


async def install(stack, team_id: str) -> None:
    """A second workspace with the app installed (in the Slack simulator and in the relay's database)."""
    added = await stack.http.post(f"{stack.slack_sim_url}/_sim/slack/workspaces", json={"team_id": team_id})
    assert added.status_code < 300
    async with stack.services.database.session() as session:
        await InstallationRepository(session, stack.services.cipher).save(team_id=team_id, bot_token="xoxb-other")
        await session.commit()


async def reclaim(stack, signup, team_id: str):
    """The same WABA signed up again (a fresh token and code), for ``team_id``."""
    world = stack.meta
    code = issue_code(world, issue_business_token(world, world.businesses[signup.business_id]))
    link = await stack.services.links.issue(team_id, "U0ADMIN")
    return await claim_whatsapp_account(stack.services, token=parse_qs(urlsplit(link).query)["token"][0],
                                        code=code.value, session_info=None)


async def rows_of(stack, phone_number_id: str) -> list[PhoneNumber]:
    async with stack.services.database.session() as session:
        query = select(PhoneNumber).where(PhoneNumber.phone_number_id == phone_number_id).order_by(PhoneNumber.id)
        return list((await session.exec(query)).all())


async def test_a_number_still_connected_elsewhere_is_refused_without_naming_it(stack):
    first, signup = await claim(stack)
    assert first.ok
    await install(stack, "T0OTHER")
    outcome = await reclaim(stack, signup, "T0OTHER")
    assert outcome.problem == ClaimProblem.NUMBER_TAKEN
    assert outcome.detail is None, "the refusal names neither the number nor the workspace holding it"
    async with stack.services.database.session() as session:
        assert await AccountRepository(session, stack.services.cipher).list_for_team("T0OTHER") == []


@pytest.mark.parametrize("let_go", ["disconnected", "uninstalled"])
async def test_a_number_its_workspace_let_go_can_be_claimed_by_another(stack, let_go):
    first, signup = await claim(stack)
    pnid = signup.phone_number_ids[0]
    old_row = (await rows_of(stack, pnid))[0]
    old_team = stack.workspace.team_id
    if let_go == "disconnected":
        await disconnect_account(stack.services, team_id=old_team, account_id=first.account_id, actor="U0ADMIN")
    else:
        await workspace_uninstalled(stack.services, team_id=old_team, event="app_uninstalled")
    await install(stack, "T0OTHER")

    outcome = await reclaim(stack, signup, "T0OTHER")
    assert outcome.status == "connected", outcome
    old, new = await rows_of(stack, pnid)
    assert old.id == old_row.id and old.account_id == first.account_id
    assert old.released_at is not None and not old.enabled
    assert old.slack_channel_id == old_row.slack_channel_id, "the old workspace keeps its history"
    assert new.account_id == outcome.account_id != first.account_id
    assert new.released_at is None and new.enabled and new.registration_state == "registered"
    async with stack.services.database.session() as session:
        accounts = AccountRepository(session, stack.services.cipher)
        assert (await accounts.number_by_phone_number_id(pnid)).id == new.id, "lookups find the live row"
        old_account = await accounts.get(first.account_id)
        assert await accounts.numbers(old_account) == []
        new_log = [(e.action, e.subject) for e in await AuditRepository(session).list("T0OTHER")]
        old_log = [(e.action, e.subject) for e in await AuditRepository(session).list(old_team)]
    assert ("whatsapp.number_taken_over", pnid) in new_log
    assert ("whatsapp.number_released", pnid) in old_log


async def test_a_released_number_comes_back_to_its_old_row(stack):
    first, signup = await claim(stack)
    pnid = signup.phone_number_ids[0]
    old_row = (await rows_of(stack, pnid))[0]
    await disconnect_account(stack.services, team_id=stack.workspace.team_id, account_id=first.account_id,
                             actor="U0ADMIN")
    await install(stack, "T0OTHER")
    taken = await reclaim(stack, signup, "T0OTHER")
    assert taken.ok
    assert (await reclaim(stack, signup, stack.workspace.team_id)).problem == ClaimProblem.NUMBER_TAKEN
    await disconnect_account(stack.services, team_id="T0OTHER", account_id=taken.account_id, actor="U0ADMIN")
    back = await reclaim(stack, signup, stack.workspace.team_id)
    assert back.status == "connected" and back.account_id == first.account_id
    rows = {r.id: r for r in await rows_of(stack, pnid)}
    assert len(rows) == 2, "the first workspace's row is revived, not duplicated"
    assert rows[old_row.id].released_at is None and rows[old_row.id].enabled
    assert rows[old_row.id].slack_channel_id == old_row.slack_channel_id


# ---- links issued before the app was removed ------------------------------------------------------------

async def test_a_link_issued_before_uninstall_claims_nothing(stack):
    token = await link_token(stack)
    signup = stack.meta.seed_signup()
    await workspace_uninstalled(stack.services, team_id=stack.workspace.team_id, event="app_uninstalled")
    outcome, _ = await claim(stack, signup, token=token)
    assert not outcome.ok and outcome.problem in (ClaimProblem.LINK_FORGED, ClaimProblem.LINK_EXPIRED)
    assert (await stored_accounts(stack))[0] == []
    assert not stack.meta.is_subscribed(signup.waba_id)
    assert not stack.meta.numbers[signup.phone_number_ids[0]].registered


async def test_an_uninstall_during_the_claim_stops_it_before_anything_is_stored(stack, monkeypatch):
    graph = stack.services.graph
    list_numbers = graph.list_phone_numbers

    async def uninstalled_meanwhile(waba_id, token):
        await workspace_uninstalled(stack.services, team_id=stack.workspace.team_id, event="tokens_revoked")
        return await list_numbers(waba_id, token)

    monkeypatch.setattr(graph, "list_phone_numbers", uninstalled_meanwhile)
    outcome, signup = await claim(stack)
    assert outcome.problem == ClaimProblem.LINK_EXPIRED
    assert (await stored_accounts(stack))[0] == []
    assert not stack.meta.is_subscribed(signup.waba_id)
    assert not stack.meta.numbers[signup.phone_number_ids[0]].registered


# ---- what the browser says is a hint; Meta is the source ------------------------------------------------

async def test_business_and_coexistence_come_from_meta_not_the_browser(stack):
    signup = stack.meta.seed_signup()
    forged = {"type": "WA_EMBEDDED_SIGNUP", "event": "FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING",
              "data": {"waba_id": signup.waba_id, "business_id": "999999999"}}
    outcome = await claim_whatsapp_account(stack.services, token=await link_token(stack), code=signup.code,
                                           session_info=SessionInfo.from_payload(forged))
    assert outcome.status == "connected"
    accounts, _ = await stored_accounts(stack)
    assert accounts[0].business_id == signup.business_id, "the owner Meta reports, not the browser's"
    assert accounts[0].is_coexistence is False, "the number is not on the WhatsApp Business app"
    assert stack.meta.numbers[signup.phone_number_ids[0]].registered

    app_signup = stack.meta.seed_signup(coexistence=True)
    plain = {"type": "WA_EMBEDDED_SIGNUP", "event": "FINISH", "data": {"waba_id": app_signup.waba_id}}
    outcome = await claim_whatsapp_account(stack.services, token=await link_token(stack), code=app_signup.code,
                                           session_info=SessionInfo.from_payload(plain))
    accounts, _ = await stored_accounts(stack)
    coexisting = next(a for a in accounts if a.waba_id == app_signup.waba_id)
    assert coexisting.is_coexistence is True and coexisting.business_id == app_signup.business_id


async def test_registration_failure_leaves_nothing_active(stack):
    await fault(stack, endpoint="register", count=1, error_code=131045)
    outcome, signup = await claim(stack)
    assert outcome.problem == ClaimProblem.REGISTRATION_FAILED
    accounts, numbers = await stored_accounts(stack)
    assert accounts[0].status == "error"
    row = numbers[accounts[0].id][0]
    assert not row.enabled and row.registration_state == "failed"
