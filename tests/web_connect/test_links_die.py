"""Connect links that really die: retry chains end, used links stop answering, a choice is made once, links of a
workspace that removed the app are dead (OAuth and single-workspace mode), and what is stored comes from Meta."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from html import escape

import httpx
import pytest
from sqlalchemy import update
from starlette.applications import Starlette

from relay.onboarding.links import MAX_RETRIES, LinkProblem
from relay.onboarding.manage import workspace_uninstalled
from storage.models import ConnectState, utcnow
from storage.repositories import AccountRepository, InstallationRepository
from tests.web_connect.conftest import PUBLIC_BASE_URL, TEAM, build_services, make_settings
from tests.web_connect.test_page import page_config
from web.connect import connect_routes, wording

FINISH = {"type": "WA_EMBEDDED_SIGNUP", "event": "FINISH", "version": 3,
          "data": {"waba_id": "WABA1", "phone_number_id": "PN1", "business_id": "BIZ1"}}


async def complete(client, token, code, session_info=None):
    return await client.post("/connect/complete", json={"token": token, "code": code, "session_info": session_info})


async def accounts_of(services, team_id=TEAM):
    async with services.database.session() as session:
        repo = AccountRepository(session, services.cipher)
        accounts = await repo.list_for_team(team_id)
        numbers = await repo.numbers_for_accounts(accounts)
    return accounts, numbers


async def age_links(services, **values) -> None:
    async with services.database.session() as session:
        await session.exec(update(ConnectState).values(**values))
        await session.commit()


# ---- retry links ----------------------------------------------------------------------------------------

async def test_try_again_ends_after_max_retries_with_the_link_expired_answer(client, issue_token):
    token = await issue_token()
    for _ in range(MAX_RETRIES):
        failed = await complete(client, token, "a-code-meta-rejects")
        assert failed.status_code == 400 and failed.json()["problem"] == "code_rejected"
        token = failed.json()["retry_token"]
    last = await complete(client, token, "a-code-meta-rejects")
    assert last.status_code == 410
    answer = last.json()
    assert answer["problem"] == "link_expired" and "retry_token" not in answer
    assert answer["message"] == wording.PROBLEMS["link_expired"], "start again from Slack"
    assert "code_rejected" in answer["support"], "support still sees what went wrong"


async def test_a_retry_link_dies_an_hour_after_the_first_link(client, services, issue_token, fake_graph, counts):
    failed = await complete(client, await issue_token(), "a-code-meta-rejects")
    retry = failed.json()["retry_token"]
    await age_links(services, root_created_at=utcnow() - timedelta(minutes=61))
    before = await counts()
    late = await complete(client, retry, fake_graph.issue_code("WABA1"))
    assert late.status_code == 410 and late.json()["problem"] == "link_expired"
    assert "retry_token" not in late.json()
    assert (await counts())["WhatsAppAccount"] == before["WhatsAppAccount"] == 0


async def test_the_redirect_fallback_shows_the_expired_page_when_the_chain_ends(client, issue_token):
    state = await issue_token()
    for _ in range(MAX_RETRIES):
        page = await client.get("/connect/callback", params={"code": "rejected", "state": state})
        assert page.status_code == 400
        state = page_config(page.text)["token"]
    ended = await client.get("/connect/callback", params={"code": "rejected", "state": state})
    assert ended.status_code == 410
    assert escape(wording.LINK_HEADINGS[LinkProblem.EXPIRED]) in ended.text


# ---- /connect/status after use --------------------------------------------------------------------------

async def test_status_answers_shortly_after_use_then_the_link_is_expired(client, services, fake_graph, issue_token):
    token = await issue_token()
    assert (await complete(client, token, fake_graph.issue_code("WABA1"), FINISH)).status_code == 200
    fresh = await client.get("/connect/status", params={"token": token})
    assert fresh.status_code == 200 and fresh.json()["connected"] is True
    for ago in (timedelta(minutes=11), timedelta(days=6)):
        await age_links(services, used_at=utcnow() - ago)
        stale = await client.get("/connect/status", params={"token": token})
        assert stale.status_code == 410 and stale.json()["problem"] == "link_expired", ago
        assert "numbers" not in stale.json() or stale.json()["numbers"] == []


# ---- one choice per link ---------------------------------------------------------------------------------

async def test_parallel_choices_connect_exactly_one_number(client, services, fake_graph, issue_token):
    fake_graph.add_waba("WABA3", ("PN31", "+1 555-030-0001", "Acme A"), ("PN32", "+1 555-030-0002", "Acme B"),
                        ("PN33", "+1 555-030-0003", "Acme C"))
    token = await issue_token()
    listed = await complete(client, token, fake_graph.issue_code("WABA3"), {**FINISH, "data": {"waba_id": "WABA3"}})
    assert listed.json()["status"] == "choose_number"
    registers = fake_graph.calls.count("register")
    answers = await asyncio.gather(*(
        client.post("/connect/choose", json={"token": token, "phone_number_id": pnid})
        for pnid in ("PN31", "PN32", "PN33")
    ))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200, 410, 410], [a.text for a in answers]
    assert sorted(a.json().get("problem", "") for a in answers) == ["", "link_used", "link_used"]
    accounts, numbers = await accounts_of(services)
    assert sum(n.enabled for n in numbers[accounts[0].id]) == 1
    assert fake_graph.calls.count("register") == registers + 1, "Meta registered one number"


# ---- links of a workspace without the app ----------------------------------------------------------------

@pytest.fixture
async def oauth_client(database_url, fake_graph):
    """The connect routes in OAuth mode (SLACK_CLIENT_ID/SECRET): installations decide which links live."""
    from storage.migrate import upgrade

    upgrade(database_url)
    settings = make_settings(database_url, SLACK_BOT_TOKEN="", SLACK_CLIENT_ID="1.2",
                             SLACK_CLIENT_SECRET="client-secret")
    services = build_services(settings, fake_graph)
    transport = httpx.ASGITransport(app=Starlette(routes=connect_routes(services)))
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_BASE_URL) as http:
        http.services = services
        yield http
    await services.aclose()


async def issue(services, team_id=TEAM) -> str:
    url = await services.links.issue(team_id, "U0ADMIN")
    return url.split("token=", 1)[1]


async def install(services, team_id=TEAM) -> None:
    async with services.database.session() as session:
        await InstallationRepository(session, services.cipher).save(team_id=team_id, bot_token="xoxb-live")
        await session.commit()


async def test_oauth_mode_links_work_only_where_the_app_is_installed(oauth_client, fake_graph):
    services = oauth_client.services
    token = await issue(services)
    assert (await oauth_client.get("/connect", params={"token": token})).status_code == 410
    refused = await complete(oauth_client, token, fake_graph.issue_code("WABA1"))
    assert refused.status_code == 410 and refused.json()["problem"] == "link_expired"

    await install(services)
    assert (await oauth_client.get("/connect", params={"token": token})).status_code == 200
    connected = await complete(oauth_client, token, fake_graph.issue_code("WABA1"), FINISH)
    assert connected.status_code == 200 and connected.json()["status"] == "connected"


async def test_a_link_issued_before_uninstall_never_claims(oauth_client, fake_graph):
    services = oauth_client.services
    await install(services)
    token = await issue(services)
    assert (await oauth_client.get("/connect", params={"token": token})).status_code == 200
    await workspace_uninstalled(services, team_id=TEAM, event="app_uninstalled")
    calls = len(fake_graph.calls)
    answer = await complete(oauth_client, token, fake_graph.issue_code("WABA1"), FINISH)
    assert answer.status_code in (400, 410) and answer.json()["problem"] in ("link_forged", "link_expired")
    assert len(fake_graph.calls) == calls, "Meta is not even asked: no subscription, no registration"
    assert (await accounts_of(services))[0] == []
    await install(services)  # reinstalled: the old link stays dead, a new one works
    assert (await oauth_client.get("/connect", params={"token": token})).status_code in (400, 410)
    assert (await oauth_client.get("/connect", params={"token": await issue(services)})).status_code == 200


async def test_single_workspace_mode_links_die_with_the_uninstall(client, services, fake_graph, issue_token):
    token = await issue_token()  # SLACK_BOT_TOKEN mode: no installation row, the workspace counts as live
    assert (await client.get("/connect", params={"token": token})).status_code == 200
    await workspace_uninstalled(services, team_id=TEAM, event="tokens_revoked")
    answer = await complete(client, token, fake_graph.issue_code("WABA1"), FINISH)
    assert answer.json()["status"] == "failed"
    assert (await accounts_of(services))[0] == []


# ---- verified with Meta ----------------------------------------------------------------------------------

async def test_the_business_and_coexistence_are_what_meta_reports(client, services, fake_graph, issue_token):
    session = {"type": "WA_EMBEDDED_SIGNUP", "event": "FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING",
               "data": {"waba_id": "WABA1", "business_id": "BIZ-OF-SOMEONE-ELSE"}}
    answer = await complete(client, await issue_token(), fake_graph.issue_code("WABA1"), session)
    assert answer.status_code == 200
    accounts, _ = await accounts_of(services)
    assert accounts[0].business_id == "BIZ1" and accounts[0].name == "WABA WABA1"
    assert accounts[0].is_coexistence is False, "PN1 is not on the WhatsApp Business app"
    assert "waba" in fake_graph.calls
