"""The template cache against the Meta simulator: every page is read, connecting reads it, a failed read
keeps the old cache, two instances running the job read each account once."""

from __future__ import annotations

import asyncio
import time

from relay.services import Services
from relay.templates import sync
from relay.templates.sync import sync_due_accounts, sync_templates
from sandbox.meta.paging import MAX_LIMIT
from storage.models import utcnow
from storage.repositories import AccountRepository
from storage.repositories.templates import TemplateRepository, approved_templates
from tests.bot.conftest import SlackDriver, eventually, view_text

from .conftest import Templates, connect


async def test_connecting_a_number_reads_its_templates(stack):
    templates = await connect(stack)  # waits until the cache matches Meta's list
    cached = await templates.cached()
    assert {(t.name, t.language) for t in cached} == {(t.name, t.language) for t in templates.at_meta()}
    invite = next(t for t in cached if t.name == "interview_invite")
    assert invite.status == "APPROVED" and invite.category == "UTILITY"
    assert invite.parameter_format == "POSITIONAL" and invite.components[0]["type"] == "BODY"
    state = await templates.sync_state()
    assert state is not None and state.synced_at is not None and state.error is None
    assert state.template_count == len(cached)


async def test_every_page_is_read_and_templates_meta_dropped_are_deleted(templates: Templates, stack):
    assert sync.PAGE_SIZE <= MAX_LIMIT
    templates.add_at_meta(sync.PAGE_SIZE + 30)  # more than one page, whatever page size we ask for
    dropped = next(t for t in templates.at_meta() if t.name == "hello_world")
    del templates.world.templates[dropped.id]
    assert len(templates.at_meta()) > sync.PAGE_SIZE

    outcome = await sync_templates(stack.services, await templates.account())

    assert outcome.ok and outcome.count == len(templates.at_meta()) and outcome.changed
    cached = await templates.cached()
    assert sorted(t.template_id for t in cached) == sorted(t.id for t in templates.at_meta())
    assert "bulk_129" in {t.name for t in cached}, "the last page was read"
    assert "hello_world" not in {t.name for t in cached}, "Meta no longer lists it"


async def test_a_failed_read_keeps_the_old_cache_and_says_why(templates: Templates, stack):
    before = sorted((t.template_id, t.status) for t in await templates.cached())
    templates.add_at_meta(3)
    await templates.fault(error_code=190, http_status=401, message="Error validating access token", count=10)

    outcome = await sync_templates(stack.services, await templates.account())

    assert not outcome.ok and outcome.problem == "token_invalid"
    assert sorted((t.template_id, t.status) for t in await templates.cached()) == before
    state = await templates.sync_state()
    assert state.error and state.error.startswith("token_invalid") and state.failed_at is not None
    assert state.synced_at is not None, "the last good read is still known"
    assert state.due_at <= utcnow() + sync.RETRY_AFTER, "it is tried again soon"


async def test_two_instances_running_the_job_read_each_account_once(stack):
    first = await connect(stack)
    second = await connect(stack)
    for account in (first, second):  # both due again
        async with stack.services.database.session() as session:
            await TemplateRepository(session).request_sync(account.account_id)
            await session.commit()
    other = Services.build(stack.settings)  # a second relay process: its own engine and Graph client
    reads: list[tuple[str, str]] = []

    def counting(services: Services, instance: str) -> None:
        original = services.graph.list_templates

        async def counted(waba_id, token, **kwargs):  # type: ignore[no-untyped-def]
            reads.append((instance, waba_id))
            await asyncio.sleep(0.2)  # both instances are inside the job at the same time
            return await original(waba_id, token, **kwargs)

        services.graph.list_templates = counted  # type: ignore[method-assign]

    counting(stack.services, "one")
    counting(other, "two")
    try:
        synced = await asyncio.gather(sync_due_accounts(stack.services), sync_due_accounts(other))
        again = await asyncio.gather(sync_due_accounts(stack.services), sync_due_accounts(other))
    finally:
        await other.aclose()

    assert sorted(waba for _, waba in reads) == sorted([first.waba_id, second.waba_id]), reads
    assert sum(synced) == 2 and again == [0, 0], "nothing is due until the interval passes"
    for account in (first, second):
        assert await account.cached_matches_meta()


