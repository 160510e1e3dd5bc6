"""The Home tab in every state, driven as Slack would: signed events into the relay, Web API calls answered
and recorded by the Slack simulator, WhatsApp accounts connected through the Meta simulator."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

from bot import wording
from bot.home import MAX_BLOCKS
from storage.models import AccountStatus, RegistrationState, utcnow
from storage.repositories import AccountRepository, HomeViewerRepository, TenantRepository

from .conftest import controls, eventually, link_token, view_text


async def test_nothing_connected_offers_a_fresh_single_use_connect_link(stack, slack):
    view = await slack.open_home("U0ADMIN")
    assert wording.HOME_EMPTY in view_text(view)
    assert "Disconnect" not in view_text(view)
    url = controls(view)["connect_whatsapp"]["url"]
    assert url.startswith(f"{stack.relay_url}/connect?token=")

    link = await stack.services.links.inspect(link_token(url))
    assert (link.team_id, link.user_id, link.used_at) == (slack.team_id, "U0ADMIN", None)
    assert timedelta(minutes=14) < link.expires_at - utcnow() <= timedelta(minutes=15)
    async with stack.services.database.session() as session:
        assert await HomeViewerRepository(session).list(slack.team_id) == ["U0ADMIN"]

    again = await slack.open_home("U0ADMIN")
    assert link_token(controls(again)["connect_whatsapp"]["url"]) != link_token(
        url
    )  # regenerated per publish

    status, first = await slack.claim(url)
    assert status == 200 and first["status"] == "connected"
    status, second = await slack.claim(url)
    assert status == 410 and second["problem"] == "link_used"


async def test_the_messages_tab_publishes_nothing(stack, slack):
    delivery = await slack.event({"type": "app_home_opened", "user": "U0ADMIN", "tab": "messages"})
    assert delivery["status"] == 200
    await slack.open_home("U0ADMIN")
    await asyncio.sleep(0.3)
    assert len(slack.publishes("U0ADMIN")) == 1


async def test_a_connected_number_appears_and_the_connector_gets_a_dm(stack, slack):
    await slack.open_home("U0ADMIN")
    await slack.open_home("U0MEMBER")
    admin_before, member_before = len(slack.publishes("U0ADMIN")), len(slack.publishes("U0MEMBER"))

    outcome = await stack.connect_number(user_id="U0ADMIN")
    assert outcome["status"] == "connected", outcome
    number = outcome["numbers"][0]

    # every viewer's Home tab is refreshed without reopening it
    view = await slack.next_home("U0ADMIN", admin_before)
    await slack.next_home("U0MEMBER", member_before)
    async with stack.services.database.session() as session:
        stored = await AccountRepository(session, stack.services.cipher).number_by_phone_number_id(
            number["phone_number_id"]
        )
    channel_id = stored.slack_channel_id
    assert channel_id is not None

    text = view_text(view)
    for expected in (
        number["display_phone_number"],
        number["verified_name"],
        "Active",
        "Quality: High",
        f"Conversations go to <#{channel_id}>",
        "Connected by <@U0ADMIN>",
    ):
        assert expected in text
    assert "Quality: High — candidates rarely block or report these messages" in text
    buttons = controls(view)
    assert {"connect_whatsapp", f"move_number:{number['phone_number_id']}"} <= set(buttons)
    assert not any(key.startswith("reconnect_account:") for key in buttons), "nothing to reconnect"
    assert not any(key.startswith("check_number:") for key in buttons)
    assert any(key.startswith("disconnect_account:") for key in buttons)

    # the channel was made for the number: private, named after the business, with the connector in it
    channel = stack.slack.find_channel(channel_id)
    business = number["verified_name"]  # the simulator's businesses are "Client Company <n>"
    assert re.fullmatch(r"Client Company \d+", business)
    assert channel.name == "wa-" + business.lower().replace(" ", "-") and channel.is_private
    assert "U0ADMIN" in channel.members

    dms = [c for c in stack.slack.calls("chat.postMessage") if c["args"].get("channel") == "U0ADMIN"]
    assert len(dms) == 1 and dms[0]["response"]["ok"]
    dm = view_text(dms[0]["args"])
    assert f"<#{channel_id}>" in dm and number["display_phone_number"] in dm
    assert "payment method" not in dm, "the account has one: no reminder"


async def test_a_number_without_a_payment_method_says_messages_cant_be_sent(stack, slack):
    await slack.open_home("U0ADMIN")
    before = len(slack.publishes("U0ADMIN"))
    signup = await stack.http.post(f"{stack.meta_sim_url}/_sim/meta/signup",
                                   json={"numbers": 1, "payment_method": False})
    grant = signup.json()
    status, outcome = await slack.claim(await stack.connect_link("U0ADMIN"), grant)
    assert status == 200 and outcome["status"] == "connected", outcome
    assert "payment_missing" in [w["code"] for w in outcome["warnings"]]

    view = await slack.next_home("U0ADMIN", before)
    text = view_text(view)
    assert "Payment method missing — messages can't be sent" in text
    assert ":large_green_circle: Active" not in text
    assert "<https://business.facebook.com/wa/manage/home/|WhatsApp Manager>" in text
    pnid = grant["phone_number_ids"][0]
    buttons = controls(view)
    assert f"check_number:{pnid}" in buttons
    assert not any(key.startswith("reconnect_account:") for key in buttons), "reconnecting won't help"

    dm = await eventually(
        lambda: [c for c in stack.slack.calls("chat.postMessage") if c["args"].get("channel") == "U0ADMIN"],
        what="the DM",
    )
    dm_text = view_text(dm[0]["args"])
    assert wording.PAYMENT_REMINDER in dm_text
    assert "<https://business.facebook.com/wa/manage/home/|WhatsApp Manager>" in dm_text

    # the customer adds a card in WhatsApp Manager, then presses Check again
    added = await stack.http.patch(f"{stack.meta_sim_url}/_sim/meta/wabas/{grant['waba_id']}",
                                   json={"payment_method": True})
    assert added.status_code == 200
    before = len(slack.publishes("U0ADMIN"))
    await slack.press("U0ADMIN", f"check_number:{pnid}", value=pnid, block_id=f"invite:{pnid}")
    view = await eventually(
        lambda: wording.NOTICE_CHECKED["available"] in view_text(slack.home("U0ADMIN")) and slack.home("U0ADMIN"),
        what="the Home tab after Check again",
    )
    assert len(slack.publishes("U0ADMIN")) > before
    text = view_text(view)
    assert ":large_green_circle: Active" in text and "Payment method missing" not in text
    assert f"check_number:{pnid}" not in controls(view)


async def test_check_again_with_a_rejected_token_offers_reconnect(stack, slack):
    signup = await stack.http.post(f"{stack.meta_sim_url}/_sim/meta/signup",
                                   json={"numbers": 1, "payment_method": False})
    grant = signup.json()
    status, outcome = await slack.claim(await stack.connect_link("U0ADMIN"), grant)
    assert status == 200, outcome
    pnid = grant["phone_number_ids"][0]
    await slack.open_home("U0ADMIN")
    fault = await stack.http.post(f"{stack.meta_sim_url}/_sim/meta/faults",
                                  json={"endpoint": "phone_number", "error_code": 190, "http_status": 401})
    assert fault.status_code == 200, fault.text
    await slack.press("U0ADMIN", f"check_number:{pnid}", value=pnid, block_id=f"invite:{pnid}")
    view = await eventually(
        lambda: wording.NOTICE_CHECK_FAILED["token_invalid"] in view_text(slack.home("U0ADMIN"))
        and slack.home("U0ADMIN"),
        what="the token-invalid notice",
    )
    assert wording.DETAIL_TOKEN_INVALID in view_text(view)
    assert any(key.startswith("reconnect_account:") for key in controls(view))


async def test_several_numbers_not_yet_chosen_are_pending(stack, slack):
    await slack.open_home("U0ADMIN")
    before = len(slack.publishes("U0ADMIN"))
    signup = await stack.http.post(f"{stack.meta_sim_url}/_sim/meta/signup", json={"numbers": 3})
    grant = signup.json()
    del grant["session_info"]["data"]["phone_number_id"]  # the person has not picked one in Meta's window
    status, outcome = await slack.claim(await stack.connect_link("U0ADMIN"), grant)
    assert status == 200 and outcome["status"] == "choose_number", outcome
    view = await slack.next_home("U0ADMIN", before)
    text = view_text(view)
    assert text.count(":large_yellow_circle: Pending") == 3
    assert text.count(wording.DETAIL_CHOOSE_NUMBER) == 3
    for number_id in grant["phone_number_ids"]:
        assert f"move_number:{number_id}" not in controls(view)  # nothing to route until it is chosen
    assert not [c for c in stack.slack.calls("chat.postMessage") if c["args"].get("channel") == "U0ADMIN"]


async def test_a_number_meta_would_not_register_shows_an_error(stack, slack):
    fault = await stack.http.post(
        f"{stack.meta_sim_url}/_sim/meta/faults",
        json={"endpoint": "register", "error_code": 100, "http_status": 400},
    )
    assert fault.status_code == 200
    outcome = await stack.connect_number(user_id="U0ADMIN")
    assert outcome["status"] == "failed" and outcome["problem"] == "registration_failed", outcome

    view = await slack.open_home("U0ADMIN")
    text = view_text(view)
    assert ":red_circle: Error" in text and wording.DETAIL_REGISTRATION_FAILED in text
    assert any(key.startswith("reconnect_account:") for key in controls(view))


async def test_registration_blocked_for_72_hours_is_pending_and_explained(stack, slack):
    await stack.http.post(
        f"{stack.meta_sim_url}/_sim/meta/faults",
        json={"endpoint": "register", "error_code": 133016, "http_status": 400},
    )
    outcome = await stack.connect_number(user_id="U0ADMIN")
    assert outcome["status"] == "connected", outcome
    assert [w["code"] for w in outcome["warnings"]] == ["registration_wait"]

    view = await slack.open_home("U0ADMIN")
    assert ":large_yellow_circle: Pending" in view_text(view)
    assert wording.DETAIL_REGISTRATION_WAIT in view_text(view)
    dm = await eventually(
        lambda: [c for c in stack.slack.calls("chat.postMessage") if c["args"].get("channel") == "U0ADMIN"],
        what="the DM",
    )
    assert wording.WARNINGS["registration_wait"] in view_text(dm[0]["args"])


async def _seed_accounts(stack, team_id: str, count: int) -> list[str]:
    """``count`` connected accounts with one active number each (faster than ``count`` signups)."""
    ids = []
    async with stack.services.database.session() as session:
        tenant = await TenantRepository(session).get_or_create(team_id)
        accounts = AccountRepository(session, stack.services.cipher)
        for i in range(count):
            account, _ = await accounts.upsert(
                tenant_id=tenant.id,
                waba_id=f"9{i:05d}",
                business_token="EAAtoken",
                connected_by_user_id="U0ADMIN",
                status=AccountStatus.ACTIVE,
            )
            await accounts.record_subscription(account, ok=True)
            number = await accounts.upsert_number(
                account,
                phone_number_id=f"8{i:05d}",
                display_phone_number=f"+1 555-200-{i:04d}",
                verified_name=f"Desk {i}",
                quality_rating="GREEN",
            )
            number.enabled, number.registration_state = True, RegistrationState.REGISTERED.value
            number.slack_channel_id = "C0PUBLIC"
            await accounts.save_number(number)
            ids.append(number.display_phone_number)
        await session.commit()
    return ids


async def test_more_than_thirty_numbers_are_paginated(stack, slack):
    numbers = await _seed_accounts(stack, slack.team_id, 31)
    view = await slack.open_home("U0ADMIN")
    seen: list[str] = []
    pages = 0
    while True:
        pages += 1
        assert len(view["blocks"]) <= MAX_BLOCKS
        text = view_text(view)
        assert f"Page {pages} of " in text
        seen += [n for n in numbers if n in text]
        if "home_page_next" not in controls(view):
            break
        before = len(slack.publishes("U0ADMIN"))
        await slack.press(
            "U0ADMIN", "home_page_next", value=controls(view)["home_page_next"]["value"], block_id="pages"
        )
        view = await slack.next_home("U0ADMIN", before)
    assert pages >= 3
    assert sorted(seen) == sorted(numbers)  # every number on exactly one page

    before = len(slack.publishes("U0ADMIN"))
    await slack.press("U0ADMIN", "home_page_previous", value="0", block_id="pages")
    first = await slack.next_home("U0ADMIN", before)
    assert numbers[0] in view_text(first) and "Page 1 of" in view_text(first)
