"""The console in Debian's chromium against the whole sandbox stack: a candidate writes on the phone, the
thread appears in the Slack pane, the recruiter answers in the thread and presses Home tab buttons."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from urllib.parse import parse_qs

import pytest
from playwright.async_api import expect

from bot.template_modal_wording import TITLE as TEMPLATE_MODAL_TITLE

from .steps import NAME, REPLY, TEXT, eventually, new_candidate, open_console

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = base64.b64decode(  # a 1x1 PNG, small enough to send as an image
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==")


async def test_candidate_writes_recruiter_answers_in_the_thread(stack, page, artifacts):
    connected = await stack.connect_number()
    number = connected["numbers"][0]
    await open_console(page, stack)
    await expect(page.locator("#number option")).to_have_count(1)
    await page.screenshot(path=str(artifacts / "01-empty.png"))

    await new_candidate(page, "212600000042", NAME)
    await page.fill("#message", TEXT)
    await page.click("#send")
    mine = page.locator("#chat li.mine")
    await expect(mine).to_have_count(1)
    await expect(mine.locator(".text")).to_have_text(TEXT)  # shown as typed, never as markup
    await expect(page.locator("#candidate")).to_contain_text("212600000042")

    # the relay opens the candidate's thread in the number's channel; the Slack pane follows it live
    parent = page.locator("#channel li.slack-msg")
    await expect(parent.first).to_be_visible()
    await expect(page.locator("#slack-title")).to_have_text(f"#{stack.slack.find_channel(number['channel_id']).name}")
    await parent.first.locator("button.replies").click()
    thread = page.locator("#thread-pane")
    await expect(thread).to_be_visible()
    await expect(thread).to_contain_text("<script>window.pwned=2</script>")  # the relay escaped it; we decoded it
    await page.screenshot(path=str(artifacts / "02-thread.png"))

    # the recruiter answers in the thread: a signed message event reaches the relay
    await page.fill("#reply-text", REPLY)
    await page.click("#reply button")
    await expect(page.locator("#slack-status")).to_have_attribute("data-status", "200")
    await expect(thread.locator("li.slack-msg", has_text=REPLY)).to_have_count(1)  # escaped as Slack's client does
    delivered = [d for d in stack.slack.deliveries if d["kind"] == "event" and REPLY.split("<")[0] in
                 d["request"]["body"]]
    assert delivered and delivered[-1]["result"]["status"] == 200

    async def sent_to_candidate():
        return [m for m in stack.meta.messages if m["wa_id"] == "212600000042"]

    answered = await eventually(sent_to_candidate, within=8)
    if answered:  # the relay sends thread replies to WhatsApp (not on every branch yet)
        await expect(page.locator("#chat li.theirs")).to_have_count(len(answered))
        await expect(page.locator("#chat li.theirs .tick").last).to_have_attribute("data-status", "read",
                                                                                    timeout=20_000)
    await page.screenshot(path=str(artifacts / "03-answered.png"))

    # nothing anyone typed became markup
    assert await page.evaluate("window.pwned") is None
    assert await page.locator("img[src='x'], #chat b, #thread b, #chat script").count() == 0
    assert page.errors == []  # type: ignore[attr-defined]


async def test_phone_reacts_attaches_shares_location_and_switches_candidates(stack, page, artifacts):
    await stack.connect_number()
    await open_console(page, stack)
    await new_candidate(page, "US.1349120865530274191", "Bo")
    await page.fill("#message", "first")
    await page.click("#send")
    await expect(page.locator("#chat li.mine")).to_have_count(1)

    await page.locator("#chat li.mine").first.click()
    await page.locator("#reaction-bar button", has_text="👍").click()
    await expect(page.locator("#chat li.mine .reaction")).to_have_text("👍")

    await page.set_input_files("#attach", files=[{"name": "photo.png", "mimeType": "image/png", "buffer": PNG}])
    await expect(page.locator("#chat li.mine")).to_have_count(2)
    await expect(page.locator("#chat li.mine").last).to_contain_text("🖼️ image")
    await page.set_input_files("#attach", files=[{"name": "cv.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    await expect(page.locator("#chat li.mine")).to_have_count(3)
    await expect(page.locator("#chat li.mine").last).to_contain_text("📄 cv.pdf")

    page.once("dialog", lambda dialog: asyncio.ensure_future(dialog.accept("52.37, 4.89")))
    await page.click("#share-location")
    await expect(page.locator("#chat li.mine")).to_have_count(4)
    await expect(page.locator("#chat li.mine").last).to_contain_text("52.37, 4.89")
    kinds = [m["type"] for m in stack.meta.inbound.values()]
    assert kinds == ["text", "reaction", "image", "document", "location"]
    assert all(m["user_id"] == "US.1349120865530274191" for m in stack.meta.inbound.values())

    # a second candidate of the same number, then back to the first: each phone shows its own chat
    await page.select_option("#candidate", "__new__")
    await new_candidate(page, "212600000077", "Carla")
    await page.fill("#message", "I am Carla")
    await page.click("#send")
    await expect(page.locator("#chat li.mine")).to_have_count(1)
    await page.select_option("#candidate", "US.1349120865530274191")
    await expect(page.locator("#chat li.mine")).to_have_count(4)
    # Bo's image and document reached Slack as files in Bo's thread
    await expect(page.locator("#channel li.slack-msg")).to_have_count(2, timeout=20_000)
    await page.locator("#channel li.slack-msg", has_text="Bo").locator("button.replies").click()
    files = page.locator("#thread .file")
    await expect(files).to_have_count(2, timeout=20_000)
    await expect(files.last).to_contain_text("application/pdf")
    await page.screenshot(path=str(artifacts / "04-phone.png"))


async def test_home_tab_buttons_people_and_raw_traffic(stack, page, artifacts):
    await stack.connect_number()
    await open_console(page, stack)
    await page.click("#open-home")
    home = page.locator("#home")
    await expect(home.locator(".bk-blocks")).to_be_visible()
    await expect(home.locator("[data-block-type='header']").first).to_be_visible()
    buttons = home.locator("button.bk-button[data-action-id]")
    await expect(buttons.first).to_be_visible()
    await page.screenshot(path=str(artifacts / "05-home-admin.png"))
    admin_view = await home.inner_text()

    before = len(stack.slack.deliveries)
    page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.dismiss()))
    page.on("popup", lambda popup: asyncio.ensure_future(popup.close()))
    plain = home.locator("button.bk-button[data-action-id]:not(.bk-danger)").first
    await plain.click()
    await expect(page.locator("#slack-status")).to_have_attribute("data-status", "200")
    actions = [json.loads(parse_qs(d["request"]["body"])["payload"][0])
               for d in stack.slack.deliveries[before:] if d["kind"] == "interactivity"]
    assert actions and actions[-1]["type"] == "block_actions"
    assert actions[-1]["actions"][0]["action_id"] == await plain.get_attribute("data-action-id")

    # the member sees their own Home tab
    member = stack.workspace.member_user_id
    await page.select_option("#person", member)

    async def member_home():
        return stack.slack.latest_home_view(stack.workspace.team_id, member)

    assert await eventually(member_home), "the member's Home tab was never published"
    await expect(home.locator(".bk-blocks")).to_be_visible()
    await expect(home).not_to_have_text(admin_view)
    await page.screenshot(path=str(artifacts / "06-home-member.png"))

    # the raw traffic pane lists webhooks and calls, without a single token or secret
    await page.click("#toggle-traffic")
    rows = page.locator("#traffic li")
    await expect(rows.first).to_be_visible()
    await expect(page.locator("#traffic")).to_contain_text("relay → Slack views.publish")
    await expect(page.locator("#traffic")).to_contain_text("Slack → relay interactivity")
    # every Graph call the relay made while connecting the number, not only its sends
    api = stack.meta.config.api_version
    await expect(page.locator("#traffic")).to_contain_text(f"relay → Graph GET /{api}/oauth/access_token")
    await expect(page.locator("#traffic")).to_contain_text("/subscribed_apps")
    await expect(page.locator("#traffic")).to_contain_text("/register")
    for row in await rows.locator("details").all():
        await row.evaluate("d => d.open = true")
    shown = await page.locator("#traffic-pane").inner_text()
    for secret in (stack.workspace.bot_token, *stack.secrets.values()):
        assert secret not in shown
    await page.screenshot(path=str(artifacts / "07-traffic.png"))


async def test_stacked_on_a_phone_width(stack, browser, artifacts):
    await stack.connect_number()
    context = await browser.new_context(viewport={"width": 390, "height": 844})
    page = await context.new_page()
    try:
        await page.goto(stack.console_url)
        await expect(page.locator("body")).to_have_attribute("data-ready", "true")
        phone = await page.locator(".phone-pane").bounding_box()
        slack = await page.locator(".slack-pane").bounding_box()
        assert slack["y"] >= phone["y"] + phone["height"] - 1  # stacked, not side by side
        assert phone["width"] <= 390 and slack["width"] <= 390
        await page.screenshot(path=str(artifacts / "08-phone-width.png"), full_page=True)
    finally:
        await context.close()


async def test_what_the_business_sends_shows_on_the_phone_with_ticks_turning_blue(stack, page, artifacts):
    """Sent straight through Graph with the business's token (the relay's own thread-reply sending is
    tested where it lives): the phone shows the message, then its ticks follow Meta's status webhooks."""
    outcome = await stack.connect_number()
    pnid = outcome["numbers"][0]["phone_number_id"]
    await stack.http.post(f"{stack.meta_sim_url}/_sim/meta/inbound", json={
        "phone_number_id": pnid, "from": "212600000042", "name": "Amina", "type": "text", "text": "Hi"})
    waba = stack.meta.wabas[stack.meta.numbers[pnid].waba_id]
    token = next(t.value for t in stack.meta.tokens.values() if t.business_id == waba.business_id and not t.revoked)
    await open_console(page, stack)
    await expect(page.locator("#chat li.mine")).to_have_count(1)
    sent = await stack.http.post(
        f"{stack.meta_sim_url}/{stack.meta.config.api_version}/{pnid}/messages",
        headers={"Authorization": f"Bearer {token}"},
        json={"messaging_product": "whatsapp", "to": "212600000042", "type": "text",
              "text": {"body": "Thanks Amina <b>we</b> will call"}})
    assert sent.status_code == 200, sent.text
    theirs = page.locator("#chat li.theirs")
    await expect(theirs).to_have_count(1)
    await expect(theirs.locator(".text")).to_have_text("Thanks Amina <b>we</b> will call")
    await expect(theirs.locator(".tick")).to_have_attribute("data-status", "read", timeout=10_000)
    await expect(theirs.locator(".tick")).to_have_text("✓✓")
    await page.screenshot(path=str(artifacts / "09-ticks.png"))


