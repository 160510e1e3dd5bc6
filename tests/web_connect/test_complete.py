"""POST /connect/complete and /connect/choose: the claim's answers and HTTP statuses, and the bodies refused
before anything runs."""

from __future__ import annotations

import json

import pytest

from relay.onboarding.claim import ClaimProblem
from storage.models import AccountStatus, utcnow
from storage.repositories import AccountRepository
from tests.web_connect.conftest import PUBLIC_BASE_URL, TEAM
from web.connect import wording

FINISH = {"type": "WA_EMBEDDED_SIGNUP", "event": "FINISH", "version": 3,
          "data": {"waba_id": "WABA1", "phone_number_id": "PN1", "business_id": "BIZ1"}}


async def complete(client, body, **kwargs):
    return await client.post("/connect/complete", json=body, **kwargs)


async def accounts_of(services, team_id=TEAM):
    async with services.database.session() as session:
        repo = AccountRepository(session, services.cipher)
        accounts = await repo.list_for_team(team_id)
        numbers = await repo.numbers_for_accounts(accounts)
    return accounts, numbers


async def test_complete_connects_the_number(client, services, fake_graph, issue_token):
    token = await issue_token()
    response = await complete(client, {"token": token, "code": fake_graph.issue_code("WABA1"),
                                       "session_info": FINISH})
    assert response.status_code == 200
    answer = response.json()
    assert answer["status"] == "connected"
    assert answer["message"] == wording.CONNECTED
    assert [n["phone_number_id"] for n in answer["numbers"]] == ["PN1"]
    assert answer["numbers"][0]["label"] == "+1 555-010-0001 · Acme Recruiting"
    assert "problem" not in answer and "retry_token" not in answer
    accounts, numbers = await accounts_of(services)
    assert [(a.waba_id, a.status) for a in accounts] == [("WABA1", AccountStatus.ACTIVE.value)]
    assert numbers[accounts[0].id][0].enabled is True
    assert "redirect_uri" not in fake_graph.exchange_params[0], "popup codes are exchanged without one"


async def test_complete_without_session_info_falls_back_to_debug_token(client, fake_graph, issue_token):
    token = await issue_token()
    response = await complete(client, {"token": token, "code": fake_graph.issue_code("WABA1"),
                                       "session_info": None})
    assert response.status_code == 200 and response.json()["status"] == "connected"


async def test_replayed_complete_is_refused_and_changes_nothing(client, fake_graph, issue_token, counts):
    token = await issue_token()
    body = {"token": token, "code": fake_graph.issue_code("WABA1"), "session_info": FINISH}
    assert (await complete(client, body)).status_code == 200
    before = await counts()
    calls = len(fake_graph.calls)
    replay = await complete(client, body)
    assert replay.status_code == 410
    answer = replay.json()
    assert answer["status"] == "failed" and answer["problem"] == "link_used"
    assert "already been used" in answer["message"]
    assert "retry_token" not in answer, "a replay never buys a fresh link"
    assert len(fake_graph.calls) == calls, "Meta is not even asked"
    after = await counts()
    assert after["WhatsAppAccount"] == before["WhatsAppAccount"]
    assert after["ConnectState"] == before["ConnectState"]


async def test_forged_and_expired_tokens(client, fake_graph, issue_token, counts):
    from datetime import timedelta

    before = await counts()
    forged = await complete(client, {"token": "abc.def", "code": "c"})
    assert forged.status_code == 400 and forged.json()["problem"] == "link_forged"
    expired = await issue_token(now=utcnow() - timedelta(minutes=20))
    before = await counts()
    answer = await complete(client, {"token": expired, "code": fake_graph.issue_code("WABA1")})
    assert answer.status_code == 410 and answer.json()["problem"] == "link_expired"
    assert "15 minutes" in answer.json()["message"]
    assert await counts() == before


# ---- bodies refused before anything runs ---------------------------------------------------------------

async def _refused(client, issue_token, counts, services, **request) -> dict:
    token = await issue_token()
    before = await counts()
    if "json_body" in request:
        request["content"] = json.dumps(request.pop("json_body")).replace("TOKEN", token)
        request.setdefault("headers", {"content-type": "application/json"})
    response = await client.post("/connect/complete", **request)
    assert await counts() == before, "nothing created, the link is not used"
    await services.links.inspect(token)  # still usable
    return {**response.json(), "http": response.status_code}


