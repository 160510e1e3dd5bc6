"""Injected faults (429 / 500 / delays / errors) and Slack-like per-channel rate limits."""

from __future__ import annotations

import time


async def test_429_with_retry_after_then_normal(api, client, ws, world):
    await client.post(
        "/_sim/slack/faults", json={"method": "chat.postMessage", "count": 2, "status": 429, "retry_after": 2}
    )
    for _ in range(2):
        limited = await api.raw("chat.postMessage", channel=ws.public_channel_id, text="x")
        assert limited.status_code == 429 and limited.headers["retry-after"] == "2"
        assert limited.json() == {"ok": False, "error": "ratelimited"}
    assert (await api("chat.postMessage", channel=ws.public_channel_id, text="x"))["ok"] is True
    assert [c["status"] for c in world.calls("chat.postMessage")] == [429, 429, 200]
    assert world.calls("chat.postMessage")[0]["fault"]["status"] == 429


async def test_fault_only_hits_its_method(api, client, ws):
    await client.post("/_sim/slack/faults", json={"method": "chat.update", "status": 500})
    assert (await api("auth.test"))["ok"] is True
    posted = await api("chat.postMessage", channel=ws.public_channel_id, text="x")
    failed = await api.raw("chat.update", channel=ws.public_channel_id, ts=posted["ts"], text="y")
    assert failed.status_code == 500 and failed.json()["ok"] is False


async def test_error_fault_is_http_200(api, client):
    await client.post("/_sim/slack/faults", json={"error": "fatal_error"})
    response = await api.raw("auth.test")
    assert response.status_code == 200 and response.json() == {"ok": False, "error": "fatal_error"}


async def test_ratelimited_error_comes_with_a_429(api, client):
    await client.post("/_sim/slack/faults", json={"method": "auth.test", "error": "ratelimited"})
    response = await api.raw("auth.test")
    assert response.status_code == 429 and response.headers["retry-after"] == "1"


async def test_delay_then_normal_answer(api, client):
    await client.post("/_sim/slack/faults", json={"method": "auth.test", "delay_ms": 300})
    started = time.perf_counter()
    body = await api("auth.test")
    assert body["ok"] is True and time.perf_counter() - started >= 0.3


async def test_faults_can_be_listed_and_cleared(api, client):
    listed = await client.post("/_sim/slack/faults", json={"status": 500, "count": 3})
    assert listed.json()["pending"][0]["count"] == 3
    await client.delete("/_sim/slack/faults")
    assert (await api("auth.test"))["ok"] is True
    assert (await client.post("/_sim/slack/faults", json={"count": 1})).status_code == 400


async def test_per_channel_rate_limit(api, client, ws, clock):
    await client.post("/_sim/slack/rate_limits", json={"enabled": True})
    created = await api("conversations.create", name="second-room")
    statuses = []
    for _ in range(4):
        statuses.append(
            (await api.raw("chat.postMessage", channel=ws.public_channel_id, text="x")).status_code
        )
    assert statuses == [200, 200, 200, 429]  # a burst of 3, then about one per second
    limited = await api.raw("chat.postMessage", channel=ws.public_channel_id, text="x")
    assert limited.headers["retry-after"] == "1" and limited.json()["error"] == "ratelimited"
    other = await api.raw("chat.postMessage", channel=created["channel"]["id"], text="x")
    assert other.status_code == 200  # the budget is per channel
    clock.advance(1.0)
    assert (await api.raw("chat.postMessage", channel=ws.public_channel_id, text="x")).status_code == 200
    assert (await api.raw("chat.postMessage", channel=ws.public_channel_id, text="x")).status_code == 429
    await client.post("/_sim/slack/rate_limits", json={"enabled": False})
    assert (await api.raw("chat.postMessage", channel=ws.public_channel_id, text="x")).status_code == 200


async def test_tier_limits_per_method_per_workspace(api, client, ws, world, clock):
    statuses = [(await api.raw("conversations.create", name=f"room-{i}")).status_code for i in range(21)]
    assert statuses == [200] * 20 + [429]  # Tier 2: 20 a minute, all at once if the app likes
    assert (await api.raw("conversations.info", channel=ws.public_channel_id)).status_code == 200  # own budget
    other = world.add_workspace("T0OTHER")
    elsewhere = await api.raw("conversations.create", token=other.bot_token, name="room-x")
    assert elsewhere.status_code == 200  # and per workspace
    clock.advance(30)
    limited = await api.raw("conversations.create", name="room-late")
    assert limited.status_code == 429 and limited.headers["retry-after"] == "30"
    clock.advance(30)
    assert (await api.raw("conversations.create", name="room-later")).status_code == 200
    await client.post("/_sim/slack/rate_limits", json={"tiers": False})
    free = [(await api.raw("conversations.create", name=f"free-{i}")).status_code for i in range(25)]
    assert free == [200] * 25


async def test_history_is_tier_1_for_apps_outside_the_marketplace(api, client, ws):
    assert (await api.raw("conversations.history", channel=ws.public_channel_id)).status_code == 200
    assert (await api.raw("conversations.history", channel=ws.public_channel_id)).status_code == 200
    await client.post("/_sim/slack/settings", json={"marketplace_app": False})
    assert (await api.raw("conversations.history", channel=ws.public_channel_id)).status_code == 200
    assert (await api.raw("conversations.history", channel=ws.public_channel_id)).status_code == 429


async def test_post_message_workspace_cap_and_compressed_time(api, client, ws, clock):
    await client.post("/_sim/slack/settings", json={"posts_per_minute": 4, "time_scale": 0.1})
    rooms = [(await api("conversations.create", name=f"room-{i}"))["channel"]["id"] for i in range(5)]
    statuses = [
        (await api.raw("chat.postMessage", channel=room, text="x")).status_code for room in rooms
    ]
    assert statuses == [200, 200, 200, 200, 429]  # one message in each of five channels: the workspace cap
    clock.advance(6.0)  # a minute at time_scale 0.1
    assert (await api.raw("chat.postMessage", channel=rooms[4], text="x")).status_code == 200


async def test_rate_limit_settings_are_validated(client):
    assert (await client.post("/_sim/slack/rate_limits", json={"burst": 0})).status_code == 400
    assert (await client.post("/_sim/slack/rate_limits", json={"bogus": 1})).status_code == 400
    assert (await client.post("/_sim/slack/settings", json={"time_scale": 0})).status_code == 400
    assert (await client.post("/_sim/slack/settings", json={"rate_limits": "yes"})).status_code == 400
    described = (await client.get("/_sim/slack/rate_limits")).json()
    assert described["enabled"] is True and described["burst"] == 3