async def test_commands_modals_edits_and_deletes(stack, page, artifacts):
    await stack.connect_number()
    await open_console(page, stack)
    await new_candidate(page, "212600000042", "Amina")
    await page.fill("#message", "Hello tyop")
    await page.click("#send")
    await expect(page.locator("#chat li.mine")).to_have_count(1)
    await page.fill("#message", "second")
    await page.click("#send")
    await expect(page.locator("#chat li.mine")).to_have_count(2)

    # the candidate edits the first message, deletes the second: each bubble changes in place
    page.once("dialog", lambda dialog: asyncio.ensure_future(dialog.accept("Hello typo")))
    await page.locator("#chat li.mine").first.click()
    await page.click("#reaction-bar button.edit")
    await expect(page.locator("#chat li.mine").first.locator(".text")).to_have_text("Hello typo")
    await expect(page.locator("#chat li.mine").first).to_contain_text("edited")
    await page.locator("#chat li.mine").last.click()
    await page.click("#reaction-bar button.delete")
    await expect(page.locator("#chat li.mine").last).to_contain_text("You deleted this message")
    assert [m["type"] for m in stack.meta.inbound.values()] == ["text", "text", "edit", "revoke"]

    # the recruiter types /template: the template modal opens for them, filled in after "Loading…"
    await expect(page.locator("#channel li.slack-msg").first).to_be_visible()
    await page.fill("#post-text", "/template")
    await page.click("#post button")
    await expect(page.locator("#slack-status")).to_have_attribute("data-status", "200")
    await expect(page.locator("#modal-title")).to_have_text(TEMPLATE_MODAL_TITLE)
    await expect(page.locator("#modal-body")).to_contain_text("Template")
    commands = [d for d in stack.slack.deliveries if d["kind"] == "command"]
    assert commands and "command=%2Ftemplate" in commands[-1]["request"]["body"]
    await page.click("#modal-close")
    await expect(page.locator("#modal")).to_be_hidden()

    # the admin opens the webhook inspector from the Home tab: a modal, closed with its button
    await page.click("#open-home")
    await page.locator("#home button.bk-button", has_text="Webhook inspector").click()
    modal = page.locator("#modal")
    await expect(modal).to_be_visible()
    await expect(page.locator("#modal-title")).not_to_be_empty()
    await expect(page.locator("#modal-body .bk-blocks")).to_be_visible()
    await page.screenshot(path=str(artifacts / "10-modal.png"))
    await page.click("#modal-close")
    await expect(modal).to_be_hidden()
    assert stack.slack.workspace(stack.workspace.team_id).modal_stacks.get(stack.workspace.admin_user_id) == []


