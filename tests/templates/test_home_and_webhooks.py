"""Templates on the Home tab, kept current by Meta's template webhooks and the Refresh templates button, as
Slack and Meta would drive them: signed events and block actions into the relay, webhooks from the Meta
simulator."""

from __future__ import annotations

from datetime import timedelta

from bot import template_wording as wording
from bot.home import MAX_BLOCKS
from bot.home_templates import SHOWN_TEMPLATES
from relay.templates.sync import sync_due_accounts
from storage.models import utcnow
from tests.bot.conftest import controls, view_text

from .conftest import Templates, eventually

REFRESH = "refresh_templates"


def template_lines(view: dict) -> list[str]:
    return [line for line in view_text(view).splitlines() if line.startswith("`")]


async def test_the_home_tab_lists_templates_approved_first_with_status_category_and_language(templates, slack):
    view = await slack.open_home("U0ADMIN")
    lines = template_lines(view)
    at_meta = templates.at_meta()
    assert len(lines) == len(at_meta)
    assert "`job_opportunity` · fr · Marketing · :large_green_circle: Approved" in lines
    assert "`interview_invite` · en_US · Utility · :large_green_circle: Approved" in lines
    statuses = [line.rsplit(" · ", 1)[1] for line in lines]
    approved = wording.TEMPLATE_STATUS_LABELS["APPROVED"]
    assert statuses == sorted(statuses, key=lambda s: s != approved), "APPROVED first"
    assert f"{len(at_meta)} ({sum(t.status == 'APPROVED' for t in at_meta)} approved)" in view_text(view)


async def test_a_long_list_is_cut_to_a_few_with_a_count_of_the_rest_within_slacks_limits(templates, stack, slack):
    templates.add_at_meta(40, status="PENDING", prefix="draft")
    await slack.open_home("U0ADMIN")
    before = len(slack.publishes("U0ADMIN"))
    await slack.press("U0ADMIN", f"{REFRESH}:{templates.account_id}", value=str(templates.account_id))
    view = await slack.next_home("U0ADMIN", before, "the Home tab after Refresh templates")
    lines = template_lines(view)
    assert len(lines) == SHOWN_TEMPLATES
    approved = sum(t.status == "APPROVED" for t in templates.at_meta())
    assert 0 < approved < SHOWN_TEMPLATES
    assert all("Approved" in line for line in lines[:approved]), "APPROVED ones come first"
    assert all("Approved" not in line for line in lines[approved:])
    total = len(templates.at_meta())
    assert wording.templates_more(total - SHOWN_TEMPLATES) in view_text(view)
    assert len(view["blocks"]) <= MAX_BLOCKS


async def test_a_status_webhook_updates_the_cached_template_and_the_home_tab(templates: Templates, slack):
    await slack.open_home("U0ADMIN")
    before = len(slack.publishes("U0ADMIN"))
    await templates.meta_event(field="message_template_status_update", name="interview_invite",
                               language="en_US", event="REJECTED", reason="INCORRECT_CATEGORY")

    async def rejected():  # type: ignore[no-untyped-def]
        return next((t for t in await templates.cached() if t.name == "interview_invite"
                     and t.status == "REJECTED"), None)

    row = await eventually(rejected, what="the cached template to turn REJECTED")
    assert row.rejected_reason == "INCORRECT_CATEGORY"
    assert (await templates.sync_state()).due_at <= utcnow(), "and a full read is due"
    view = await slack.next_home("U0ADMIN", before, "the Home tab after the webhook")
    assert "`interview_invite` · en_US · Utility · :red_circle: Rejected" in template_lines(view)


async def test_quality_and_category_webhooks_update_the_cached_row(templates: Templates):
    await templates.meta_event(field="message_template_quality_update", name="interview_invite",
                               language="en_US", new_quality_score="RED")
    await templates.meta_event(field="template_category_update", name="interview_invite", language="en_US",
                               new_category="MARKETING")

    async def updated():  # type: ignore[no-untyped-def]
        row = next(t for t in await templates.cached() if t.name == "interview_invite")
        return row if (row.quality_score, row.category) == ("RED", "MARKETING") else None

    await eventually(updated, what="quality RED and category MARKETING in the cache")