async def test_oversized_body_is_refused_with_413(client, issue_token, counts, services):
    answer = await _refused(client, issue_token, counts, services,
                            json_body={"token": "TOKEN", "code": "c", "session_info": {"pad": "x" * 17000}})
    assert answer["http"] == 413 and answer["problem"] == "too_large"


async def test_oversized_body_without_length_is_refused_while_streaming(client, issue_token, counts,
                                                                         services):
    async def chunks():
        yield b'{"token": "t", "code": "c", "pad": "'
        for _ in range(20):
            yield b"x" * 1024
        yield b'"}'

    answer = await _refused(client, issue_token, counts, services, content=chunks(),
                            headers={"content-type": "application/json"})
    assert answer["http"] == 413


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
async def test_non_json_content_type_is_refused_with_415(client, issue_token, counts, services, content_type):
    answer = await _refused(client, issue_token, counts, services, content=b'{"token":"t","code":"c"}',
                            headers={"content-type": content_type})
    assert answer["http"] == 415 and answer["problem"] == "unsupported_media_type"


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'"text"', b"[" * 5000, b"\xff\xfe"])
async def test_malformed_json_is_refused_with_400(client, issue_token, counts, services, raw):
    answer = await _refused(client, issue_token, counts, services, content=raw,
                            headers={"content-type": "application/json"})
    assert answer["http"] == 400 and answer["problem"] == "bad_json"
    assert answer["message"] == wording.REQUEST_PROBLEMS["bad_json"]


@pytest.mark.parametrize("body, missing", [
    ({"token": "TOKEN"}, "'code'"),
    ({"code": "c"}, "'token'"),
    ({"token": "TOKEN", "code": ""}, "'code'"),
    ({"token": "TOKEN", "code": 12345}, "'code'"),
    ({"token": "TOKEN", "code": "c" * 3000}, "'code'"),
])
async def test_missing_fields_are_refused_with_400(client, issue_token, counts, services, body, missing):
    answer = await _refused(client, issue_token, counts, services, json_body=body)
    assert answer["http"] == 400 and answer["problem"] == "missing_fields"
    assert missing in answer["message"]


async def test_session_info_must_be_an_object(client, issue_token, counts, services):
    answer = await _refused(client, issue_token, counts, services,
                            json_body={"token": "TOKEN", "code": "c", "session_info": "FINISH"})
    assert answer["http"] == 400 and answer["problem"] == "bad_session_info"


async def test_cross_site_posts_are_refused(client, issue_token, counts, services):
    answer = await _refused(client, issue_token, counts, services, json_body={"token": "TOKEN", "code": "c"},
                            headers={"content-type": "application/json", "origin": "https://evil.example"})
    assert answer["http"] == 403 and answer["problem"] == "cross_origin"


async def test_same_origin_posts_are_accepted(client, fake_graph, issue_token):
    token = await issue_token()
    response = await client.post("/connect/complete", headers={"origin": PUBLIC_BASE_URL},
                                 json={"token": token, "code": fake_graph.issue_code("WABA1")})
    assert response.status_code == 200


# ---- Meta's failures, as the recruiter reads them -------------------------------------------------------

@pytest.mark.parametrize("kind, http, code, status, problem, words", [
    ("exchange", 400, 100, 400, ClaimProblem.CODE_REJECTED, "30 seconds"),
    ("debug_token", 400, 190, 400, ClaimProblem.TOKEN_INVALID, "reconnect"),
    ("phone_numbers", 403, 200, 403, ClaimProblem.PERMISSIONS, "permissions"),
    ("phone_numbers", 403, 10, 403, ClaimProblem.PERMISSIONS, "admin"),
    ("phone_numbers", 400, 4, 429, ClaimProblem.RATE_LIMITED, "Wait a few minutes"),
    ("phone_numbers", 400, 80007, 429, ClaimProblem.RATE_LIMITED, "Wait a few minutes"),
    ("phone_numbers", 503, 2, 502, ClaimProblem.META_UNAVAILABLE, "isn't responding"),
    ("phone_numbers", 400, 99999, 502, ClaimProblem.META_ERROR, "contact support"),
])
async def test_meta_failures_map_to_status_and_words(client, services, fake_graph, issue_token,
                                                     kind, http, code, status, problem, words):
    token = await issue_token()
    fake_graph.fail(kind, http, code)
    response = await complete(client, {"token": token, "code": fake_graph.issue_code("WABA1"),
                                       "session_info": FINISH})
    assert response.status_code == status
    answer = response.json()
    assert answer["status"] == "failed" and answer["problem"] == problem.value
    assert answer["message"] == wording.PROBLEMS[problem] and words in answer["message"]
    if problem is not ClaimProblem.CODE_REJECTED:
        assert str(code) in answer["support"], "support gets Meta's code"
    # The link is used up, but Try again gets a fresh one for the same person.
    retry = answer["retry_token"]
    link = await services.links.inspect(retry)
    assert (link.team_id, link.user_id) == (TEAM, "U0ADMIN")
    page = await client.get("/connect", params={"token": retry})
    assert page.status_code == 200