async def test_both_panes_follow_changes_within_a_second_without_reload(stack, page, artifacts):
    """Changes made elsewhere (straight to the simulators) appear by themselves: the change stream, no reload."""
    outcome = await stack.connect_number()
    pnid = outcome["numbers"][0]["phone_number_id"]
    await stack.http.post(f"{stack.meta_sim_url}/_sim/meta/inbound", json={
        "phone_number_id": pnid, "from": "212600000042", "name": "Amina", "type": "text", "text": "first"})
    await open_console(page, stack)
    await expect(page.locator("#chat li.mine")).to_have_count(1)
    await expect(page.locator("#channel li.slack-msg")).to_have_count(1)
    loads = []
    page.on("load", lambda _: loads.append(1))

    started = time.monotonic()
    await stack.http.post(f"{stack.meta_sim_url}/_sim/meta/inbound", json={
        "phone_number_id": pnid, "from": "212600000042", "type": "text", "text": "second"})
    await expect(page.locator("#chat li.mine")).to_have_count(2, timeout=3_000)
    phone_seconds = time.monotonic() - started

    channel = outcome["numbers"][0]["channel_id"]
    await stack.slack_event(kind="event", event={"type": "message", "channel": channel,
                                                 "user": stack.workspace.member_user_id, "text": "a recruiter"})
    started = time.monotonic()  # once the relay answered Slack's delivery (its own time is not the console's)
    await expect(page.locator("#channel li.slack-msg", has_text="a recruiter")).to_have_count(1, timeout=3_000)
    slack_seconds = time.monotonic() - started
    print(f"console caught up: phone {phone_seconds:.2f} s, Slack {slack_seconds:.2f} s")
    # the aim is under a second (0.1-0.8 s measured on a busy 2-core machine); the margin keeps it from flaking
    assert phone_seconds < 1.5 and slack_seconds < 1.5
    assert loads == []