async def test_a_failed_read_at_connect_time_does_not_fail_the_connection(stack):
    response = await stack.http.post(f"{stack.meta_sim_url}/_sim/meta/faults", json={
        "endpoint": "message_templates", "error_code": 2, "http_status": 503, "is_transient": True, "count": 50})
    assert response.status_code == 200, response.text
    connected = await stack.connect_number(user_id=stack.workspace.admin_user_id)
    assert connected["status"] == "connected", connected
    async with stack.services.database.session() as session:
        accounts = await AccountRepository(session, stack.services.cipher).list_for_team(stack.workspace.team_id)
    account_id = accounts[0].id

    async def failed_state():  # type: ignore[no-untyped-def]
        async with stack.services.database.session() as session:
            state = (await TemplateRepository(session).sync_states([account_id])).get(account_id)
        return state if state is not None and state.failed_at is not None else None

    state = await eventually(failed_state, within=30, what="the failed read to be recorded")
    assert state.error.startswith("meta_error") and state.synced_at is None
    assert state.due_at <= utcnow() + sync.RETRY_AFTER, "the job tries again soon"


async def test_approved_templates_offers_only_approved_ones_as_frozen_models(templates: Templates, stack):
    rejected = templates.add_at_meta(1, status="REJECTED", prefix="refused")[0]
    await sync_templates(stack.services, await templates.account())
    async with stack.services.database.session() as session:
        offered = await approved_templates(session, templates.account_id)
    names = [(t.name, t.language) for t in offered]
    expected = sorted((t.name, t.language) for t in templates.at_meta() if t.status == "APPROVED")
    assert names == expected and rejected.name not in {n for n, _ in names}
    invite = next(t for t in offered if t.name == "interview_invite")
    assert (invite.category, invite.parameter_format) == ("UTILITY", "POSITIONAL")
    assert [c["type"] for c in invite.components] == ["BODY", "FOOTER", "BUTTONS"]
    try:
        invite.name = "other"  # type: ignore[misc]
    except AttributeError:
        pass
    else:
        raise AssertionError("ApprovedTemplate must be frozen")


async def test_quality_and_rejection_reasons_are_cached_as_meta_lists_them(templates: Templates, stack):
    refused = templates.add_at_meta(1, status="REJECTED", prefix="refused")[0]
    refused.rejected_reason = "INVALID_FORMAT"
    await sync_templates(stack.services, await templates.account())
    cached = {t.name: t for t in await templates.cached()}
    assert cached[refused.name].rejected_reason == "INVALID_FORMAT"
    assert cached["interview_invite"].rejected_reason is None, "Meta's NONE means no reason"
    assert cached["interview_invite"].quality_score == "UNKNOWN"  # the simulator's quality_score.score


async def test_a_slow_read_at_connect_time_finishes_in_the_background_and_reaches_the_home_tab(stack):
    slack = SlackDriver(stack)
    await slack.open_home("U0ADMIN")
    delay = sync.CONNECT_WAIT_SECONDS + 8  # far beyond the claim's wait, so a busy machine cannot blur the two
    response = await stack.http.post(f"{stack.meta_sim_url}/_sim/meta/faults", json={
        "endpoint": "message_templates", "delay_ms": int(delay * 1000), "count": 1})
    assert response.status_code == 200, response.text
    started = time.monotonic()
    connected = await stack.connect_number(user_id="U0ADMIN")
    assert connected["status"] == "connected", connected
    async with stack.services.database.session() as session:
        accounts = await AccountRepository(session, stack.services.cipher).list_for_team(stack.workspace.team_id)
        cached = await TemplateRepository(session).for_account(accounts[0].id)
    assert cached == [], "the claim answered before Meta did"
    assert time.monotonic() - started < delay, "the claim waited for Meta's slow answer"
    assert "`interview_invite`" not in view_text(slack.home("U0ADMIN")), "published before Meta answered"

    # the background read publishes the Home tab again when it is done
    await eventually(lambda: "`interview_invite`" in view_text(slack.home("U0ADMIN")), within=delay + 15,
                     what="the templates on the Home tab once Meta answered")