async def test_number_of_another_workspace_answers_409(client, services, fake_graph, issue_token):
    first = await issue_token(team_id="T0OTHER")
    first_answer = await complete(client, {"token": first, "code": fake_graph.issue_code("WABA1")})
    assert first_answer.status_code == 200
    token = await issue_token()
    response = await complete(client, {"token": token, "code": fake_graph.issue_code("WABA1")})
    assert response.status_code == 409
    assert response.json()["problem"] == "number_taken"
    assert "another Slack workspace" in response.json()["message"]
    assert "PN1" not in response.text and "T0OTHER" not in response.text, "names neither number nor workspace"
    accounts, _ = await accounts_of(services)
    assert accounts == []


async def test_session_naming_another_waba_is_a_mismatch_without_retry(client, fake_graph, issue_token):
    token = await issue_token()
    session = {**FINISH, "data": {"waba_id": "WABA-ELSEWHERE", "phone_number_id": "PN1"}}
    response = await complete(client, {"token": token, "code": fake_graph.issue_code("WABA1"),
                                       "session_info": session})
    assert response.status_code == 400
    assert response.json()["problem"] == "waba_mismatch"
    assert "retry_token" not in response.json()


# ---- several numbers: the person chooses ----------------------------------------------------------------

async def test_several_numbers_then_choose_one(client, services, fake_graph, issue_token):
    token = await issue_token()
    session = {**FINISH, "data": {"waba_id": "WABA2"}}
    response = await complete(client, {"token": token, "code": fake_graph.issue_code("WABA2"),
                                       "session_info": session})
    assert response.status_code == 200
    answer = response.json()
    assert answer["status"] == "choose_number"
    assert answer["message"] == wording.CHOOSE_NUMBER
    assert [(n["phone_number_id"], n["label"]) for n in answer["numbers"]] == [
        ("PN21", "+1 555-020-0001 · Acme Sales"), ("PN22", "+1 555-020-0002 · Acme Ops")]

    wrong = await client.post("/connect/choose", json={"token": token, "phone_number_id": "PN1"})
    assert wrong.status_code == 400 and wrong.json()["problem"] == "number_mismatch"
    chosen = await client.post("/connect/choose", json={"token": token, "phone_number_id": "PN22"})
    assert chosen.status_code == 200
    assert chosen.json()["status"] == "connected"
    assert [n["phone_number_id"] for n in chosen.json()["numbers"]] == ["PN22"]
    accounts, numbers = await accounts_of(services)
    assert {n.phone_number_id: n.enabled for n in numbers[accounts[0].id]} == {"PN21": False, "PN22": True}

    again = await client.post("/connect/choose", json={"token": token, "phone_number_id": "PN21"})
    assert again.status_code == 410 and again.json()["problem"] == "link_used"


async def test_choose_needs_its_fields_and_a_genuine_link(client, issue_token):
    token = await issue_token()
    missing = await client.post("/connect/choose", json={"token": token})
    assert missing.status_code == 400 and "'phone_number_id'" in missing.json()["message"]
    forged = await client.post("/connect/choose", json={"token": "a.b", "phone_number_id": "PN1"})
    assert forged.status_code == 400 and forged.json()["problem"] == "link_forged"
    unused = await client.post("/connect/choose", json={"token": token, "phone_number_id": "PN1"})
    assert unused.status_code == 410, "choosing only follows a claim that asked for it"
