"""The connect page in real headless Chromium, against the whole stack: the relay, and the Meta simulator's
SDK stand-in and pop-up on its own localhost origin. Set WASLACK_SCREENSHOTS=/some/folder to keep a
screenshot of every state."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import uvicorn
from playwright.async_api import expect
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from relay.onboarding.links import LinkError
from sandbox.stack import free_port
from storage.models import utcnow
from storage.repositories import AccountRepository

pytestmark = pytest.mark.browser


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


async def open_page(page, stack) -> str:
    """Open a fresh connect link and wait until Meta's SDK (the simulator's) is ready."""
    url = await stack.connect_link()
    response = await page.goto(url)
    assert response.status == 200
    await expect(page.locator("#connect")).to_be_enabled()
    await expect(page.locator("#connect")).to_have_text("Continue with Facebook")
    return token_of(url)


async def launch(page):
    """Click Connect; return the Embedded Signup pop-up."""
    async with page.expect_popup() as opened:
        await page.click("#connect")
    popup = await opened.value
    await popup.wait_for_load_state()
    return popup


def state_of(page):
    return expect(page.locator("body"))


async def connected_numbers(stack) -> list[tuple[str, bool, str]]:
    async with stack.services.database.session() as session:
        accounts = AccountRepository(session, stack.services.cipher)
        found = await accounts.list_for_team(stack.workspace.team_id)
        numbers = await accounts.numbers_for_accounts(found)
    return [(n.phone_number_id, n.enabled, a.status) for a in found for n in numbers[a.id]]


async def test_success(stack, page, snap):
    token = await open_page(page, stack)
    await snap(page, "01-idle")
    release = asyncio.Event()

    async def hold_complete(route):  # keep the answer back a moment so the checking state can be seen
        await release.wait()
        await route.continue_()

    await page.route("**/connect/complete", hold_complete)
    popup = await launch(page)
    await state_of(page).to_have_attribute("data-state", "pending")
    await snap(page, "02-pending")
    await popup.click("#finish")
    await state_of(page).to_have_attribute("data-state", "checking")
    await expect(page.locator("#checking-heading")).to_have_text("Connecting your number…")
    await snap(page, "03-checking")
    release.set()
    await state_of(page).to_have_attribute("data-state", "success")
    await expect(page.locator("#state-success h1")).to_have_text("Your WhatsApp number is connected")
    await expect(page.locator("#success-numbers li")).to_have_count(1)
    await expect(page.locator("#success-warnings")).to_be_hidden()
    await snap(page, "04-success")

    [(phone_number_id, enabled, status)] = await connected_numbers(stack)
    assert enabled and status == "active"
    sim_number = stack.meta.numbers[phone_number_id]
    await expect(page.locator("#success-numbers li")).to_contain_text(sim_number.display_phone_number)
    with pytest.raises(LinkError):
        await stack.services.links.inspect(token)

    # the page names the number's Slack channel and links back to it, in the app and on the web
    await expect(page.locator("#success-payment")).to_be_hidden()
    channel_id = await number_channel(stack, phone_number_id)
    name = stack.slack.find_channel(channel_id).name
    team = stack.workspace.team_id
    item = page.locator("#success-channels li.channel")
    await expect(item).to_have_count(1)
    await expect(item).to_contain_text(f"Conversations go to #{name}")
    assert await item.locator("a", has_text="Open in Slack").get_attribute("href") == (
        f"slack://channel?team={team}&id={channel_id}")
    web = f"https://app.slack.com/client/{team}/{channel_id}"
    assert await item.locator("a", has_text="Open in the browser").get_attribute("href") == web
    assert await item.locator("a.channel-name").get_attribute("href") == web
    # and a reload shows this result again instead of "already used"
    await expect(page).to_have_url(f"{stack.relay_url}/connect/callback?state={token}")
    await page.reload()
    await state_of(page).to_have_attribute("data-state", "success")
    await expect(page.locator("#success-channels li.channel")).to_contain_text(f"#{name}")


async def number_channel(stack, phone_number_id: str) -> str:
    async with stack.services.database.session() as session:
        number = await AccountRepository(session, stack.services.cipher).number_by_phone_number_id(
            phone_number_id)
    return number.slack_channel_id


async def test_the_page_says_whom_the_link_is_for_before_the_button(stack, page):
    await open_page(page, stack)
    audience = page.locator("#audience")
    await expect(audience).to_contain_text("Connecting to Sandbox Recruiting for @ada")
    box, button = await audience.bounding_box(), await page.locator("#connect").bounding_box()
    assert box["y"] + box["height"] <= button["y"], "read before the Facebook button"


async def test_a_missing_payment_method_is_said_on_the_success_page_with_a_link(stack, page, snap):
    await open_page(page, stack)
    popup = await launch(page)
    await popup.uncheck("#payment-method")
    await popup.click("#finish")
    await state_of(page).to_have_attribute("data-state", "success")
    payment = page.locator("#success-payment")
    await expect(payment).to_be_visible()
    await expect(payment).to_contain_text("Payment method missing — messages can't be sent")
    manager = payment.locator("a", has_text="WhatsApp Manager")
    assert await manager.get_attribute("href") == "https://business.facebook.com/wa/manage/home/"
    await expect(page.locator("#success-warnings li")).to_have_count(0)
    await snap(page, "17-payment-missing")


async def test_cancel_returns_to_idle_and_says_where(stack, page, snap):
    token = await open_page(page, stack)
    popup = await launch(page)
    await popup.select_option("#cancel-step", "PHONE_NUMBER_VERIFICATION")
    await popup.click("#cancel")
    await state_of(page).to_have_attribute("data-state", "idle")
    notice = page.locator("#idle-notice")
    await expect(notice).to_be_visible()
    await expect(notice).to_contain_text("while verifying your phone number, so nothing was connected")
    await snap(page, "05-cancelled")
    await asyncio.sleep(2.5)  # the SDK's own "not connected" answer follows; it must not start polling
    await state_of(page).to_have_attribute("data-state", "idle")
    await stack.services.links.inspect(token)  # unused: the person can pick up again
    assert await connected_numbers(stack) == []


async def test_meta_error_shows_the_message_and_session_id_then_retry_works(stack, page, snap):
    await open_page(page, stack)
    popup = await launch(page)
    await popup.click("#error")
    await state_of(page).to_have_attribute("data-state", "error")
    await state_of(page).to_have_attribute("data-reason", "meta_error")
    await expect(page.locator("#error-heading")).to_have_text("Facebook reported a problem")
    await expect(page.locator("#error-message")).to_have_text(
        "Facebook stopped the sign-up with this message:")
    await expect(page.locator("#error-quote")).to_have_text(
        "The phone number could not be verified. Please try again later.")
    await expect(page.locator("#error-next")).to_contain_text(
        "If the same message comes back, contact support")
    support = page.locator("#error-support")
    await expect(support).to_be_visible()
    await expect(support).to_contain_text(
        re.compile(r"Facebook session ID [0-9a-f]{32} \(error code 524126\)"))
    await snap(page, "06-meta-error")

    popup = await launch_retry(page, popup)
    await popup.click("#finish")
    await state_of(page).to_have_attribute("data-state", "success")


async def launch_retry(page, previous):
    """Click Try again once the previous pop-up has closed (the SDK reuses its window name)."""
    if not previous.is_closed():
        await previous.wait_for_event("close")
    await expect(page.locator("#retry")).to_be_visible()
    async with page.expect_popup() as opened:
        await page.click("#retry")
    popup = await opened.value
    await popup.wait_for_load_state()
    return popup


async def test_popup_blocked_offers_the_redirect_flow(stack, page, snap):
    await page.add_init_script("window.open = function () { return null; };")
    token = await open_page(page, stack)
    await page.click("#connect")
    await state_of(page).to_have_attribute("data-state", "error")
    await state_of(page).to_have_attribute("data-reason", "popup_blocked")
    await expect(page.locator("#error-heading")).to_have_text("Your browser blocked the Facebook window")
    await expect(page.locator("#error-message")).to_contain_text("Allow pop-ups for this page")
    link = page.locator("#error-redirect")
    await expect(link).to_be_visible()
    href = await link.get_attribute("href")
    assert href.startswith(f"{stack.meta_sim_url}/v24.0/dialog/oauth?")
    assert parse_qs(urlsplit(href).query)["state"] == [token]
    await snap(page, "07-popup-blocked")
    await link.click()
    await expect(page.locator("#finish")).to_be_visible()  # Meta's (simulated) dialog, in this tab
    assert page.url.startswith(stack.meta_sim_url)


async def test_redirect_flow_with_several_numbers_lets_the_person_choose(stack, page, snap):
    await open_page(page, stack)
    await page.click("#redirect-link")
    await page.click("#finish-two")  # Meta redirects back to /connect/callback?code=...&state=...
    await state_of(page).to_have_attribute("data-state", "choose")
    assert page.url.startswith(f"{stack.relay_url}/connect/callback?")
    radios = page.locator("#choose-list input[type=radio]")
    await expect(radios).to_have_count(2)
    await expect(radios.first).to_be_checked()
    await snap(page, "08-choose")
    second = await radios.nth(1).get_attribute("value")
    await page.locator("#choose-list label.choice").nth(1).click()
    await page.click("#choose")
    await state_of(page).to_have_attribute("data-state", "success")
    await expect(page.locator("#success-numbers li")).to_have_count(1)
    numbers = await connected_numbers(stack)
    assert sorted((pnid == second, enabled) for pnid, enabled, _ in numbers) == [(False, False), (True, True)]


async def test_the_redirect_flow_takes_the_code_out_of_the_address_bar(stack, page):
    token = await open_page(page, stack)
    await page.click("#redirect-link")
    await page.click("#finish")  # Meta redirects back to /connect/callback?code=...&state=...
    await state_of(page).to_have_attribute("data-state", "success")
    # the server rendered the result; the script then rewrites the address
    await expect(page).to_have_url(f"{stack.relay_url}/connect/callback?state={token}")
    assert "code=" not in page.url
    await page.reload()
    await state_of(page).to_have_attribute("data-state", "success")
    await expect(page.locator("h1").first).not_to_have_text("This link has already been used")
    await expect(page.locator("#success-numbers li")).to_have_count(1)
    await page.go_back()  # the spent ?code= address is gone from the history too
    assert "code=" not in page.url


async def test_cancelling_the_redirect_flow_comes_back_ready_to_start_again(stack, page, snap):
    token = await open_page(page, stack)
    await page.click("#redirect-link")
    # Meta sends the person back with ?error=access_denied&error_reason=user_denied
    await page.click("#cancel")
    await state_of(page).to_have_attribute("data-state", "idle")
    # a reload starts again, no error in the URL (the script rewrites the address once it has loaded)
    await expect(page).to_have_url(f"{stack.relay_url}/connect?token={token}")
    await expect(page.locator("#idle-notice")).to_contain_text(
        "You cancelled on Facebook, so nothing was connected.")
    await expect(page.locator("#connect")).to_be_enabled()
    await snap(page, "16-redirect-cancelled")
    await stack.services.links.inspect(token)  # still unused
    popup = await launch(page)
    await popup.click("#finish")
    await state_of(page).to_have_attribute("data-state", "success")


async def test_expired_and_forged_links_get_a_clear_page(stack, page, snap):
    url = await stack.services.links.issue(stack.workspace.team_id, stack.workspace.admin_user_id,
                                           now=utcnow() - timedelta(minutes=16))
    response = await page.goto(url)
    assert response.status == 410
    await expect(page.locator("h1")).to_have_text("This link has expired")
    await expect(page.locator("body")).to_contain_text("Home tab in Slack and click Connect WhatsApp Business")
    await snap(page, "09-expired-link")
    response = await page.goto(f"{stack.relay_url}/connect?token=made.up")
    assert response.status == 400
    await expect(page.locator("h1")).to_have_text("This link doesn't work")
    await snap(page, "10-forged-link")


EVIL_PAGE = """<!doctype html><title>waiting</title><script>
const post = (message) => window.opener.postMessage(JSON.stringify(message), '*');
post({type: 'WA_EMBEDDED_SIGNUP', event: 'FINISH', version: 3,
      data: {waba_id: '999', phone_number_id: '998', business_id: '997'}});