async def test_a_components_change_makes_the_job_read_the_templates_again(templates: Templates, stack):
    state = await templates.sync_state()  # not due for hours after connecting
    assert state.due_at > utcnow() + timedelta(hours=1)
    invite = next(t for t in templates.at_meta() if t.name == "interview_invite")
    invite.components[0]["text"] = "Hi {{1}}, new wording for the {{2}} role."
    value = {"message_template_id": int(invite.id), "message_template_name": invite.name,
             "message_template_language": invite.language,
             "message_template_element": "Hi {{1}}, new wording for the {{2}} role."}
    envelope = {"object": "whatsapp_business_account", "entry": [{"id": templates.waba_id, "time": 1893456000,
                "changes": [{"field": "message_template_components_update", "value": value}]}]}
    response = await stack.http.post(f"{stack.meta_sim_url}/_sim/meta/inbound", json={"raw": envelope})
    assert response.status_code == 200, response.text

    async def due():  # type: ignore[no-untyped-def]
        current = await templates.sync_state()
        return current.due_at <= utcnow()

    await eventually(due, what="a resync to be due")
    assert await sync_due_accounts(stack.services) == 1
    cached = next(t for t in await templates.cached() if t.name == "interview_invite")
    assert cached.components[0]["text"] == "Hi {{1}}, new wording for the {{2}} role."


async def test_refresh_templates_reads_meta_for_an_admin(templates: Templates, slack):
    view = await slack.open_home("U0ADMIN")
    button = controls(view)[f"{REFRESH}:{templates.account_id}"]
    assert button["text"]["text"] == wording.REFRESH_TEMPLATES_BUTTON
    templates.add_at_meta(2, prefix="fresh")
    before = len(slack.publishes("U0ADMIN"))
    await slack.press("U0ADMIN", button["action_id"], value=button["value"])

    async def with_notice():  # type: ignore[no-untyped-def]
        return len(slack.publishes("U0ADMIN")) > before and "Templates read from Meta again" in view_text(
            slack.home("U0ADMIN"))

    await eventually(with_notice, what="the refreshed notice")
    text = view_text(slack.home("U0ADMIN"))
    approved = sum(t.status == "APPROVED" for t in templates.at_meta())
    assert wording.notice_templates_refreshed(len(templates.at_meta()), approved) in text
    assert "`fresh_001`" in text
    assert {t.name for t in await templates.cached()} >= {"fresh_000", "fresh_001"}


async def test_a_member_sees_no_refresh_button_and_a_forged_press_is_refused(templates: Templates, slack):
    view = await slack.open_home("U0MEMBER")
    assert template_lines(view), "members see the templates"
    assert f"{REFRESH}:{templates.account_id}" not in controls(view)
    templates.add_at_meta(1, prefix="sneaky")
    before = len(slack.publishes("U0MEMBER"))
    await slack.press("U0MEMBER", f"{REFRESH}:{templates.account_id}", value=str(templates.account_id))
    view = await slack.next_home("U0MEMBER", before, "the member's Home tab after the forged press")
    assert wording.NOTICE_TEMPLATES_NOT_ALLOWED in view_text(view)
    assert "sneaky_000" not in {t.name for t in await templates.cached()}, "Meta was not asked"


async def test_a_failed_refresh_keeps_the_old_list_and_says_so(templates: Templates, slack):
    await slack.open_home("U0ADMIN")
    before_rows = sorted(t.template_id for t in await templates.cached())
    templates.add_at_meta(1, prefix="unseen")
    await templates.fault(error_code=80007, http_status=400, message="Rate limit hit", count=10)
    before = len(slack.publishes("U0ADMIN"))
    await slack.press("U0ADMIN", f"{REFRESH}:{templates.account_id}", value=str(templates.account_id))
    view = await slack.next_home("U0ADMIN", before, "the Home tab after a failed refresh")
    text = view_text(view)
    assert wording.notice_templates_failed("throttled") in text
    assert wording.TEMPLATE_SYNC_PROBLEMS["throttled"] in text.split(wording.notice_templates_failed("throttled"))[1]
    assert "This list is from" in text
    assert "`interview_invite`" in text and "unseen_000" not in text
    assert sorted(t.template_id for t in await templates.cached()) == before_rows