async def test_slack_pane_shows_reactions_and_edits(stack, page, artifacts):
    outcome = await stack.connect_number()
    number = outcome["numbers"][0]
    await stack.http.post(f"{stack.meta_sim_url}/_sim/meta/inbound", json={
        "phone_number_id": number["phone_number_id"], "from": "212600000042", "type": "text", "text": "hi"})
    await open_console(page, stack)
    parent = page.locator("#channel li.slack-msg").first
    await expect(parent).to_be_visible()
    ts = await parent.get_attribute("data-ts")
    api = f"{stack.slack_sim_url}/api"
    headers = {"Authorization": f"Bearer {stack.workspace.bot_token}"}
    added = await stack.http.post(f"{api}/reactions.add", headers=headers,
                                  data={"channel": number["channel_id"], "timestamp": ts, "name": "eyes"})
    assert added.json()["ok"], added.text
    await expect(parent.locator(".reaction")).to_have_text("👀 1")
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*changed* parent"}}]
    updated = await stack.http.post(f"{api}/chat.update", headers=headers, json={
        "channel": number["channel_id"], "ts": ts, "text": "changed parent", "blocks": blocks})
    assert updated.json()["ok"], updated.text
    await expect(parent.locator(".edited")).to_have_text("(edited)")
    await expect(parent.locator(".msg-body strong")).to_have_text("changed")


async def test_without_the_change_stream_the_console_polls(stack, page):
    outcome = await stack.connect_number()
    pnid = outcome["numbers"][0]["phone_number_id"]
    await page.route("**/_console/changes", lambda route: route.fulfill(status=503, body="no streams here"))
    await page.goto(stack.console_url)
    await expect(page.locator("#live")).to_have_attribute("data-live", "polling")
    await stack.http.post(f"{stack.meta_sim_url}/_sim/meta/inbound", json={
        "phone_number_id": pnid, "from": "212600000042", "type": "text", "text": "polled in"})
    await expect(page.locator("#chat li.mine .text")).to_have_text("polled in", timeout=3_000)


async def test_what_is_typed_while_a_message_is_sent_is_kept(stack, page):
    """The field empties when the message leaves, not when Meta's simulator answers: the next message, typed
    meanwhile, is not wiped (a fast typist lost it before). A refused message comes back to the field."""
    await stack.connect_number()
    await open_console(page, stack)
    await new_candidate(page, "212600000043", "Yusuf")
    answered = asyncio.Event()

    async def slow(route):  # type: ignore[no-untyped-def]
        await asyncio.sleep(0.5)
        await route.continue_()
        answered.set()

    await page.route("**/_console/meta/inbound", slow)
    await page.fill("#message", "first")
    await page.click("#send")
    await page.fill("#message", "typed meanwhile")
    assert not answered.is_set(), "the simulator answered before the next message was typed: no overlap tried"
    await asyncio.wait_for(answered.wait(), 10)
    await expect(page.locator("#chat li.mine")).to_have_count(1)
    await expect(page.locator("#message")).to_have_value("typed meanwhile")

    await page.unroute("**/_console/meta/inbound")
    await page.route("**/_console/meta/inbound", lambda route: route.fulfill(
        status=400, content_type="application/json", body=json.dumps({"error": "refused for the test"})))
    await page.fill("#message", "refused one")
    await page.click("#send")
    await expect(page.locator("#phone-status")).to_contain_text("refused for the test")
    await expect(page.locator("#message")).to_have_value("refused one")