post({type: 'WA_EMBEDDED_SIGNUP', event: 'CANCEL', version: 3,
      data: {error_message: 'Your account is locked: call +1 555 0100', error_code: 1, session_id: 'evil'}});
post({type: 'WA_EMBEDDED_SIGNUP', event: 'CANCEL', version: 3, data: {current_step: 'PERMISSIONS'}});
document.title = 'posted';
</script>"""


async def _post_from(page, url: str) -> None:
    """Open ``url`` from the connect page (so it gets window.opener) and wait until it has posted."""
    async with page.expect_popup() as opened:
        await page.evaluate("url => { window.open(url, '_blank'); }", url)
    other = await opened.value
    await expect(other).to_have_title("posted")
    await other.close()


async def test_signup_messages_from_other_origins_are_ignored(stack, page, browser_context, snap):
    evil_app = Starlette(routes=[Route("/evil.html", lambda request: HTMLResponse(EVIL_PAGE))])
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(evil_app, host="127.0.0.1", port=port, log_level="warning"))
    server.install_signal_handlers = lambda: None
    task = asyncio.create_task(server.serve())
    # A look-alike origin a suffix or substring test would let through, faked at the network layer.
    await browser_context.route("https://www.facebook.com.evil.test/**",
                                lambda route: route.fulfill(body=EVIL_PAGE, content_type="text/html"))
    try:
        while not server.started:  # noqa: ASYNC110 - uvicorn offers no start-up event
            await asyncio.sleep(0.01)
        await open_page(page, stack)
        popup = await launch(page)
        await state_of(page).to_have_attribute("data-state", "pending")
        for url in (f"http://127.0.0.1:{port}/evil.html", "https://www.facebook.com.evil.test/x.html"):
            await _post_from(page, url)
        # The simulator's own pop-up page, reached as http://localhost:<its port> instead of
        # http://127.0.0.1:<its port>: launched with a wrong app id, it posts an ERROR message at once.
        sim = urlsplit(stack.meta_sim_url)
        look_alike = (f"http://localhost:{sim.port}/_sim/meta/signup?app_id=wrong&config_id=x&response_type=code"
                      f"&override_default_response_type=true&extras=%7B%7D&origin={stack.relay_url}")
        async with page.expect_popup() as opened:
            await page.evaluate("url => { window.open(url, '_blank'); }", look_alike)
        other = await opened.value
        await expect(other.locator("#error-screen")).to_be_visible()
        await other.close()
        await asyncio.sleep(0.5)
        await state_of(page).to_have_attribute("data-state", "pending")
        await expect(page.locator("#idle-notice")).to_be_hidden()
        await popup.click("#finish")
        await state_of(page).to_have_attribute("data-state", "success")
        [(phone_number_id, enabled, _)] = await connected_numbers(stack)
        assert phone_number_id != "998" and enabled
    finally:
        server.should_exit = True
        await task


async def test_closing_the_popup_is_noticed_within_seconds(stack, page, snap):
    # a scripted SDK that, like Meta's, may never call back when the window is closed
    await scripted_signup(stack, page, lambda g: [])
    await open_page(page, stack)
    async with page.expect_popup() as opened:
        await page.click("#connect")
    popup = await opened.value
    await state_of(page).to_have_attribute("data-state", "pending")
    started = asyncio.get_running_loop().time()
    await popup.close()  # closed without finishing, and without any message
    await state_of(page).to_have_attribute("data-state", "idle", timeout=5_000)
    assert asyncio.get_running_loop().time() - started < 4
    await expect(page.locator("#idle-notice")).to_contain_text("You closed the Facebook window before finishing")
    await expect(page.locator("#connect")).to_be_enabled()
    await snap(page, "11-popup-closed")


async def test_closing_the_simulators_popup_returns_to_idle_quickly(stack, page):
    await open_page(page, stack)
    popup = await launch(page)
    started = asyncio.get_running_loop().time()
    await popup.close()
    await state_of(page).to_have_attribute("data-state", "idle", timeout=5_000)
    assert asyncio.get_running_loop().time() - started < 4


async def test_finished_without_a_code_polls_then_gives_up(stack, page, snap):
    await page.clock.install()
    await scripted_signup(stack, page, lambda g: [[0, json.dumps(g["session_info"])]])
    await open_page(page, stack)
    async with page.expect_popup() as opened:
        await page.click("#connect")
    popup = await opened.value
    await popup.wait_for_load_state()
    await page.clock.run_for(500)  # the FINISH message arrives; the code never does
    await popup.close()
    await page.clock.run_for(3_000)  # our watch notices the closed window, then the short wait
    await state_of(page).to_have_attribute("data-state", "checking")
    await state_of(page).to_have_attribute("data-reason", "polling")
    await expect(page.locator("#checking-heading")).to_have_text("Waiting for Meta to confirm…")
    await expect(page.locator("#stop-waiting")).to_be_visible()
    await snap(page, "12-polling")
    for _ in range(50):
        if await page.evaluate("document.body.dataset.state") != "checking":
            break
        await page.clock.run_for(3_000)
        await asyncio.sleep(0.05)  # let the real status request finish
    await state_of(page).to_have_attribute("data-state", "idle")
    await expect(page.locator("#idle-notice")).to_contain_text("We didn't get a confirmation from Meta")


async def test_polling_sees_a_connection_made_elsewhere(stack, page):
    await scripted_signup(stack, page, lambda g: [[0, json.dumps(g["session_info"])]])
    await open_page(page, stack)
    async with page.expect_popup() as opened:
        await page.click("#connect")
    popup = await opened.value
    await popup.wait_for_load_state()
    await asyncio.sleep(0.3)
    await popup.close()
    await state_of(page).to_have_attribute("data-reason", "polling")
    answer = await stack.connect_number()  # the same workspace connects through another link meanwhile
    assert answer["status"] == "connected"
    await state_of(page).to_have_attribute("data-state", "success")
    await expect(page.locator("#success-numbers li")).to_have_count(1)


async def test_coexistence_checkbox_launches_the_business_app_variant(stack, page):
    await open_page(page, stack)
    await page.check("#coexistence")
    popup = await launch(page)
    extras = parse_qs(urlsplit(popup.url).query)["extras"][0]
    assert '"featureType":"whatsapp_business_app_onboarding"' in extras.replace(" ", "")
    await popup.click("#finish-coexistence")
    await state_of(page).to_have_attribute("data-state", "success")
    async with stack.services.database.session() as session:
        accounts = AccountRepository(session, stack.services.cipher)
        [account] = await accounts.list_for_team(stack.workspace.team_id)
    assert account.is_coexistence


async def test_default_launch_sends_version_4_extras(stack, page):
    await open_page(page, stack)
    popup = await launch(page)
    query = parse_qs(urlsplit(popup.url).query)
    assert query["extras"] == ["{}"]
    assert query["config_id"] == [stack.settings.META_CONFIG_ID]
    assert query["response_type"] == ["code"] and query["override_default_response_type"] == ["true"]
    await expect(popup.locator("#finish-coexistence")).to_have_count(0)
    await popup.close()


async def test_claim_failure_explains_and_try_again_uses_a_fresh_link(stack, page, snap):
    token = await open_page(page, stack)
    fault = await stack.http.post(f"{stack.meta_sim_url}/_sim/meta/faults",
                                  json={"endpoint": "phone_numbers", "error_code": 200, "count": 1})
    fault.raise_for_status()
    popup = await launch(page)
    await popup.click("#finish")
    await state_of(page).to_have_attribute("data-state", "error")
    await state_of(page).to_have_attribute("data-reason", "permissions")
    await expect(page.locator("#error-message")).to_contain_text("Meta didn't give waslack the permissions")
    await expect(page.locator("#error-support")).to_contain_text("Meta error 200")
    await snap(page, "13-claim-failed")
    popup = await launch_retry(page, popup)
    await popup.click("#finish")
    await state_of(page).to_have_attribute("data-state", "success")
    href = await page.locator("#redirect-link").get_attribute("href")
    assert parse_qs(urlsplit(href).query)["state"] != [token], "the redirect link follows the fresh link"
    with pytest.raises(LinkError):
        await stack.services.links.inspect(token)


async def test_network_failure_offers_retry(stack, page, snap):
    await open_page(page, stack)
    await page.route("**/connect/complete", lambda route: route.abort())
    popup = await launch(page)
    await popup.click("#finish")
    await state_of(page).to_have_attribute("data-state", "error")
    await state_of(page).to_have_attribute("data-reason", "network")
    await expect(page.locator("#error-message")).to_contain_text("We couldn't reach waslack")
    await snap(page, "14-network-error")
    await page.unroute("**/connect/complete")
    popup = await launch_retry(page, popup)
    await popup.click("#finish")
    await state_of(page).to_have_attribute("data-state", "success")


async def test_sdk_that_cannot_load_offers_the_redirect_flow(stack, page, snap):
    await page.route("**/sdk.js", lambda route: route.abort())
    await page.goto(await stack.connect_link())
    await state_of(page).to_have_attribute("data-state", "error")
    await state_of(page).to_have_attribute("data-reason", "sdk_failed")
    await expect(page.locator("#error-redirect")).to_be_visible()
    await expect(page.locator("#retry")).to_be_hidden()
    await snap(page, "15-sdk-failed")


# ---- message ordering, with a scripted stand-in for Meta's pop-up ---------------------------------------
# The simulator always posts the session message before the code. To see the other orders, the SDK is
# swapped (at the network layer) for a tiny one whose pop-up, served on the simulator's origin, posts the
# code and the session message in the order a test asks for.

SCRIPTED_SDK = """
window.FB = {
  init() {},
  login(callback) {
    window.open(`${SIM}/scripted-popup.html`, 'scripted');
    window.addEventListener('message', (event) => {
      if (event.origin === SIM && event.data && event.data.fake_code) {
        callback({authResponse: {code: event.data.fake_code}, status: 'connected'});
      }
    });
  },
};
window.fbAsyncInit && window.fbAsyncInit();
"""

SCRIPTED_POPUP = """<!doctype html><script>
const steps = STEPS;
let at = 0;
for (const [delay, message] of steps) {
  at += delay;
  setTimeout(() => window.opener.postMessage(message, '*'), at);
}
</script>"""


async def scripted_signup(stack, page, steps_for) -> dict:
    """Route the SDK and its pop-up; ``steps_for(grant)`` lists (delay ms, message) the pop-up posts."""
    grant = (await stack.http.post(f"{stack.meta_sim_url}/_sim/meta/signup", json={})).json()
    sim = stack.meta_sim_url
    await page.route("**/sdk.js", lambda route: route.fulfill(
        body=f"const SIM = {json.dumps(sim)};" + SCRIPTED_SDK, content_type="text/javascript"))
    popup_html = SCRIPTED_POPUP.replace("STEPS", json.dumps(steps_for(grant)))
    await page.context.route(f"{sim}/scripted-popup.html", lambda route: route.fulfill(
        body=popup_html, content_type="text/html"))
    return grant


async def sent_complete(page, action) -> tuple[dict, float]:
    """Run ``action``; return the JSON body the page POSTed to /connect/complete and when (monotonic)."""
    async with page.expect_request("**/connect/complete") as requested:
        started = asyncio.get_running_loop().time()
        await action()
    request = await requested.value
    return json.loads(request.post_data), asyncio.get_running_loop().time() - started


async def test_code_before_session_waits_for_the_session_message(stack, page):
    grant = await scripted_signup(stack, page, lambda g: [
        [0, {"fake_code": g["code"]}],
        [300, json.dumps(g["session_info"])],  # Meta sends a JSON string
    ])
    await open_page(page, stack)
    body, _ = await sent_complete(page, lambda: page.click("#connect"))
    assert body["code"] == grant["code"]
    assert body["session_info"] == grant["session_info"], "the late session message went along"
    await state_of(page).to_have_attribute("data-state", "success")


async def test_code_without_session_goes_alone_after_a_second(stack, page):
    grant = await scripted_signup(stack, page, lambda g: [[0, {"fake_code": g["code"]}]])
    await open_page(page, stack)
    body, waited = await sent_complete(page, lambda: page.click("#connect"))
    assert body["code"] == grant["code"] and body["session_info"] is None
    assert 0.8 <= waited < 5, "waits about a second for session info, no longer (the code lives 30 s)"
    await state_of(page).to_have_attribute("data-state", "success")  # the server fell back to debug_token


async def test_session_before_code_sends_at_once(stack, page):
    grant = await scripted_signup(stack, page, lambda g: [
        [0, json.dumps(g["session_info"])],
        [50, {"fake_code": g["code"]}],
    ])
    await open_page(page, stack)
    body, waited = await sent_complete(page, lambda: page.click("#connect"))
    assert body["session_info"]["data"]["waba_id"] == grant["waba_id"]
    assert waited < 0.8
    await state_of(page).to_have_attribute("data-state", "success")


async def test_error_event_from_meta_is_shown(stack, page):
    await scripted_signup(stack, page, lambda g: [[0, json.dumps({
        "type": "WA_EMBEDDED_SIGNUP", "event": "ERROR", "version": 3,
        "data": {"error_message": "Invalid configuration", "error_code": 100, "session_id": "abc123"}})]])
    await open_page(page, stack)
    await page.click("#connect")
    await state_of(page).to_have_attribute("data-reason", "meta_error")
    await expect(page.locator("#error-quote")).to_have_text("Invalid configuration")
    support = page.locator("#error-support")
    await expect(support).to_contain_text("Facebook session ID abc123 (error code 100)")


# ---- looks: contrast (WCAG AA), a phone's screen ----------------------------------------------------------

def _channel(value: float) -> float:
    value /= 255
    return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4


def luminance(css_colour: str) -> float:
    """Relative luminance (WCAG 2.x) of a computed ``rgb(r, g, b)`` / ``rgba(...)`` colour."""
    r, g, b = (float(v) for v in re.findall(r"[\d.]+", css_colour)[:3])
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(one: str, other: str) -> float:
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_formula_matches_wcag():
    assert round(contrast("rgb(0, 0, 0)", "rgb(255, 255, 255)"), 1) == 21.0
    assert round(contrast("rgb(24, 119, 242)", "rgb(255, 255, 255)"), 2) == 4.23  # Facebook blue: too light


async def style(locator, *names: str) -> dict[str, str]:
    return await locator.evaluate(
        "(el, names) => Object.fromEntries(names.map((n) => [n, getComputedStyle(el)[n]]))", list(names))


async def test_buttons_and_focus_ring_meet_wcag_aa_contrast(stack, page):
    await open_page(page, stack)
    button = page.locator("#connect")
    card = await style(page.locator("main.card"), "backgroundColor")
    body = await style(page.locator("body"), "backgroundColor")
    resting = await style(button, "color", "backgroundColor")
    assert contrast(resting["color"], resting["backgroundColor"]) >= 4.5, resting
    await button.hover()
    hovered = await style(button, "color", "backgroundColor")
    assert contrast(hovered["color"], hovered["backgroundColor"]) >= 4.5, hovered
    await page.mouse.move(0, 0)
    for _ in range(10):  # keyboard focus (Tab), so :focus-visible applies
        await page.keyboard.press("Tab")
        if await button.evaluate("el => el === document.activeElement"):
            break
    ring = await style(button, "outlineColor", "outlineStyle", "outlineWidth", "outlineOffset")
    assert ring["outlineStyle"] != "none" and float(ring["outlineWidth"].removesuffix("px")) >= 2
    assert contrast(ring["outlineColor"], card["backgroundColor"]) >= 3, ring  # the ring sits on the card
    assert contrast(ring["outlineColor"], body["backgroundColor"]) >= 3, ring
    link = await style(page.locator("#redirect-link"), "color")
    assert contrast(link["color"], card["backgroundColor"]) >= 4.5, link


PHONE = {"viewport": {"width": 375, "height": 667}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}


async def test_on_a_phone_the_button_is_above_the_fold(stack, browser):
    context = await browser.new_context(**PHONE)
    try:
        page = await context.new_page()
        await open_page(page, stack)
        box = await page.locator("#connect").bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 667, box
        audience = await page.locator("#audience").bounding_box()
        assert audience["y"] + audience["height"] <= box["y"]
        scroll = await page.evaluate("window.scrollY")
        assert scroll == 0
    finally:
        await context.close()


async def test_on_a_phone_a_blocked_popup_sends_you_on_in_this_tab(stack, browser, snap):
    context = await browser.new_context(**PHONE)
    try:
        page = await context.new_page()
        await page.add_init_script("window.open = function () { return null; };")
        await open_page(page, stack)
        assert await page.evaluate("matchMedia('(pointer: coarse)').matches")
        await page.tap("#connect")
        await state_of(page).to_have_attribute("data-reason", "popup_blocked")
        message = page.locator("#error-message")
        await expect(message).to_contain_text("Continue in this tab instead")
        await expect(message).not_to_contain_text("address bar")
        await expect(page.locator("#error-redirect")).to_be_visible()
        await expect(page.locator("#error-redirect")).to_have_class("button primary")  # the way on
        await expect(page.locator("#retry")).to_be_hidden()
        await snap(page, "18-phone-popup-blocked")
    finally:
        await context.close()
