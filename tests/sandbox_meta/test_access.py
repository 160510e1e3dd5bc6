"""Tokens, object access, versions, fields and paging on the management endpoints."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from .tenants import ORIGIN, V, bearer, connect, error_of


async def test_unknown_and_expired_tokens_get_190(client, clock):
    tenant = await connect(client, register=False, subscribe=False)
    unknown = await client.get(f"/{V}/{tenant.waba_id}/phone_numbers", headers=bearer("EAAGforged"))
    assert unknown.status_code == 401
    error = error_of(unknown)
    assert error["code"] == 190 and error["type"] == "OAuthException" and error["fbtrace_id"]
    assert error["error_data"]["messaging_product"] == "whatsapp"
    clock.advance(60 * 24 * 3600 + 1)
    expired = await client.get(f"/{V}/{tenant.waba_id}/phone_numbers", headers=tenant.headers)
    assert expired.status_code == 401 and error_of(expired)["error_subcode"] == 463


async def test_missing_token_is_code_104(client):
    tenant = await connect(client, register=False, subscribe=False)
    response = await client.get(f"/{V}/{tenant.waba_id}/phone_numbers")
    assert response.status_code == 400 and error_of(response)["code"] == 104


async def test_access_token_query_parameter_is_accepted(client):
    tenant = await connect(client, register=False, subscribe=False)
    response = await client.get(f"/{V}/{tenant.waba_id}/phone_numbers", params={"access_token": tenant.token})
    assert response.status_code == 200


async def test_token_of_another_customer_gets_100_33(client):
    mine = await connect(client, register=False, subscribe=False)
    theirs = await connect(client, register=False, subscribe=False)
    for method, path in [
        ("GET", f"/{V}/{theirs.waba_id}/phone_numbers"),
        ("POST", f"/{V}/{theirs.waba_id}/subscribed_apps"),
        ("GET", f"/{V}/{theirs.phone_number_id}"),
        ("POST", f"/{V}/{theirs.phone_number_id}/messages"),
    ]:
        response = await client.request(method, path, headers=mine.headers, json={})
        assert response.status_code == 400, path
        error = error_of(response)
        assert (error["code"], error["error_subcode"]) == (100, 33)
        assert f"Object with ID '{path.split('/')[2]}' does not exist" in error["message"]


async def test_other_versions_are_rejected_with_metas_error_shape(client):
    tenant = await connect(client, register=False, subscribe=False)
    response = await client.get(f"/v23.0/{tenant.waba_id}/phone_numbers", headers=tenant.headers)
    assert response.status_code == 400
    assert error_of(response)["code"] == 100 and "v24.0" in error_of(response)["message"]


async def test_phone_numbers_page_one_by_one(client, sim):
    tenant = await connect(client, numbers=3, register=False, subscribe=False)
    seen, url, params = (
        [],
        f"/{V}/{tenant.waba_id}/phone_numbers",
        {"limit": "1", "fields": "id,verified_name"},
    )
    while True:
        page = (await client.get(url, params=params, headers=tenant.headers)).json()
        assert len(page["data"]) == 1 and set(page["data"][0]) == {"id", "verified_name"}
        assert set(page["paging"]["cursors"]) == {"before", "after"}
        seen.append(page["data"][0]["id"])
        if "next" not in page["paging"]:
            break
        next_url = urlsplit(page["paging"]["next"])
        assert f"{next_url.scheme}://{next_url.netloc}" == ORIGIN and "access_token" not in next_url.query
        url, params = next_url.path, {k: v[0] for k, v in parse_qs(next_url.query).items()}
    assert seen == [n.id for n in sim.waba_numbers(tenant.waba_id)] and len(set(seen)) == 3
    # The session's phone_number_id is the newest number, not the first one listed.
    assert tenant.phone_number_id == seen[-1]


async def test_default_page_holds_everything_without_next(client):
    tenant = await connect(client, numbers=2, register=False, subscribe=False)
    page = (await client.get(f"/{V}/{tenant.waba_id}/phone_numbers", headers=tenant.headers)).json()
    assert len(page["data"]) == 2 and "next" not in page["paging"]
    first = page["data"][0]
    assert first["platform_type"] == "NOT_APPLICABLE" and first["code_verification_status"] == "VERIFIED"
    assert first["display_phone_number"].startswith("+1 555-")


async def test_unknown_field_is_an_error(client):
    tenant = await connect(client, register=False, subscribe=False)
    response = await client.get(
        f"/{V}/{tenant.phone_number_id}", params={"fields": "id,colour"}, headers=tenant.headers
    )
    assert "nonexisting field (colour)" in error_of(response)["message"]


async def test_waba_node_reports_its_owning_business(client, sim):
    tenant = await connect(client, register=False, subscribe=False)
    response = await client.get(
        f"/{V}/{tenant.waba_id}", params={"fields": "id,name,owner_business_info"}, headers=tenant.headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == tenant.waba_id and set(body) == {"id", "name", "owner_business_info"}
    owner = sim.businesses[tenant.business_id]
    assert body["owner_business_info"] == {"id": owner.id, "name": owner.name}
    theirs = await connect(client, register=False, subscribe=False)
    foreign = await client.get(f"/{V}/{theirs.waba_id}", params={"fields": "owner_business_info"},
                               headers=tenant.headers)
    assert error_of(foreign)["code"] == 100, "another customer's WABA stays hidden"


async def test_phone_number_node_reports_registration(client):
    tenant = await connect(client, register=False, subscribe=False)
    fields = {"fields": "status,platform_type,is_on_biz_app,name_status,quality_rating"}
    before = (
        await client.get(f"/{V}/{tenant.phone_number_id}", params=fields, headers=tenant.headers)
    ).json()
    assert before["status"] == "PENDING" and before["platform_type"] == "NOT_APPLICABLE"
    await client.post(
        f"/{V}/{tenant.phone_number_id}/register",
        headers=tenant.headers,
        json={"messaging_product": "whatsapp", "pin": "111111"},
    )
    after = (await client.get(f"/{V}/{tenant.phone_number_id}", params=fields, headers=tenant.headers)).json()
    assert after["status"] == "CONNECTED" and after["platform_type"] == "CLOUD_API"
    assert after["is_on_biz_app"] is False and after["quality_rating"] == "GREEN"


async def test_health_status_blocks_a_waba_without_a_payment_method(client):
    tenant = await connect(client, numbers=1, payment_method=False)
    url, fields = f"/{V}/{tenant.phone_number_id}", {"fields": "health_status"}
    health = (await client.get(url, params=fields, headers=tenant.headers)).json()["health_status"]
    assert health["can_send_message"] == "BLOCKED"
    by_type = {e["entity_type"]: e for e in health["entities"]}
    assert set(by_type) == {"PHONE_NUMBER", "WABA", "BUSINESS", "APP"}
    assert [e["error_code"] for e in by_type["WABA"]["errors"]] == [141006]
    assert by_type["PHONE_NUMBER"]["can_send_message"] == "AVAILABLE"

    added = await client.patch(f"/_sim/meta/wabas/{tenant.waba_id}", json={"payment_method": True})
    assert added.status_code == 200
    health = (await client.get(url, params=fields, headers=tenant.headers)).json()["health_status"]
    assert health["can_send_message"] == "AVAILABLE"
    assert all("errors" not in e for e in health["entities"])


async def test_templates_filter_and_page(client):
    tenant = await connect(client, register=False, subscribe=False)
    url = f"/{V}/{tenant.waba_id}/message_templates"
    everything = (await client.get(url, headers=tenant.headers)).json()["data"]
    statuses = {t["status"] for t in everything}
    assert {"APPROVED", "PENDING", "REJECTED", "PAUSED"} <= statuses
    invite = next(t for t in everything if t["name"] == "interview_invite")
    assert invite["language"] == "en_US" and invite["parameter_format"] == "POSITIONAL"
    assert any(t["parameter_format"] == "NAMED" for t in everything)
    assert any(t["name"] == "job_opportunity" and t["language"] == "fr" for t in everything)

    approved = (await client.get(url, params={"status": "approved"}, headers=tenant.headers)).json()["data"]
    assert approved and {t["status"] for t in approved} == {"APPROVED"}
    named = (
        await client.get(url, params={"name": "interview", "fields": "name"}, headers=tenant.headers)
    ).json()
    assert [set(t) for t in named["data"]] == [{"id", "name"}]

    first = (await client.get(url, params={"limit": "2"}, headers=tenant.headers)).json()
    assert len(first["data"]) == 2 and "next" in first["paging"]
    after = first["paging"]["cursors"]["after"]
    second = (await client.get(url, params={"limit": "2", "after": after}, headers=tenant.headers)).json()
    assert {t["id"] for t in second["data"]}.isdisjoint({t["id"] for t in first["data"]})
    assert "previous" in second["paging"]


async def test_bad_cursor_is_rejected(client):
    tenant = await connect(client, register=False, subscribe=False)
    response = await client.get(
        f"/{V}/{tenant.waba_id}/phone_numbers", params={"after": "garbage"}, headers=tenant.headers
    )
    assert error_of(response)["code"] == 100


async def test_subscription_can_be_listed_and_removed(client):
    tenant = await connect(client, register=False, subscribe=False)
    url = f"/{V}/{tenant.waba_id}/subscribed_apps"
    assert (await client.get(url, headers=tenant.headers)).json() == {"data": []}
    await client.post(url, headers=tenant.headers)
    assert len((await client.get(url, headers=tenant.headers)).json()["data"]) == 1
    assert (await client.delete(url, headers=tenant.headers)).json() == {"success": True}
    assert (await client.get(url, headers=tenant.headers)).json() == {"data": []}
    bad = await client.post(url, headers=tenant.headers, json={"callback": "x"})
    assert error_of(bad)["code"] == 100


async def test_revoked_tokens_stop_working(client, sim):
    tenant = await connect(client, register=False, subscribe=False)
    assert sim.revoke_business_tokens(tenant.business_id) == 1
    response = await client.get(f"/{V}/{tenant.waba_id}/phone_numbers", headers=tenant.headers)
    assert response.status_code == 401


async def test_unsupported_paths_answer_like_graph(client):
    tenant = await connect(client, register=False, subscribe=False)
    response = await client.get(f"/{V}/{tenant.waba_id}/flows", headers=tenant.headers)
    assert error_of(response)["error_subcode"] == 33
