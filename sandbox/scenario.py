"""`waslack sandbox --scenario`: a scripted walk-through that checks each step and says what happened."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sandbox.scenario_templates import template_opens_a_thread
from sandbox.stack import Stack


class StepFailed(AssertionError):
    pass


def expect(condition: object, message: str) -> None:
    if not condition:
        raise StepFailed(message)


Step = Callable[[Stack, dict[str, Any]], Awaitable[str]]


async def relay_is_healthy(stack: Stack, _memo: dict[str, Any]) -> str:
    for path in ("/healthz", "/readyz"):
        response = await stack.http.get(f"{stack.relay_url}{path}")
        expect(response.status_code == 200, f"{path} answered {response.status_code}: {response.text[:200]}")
    meta = await stack.http.get(f"{stack.meta_sim_url}/_sim/meta/health")
    slack = await stack.http.get(f"{stack.slack_sim_url}/_sim/slack/health")
    expect(meta.status_code == 200 and slack.status_code == 200, "a simulator is not answering")
    return "relay /healthz and /readyz, both simulators answer"


async def slack_auth_through_simulator(stack: Stack, _memo: dict[str, Any]) -> str:
    client = await stack.relay.clients.for_team(stack.workspace.team_id)
    expect(client is not None, "no Slack client for the sandbox workspace")
    answer = await client.auth_test()  # type: ignore[union-attr]
    expect(answer["ok"] and answer["team_id"] == stack.workspace.team_id, f"auth.test said {answer.data}")
    return f"auth.test with the stored (encrypted) bot token → team {answer['team_id']}, bot {answer['user_id']}"


async def webhook_verification(stack: Stack, _memo: dict[str, Any]) -> str:
    good = await stack.http.get(stack.webhook_url, params={
        "hub.mode": "subscribe", "hub.verify_token": stack.secrets["verify_token"], "hub.challenge": "c-42"})
    expect(good.status_code == 200 and good.text == "c-42", f"verification GET answered {good.status_code}")
    bad = await stack.http.get(stack.webhook_url, params={
        "hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "c-42"})
    expect(bad.status_code == 403, f"a wrong verify token got {bad.status_code}")
    return "Meta's verification GET answered with the challenge; a wrong verify token refused (403)"


async def signed_webhooks_only(stack: Stack, _memo: dict[str, Any]) -> str:
    body = json.dumps({"object": "whatsapp_business_account", "entry": []}).encode()
    signature = "sha256=" + hmac.new(stack.secrets["app_secret"].encode(), body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json"}
    ok = await stack.http.post(stack.webhook_url, content=body, headers={**headers, "X-Hub-Signature-256": signature})
    forged = await stack.http.post(stack.webhook_url, content=body,
                                   headers={**headers, "X-Hub-Signature-256": "sha256=" + "0" * 64})
    expect(ok.status_code == 200, f"a correctly signed webhook got {ok.status_code}")
    expect(forged.status_code == 401, f"a forged webhook got {forged.status_code}")
    return "correctly signed webhook accepted (200), forged signature refused (401)"


async def connect_first_number(stack: Stack, memo: dict[str, Any]) -> str:
    outcome = await stack.connect_number()
    expect(outcome.get("status") == "connected", f"claim answered {outcome}")
    number = outcome["numbers"][0]
    memo["first"] = outcome
    subscribed = stack.meta.is_subscribed(outcome["waba_id"]) if hasattr(stack.meta, "is_subscribed") else None
    detail = "" if subscribed is None else f", webhooks subscribed: {subscribed}"
    return (f"Embedded Signup claimed WABA {outcome['waba_id']}, number {number['display_phone_number']} "
            f"registered, conversations go to channel {number.get('channel_id')}{detail}")


async def graph_client_reads_the_number(stack: Stack, memo: dict[str, Any]) -> str:
    from storage.repositories import AccountRepository

    waba_id = memo["first"]["waba_id"]
    async with stack.services.database.session() as session:
        accounts = AccountRepository(session, stack.services.cipher)
        account = (await accounts.list_for_team(stack.workspace.team_id))[0]
        token = accounts.business_token(account)
    numbers = await stack.services.graph.list_phone_numbers(waba_id, token)
    templates = await stack.services.graph.list_templates(waba_id, token)
    expect(numbers and numbers[0].id == memo["first"]["numbers"][0]["phone_number_id"], "phone numbers differ")
    approved = [t.name for t in templates if t.status == "APPROVED"]
    return f"Graph client (decrypted business token) lists {len(numbers)} number(s) and templates {approved}"


async def connect_second_number(stack: Stack, memo: dict[str, Any]) -> str:
    from sandbox.browser import BrowserUnavailable, connect_in_browser

    try:
        outcome = await connect_in_browser(stack)
        how = "through the real connect page in headless Chromium"
    except BrowserUnavailable as exc:
        outcome = await stack.connect_number()
        how = f"through the same HTTP calls the page makes (no browser: {exc})"
    expect(outcome.get("status") == "connected", f"second connect answered {outcome}")
    memo["second"] = outcome
    return f"second number connected {how}: WABA {outcome['waba_id']}"


async def home_tab_shows_both(stack: Stack, memo: dict[str, Any]) -> str:
    user = stack.workspace.admin_user_id
    delivered = await stack.slack_event(kind="event", event={"type": "app_home_opened", "user": user,
                                                             "channel": "D0HOME", "tab": "home"})
    expect(delivered["status"] == 200, f"app_home_opened answered {delivered['status']}")
    view = None
    for _ in range(50):  # the event is acknowledged first and published right after
        view = stack.slack.latest_home_view(stack.workspace.team_id, user)
        if view is not None and memo["second"]["waba_id"] and _mentions(view, memo):
            break
        await _sleep(0.1)
    expect(view is not None, "no Home tab was published")
    expect(_mentions(view, memo), "the Home tab does not show both connected numbers")
    return "Home tab published for the recruiter lists both numbers with their channels"


# A tiny valid PNG and PDF, as a candidate's photo and CV
SAMPLE_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5a4e1e70000000049454e44ae426082")
SAMPLE_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Count 0>>endobj\n" \
    b"trailer<</Root 1 0 R>>\n%%EOF\n"


async def candidate_writes_text_image_and_document(stack: Stack, memo: dict[str, Any]) -> str:
    """A candidate writes, sends a photo and a CV: all three appear in one thread of the number's channel,
    in order (through Meta's batched, signed webhooks, the inbox, the workers and Slack's rate limits)."""
    import base64

    number = memo["first"]["numbers"][0]
    sends = [
        {"type": "text", "text": "Hello! I saw the nursing job. Is it still open?"},
        {"type": "image", "mime_type": "image/png", "content_base64": base64.b64encode(SAMPLE_PNG).decode(),
         "caption": "My registration card"},
        {"type": "document", "mime_type": "application/pdf", "filename": "Amina-CV.pdf",
         "content_base64": base64.b64encode(SAMPLE_PDF).decode()},
    ]
    for send in sends:
        answer = await stack.http.post(f"{stack.meta_sim_url}/_sim/meta/inbound", json={
            "phone_number_id": number["phone_number_id"], "from": "212638167216", "name": "Amina Benali", **send})
        expect(answer.status_code == 200, f"the Meta simulator refused the candidate's {send['type']}: {answer.text}")
    channel = number["channel_id"]
    posts: list[dict[str, Any]] = []
    for _ in range(300):
        messages = (await stack.http.get(f"{stack.slack_sim_url}/_sim/slack/messages",
                                         params={"channel": channel})).json()
        posts = [m for m in messages if m.get("thread_ts") and m["thread_ts"] != m["ts"]]
        if len(posts) >= 3:
            break
        await _sleep(0.1)
    expect(len(posts) >= 3, f"the thread shows {len(posts)} of the candidate's 3 messages")
    parents = {m["thread_ts"] for m in posts}
    expect(len(parents) == 1, "the candidate's messages are spread over several threads")
    expect("nursing job" in posts[0].get("text", ""), "the text is not the first reply")
    names = [f.get("name") for m in posts[1:3] for f in m.get("files") or []]
    expect(names[:1] and names[-1] == "Amina-CV.pdf", f"the files in the thread are {names}")
    memo["thread"] = {"channel": channel, "ts": posts[0]["thread_ts"], "number": number,
                      "candidate": "212638167216"}
    return f"a candidate's text, photo and CV appear in one thread of {channel}, in order"


async def recruiter_replies_in_the_thread(stack: Stack, memo: dict[str, Any]) -> str:
    """The recruiter answers in the thread (a signed message event from the Slack simulator): the candidate's
    phone receives it as WhatsApp text, mrkdwn converted, from the number the candidate wrote to."""
    thread = memo["thread"]
    team_id = stack.workspace.team_id
    text = "Yes, it is *still open*! Could you come in on Monday?"
    answer = await stack.http.post(f"{stack.slack_sim_url}/_sim/slack/event", json={
        "kind": "event", "team_id": team_id, "event": {
            "type": "message", "channel": thread["channel"], "user": stack.workspace.admin_user_id, "text": text,
            "thread_ts": thread["ts"]}})
    expect(answer.status_code == 200, f"the Slack simulator could not deliver the reply: {answer.text}")
    received: list[dict[str, Any]] = []
    for _ in range(300):
        conversation = (await stack.http.get(f"{stack.meta_sim_url}/_sim/meta/conversation", params={
            "phone_number_id": thread["number"]["phone_number_id"], "candidate": thread["candidate"]})).json()
        received = [i for i in conversation["data"] if i["direction"] == "out"]
        if received:
            break
        await _sleep(0.1)
    expect(len(received) == 1, f"the candidate received {len(received)} messages, not the one reply")
    body = ((received[0]["message"].get("text") or {}).get("body")) or ""
    expect(body == "Yes, it is *still open*! Could you come in on Monday?",
           f"the candidate read {body!r}")
    return "the recruiter's reply in the thread reached the candidate's phone on WhatsApp"


def _mentions(view: Any, memo: dict[str, Any]) -> bool:
    text = json.dumps(view)
    numbers = [memo[k]["numbers"][0]["display_phone_number"] for k in ("first", "second") if k in memo]
    return all(n and n in text for n in numbers)


async def _sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)


STEPS: list[tuple[str, Step]] = [
    ("health", relay_is_healthy),
    ("slack auth.test", slack_auth_through_simulator),
    ("webhook verification", webhook_verification),
    ("webhook signatures", signed_webhooks_only),
    ("connect a number", connect_first_number),
    ("graph client", graph_client_reads_the_number),
    ("connect a second number", connect_second_number),
    ("home tab", home_tab_shows_both),
    ("a candidate writes", candidate_writes_text_image_and_document),
    ("a recruiter replies", recruiter_replies_in_the_thread),
    ("a template opens a thread", template_opens_a_thread),
]


async def play_scenario(stack: Stack, steps: list[tuple[str, Step]] | None = None) -> int:
    """Run each step in order, print one line per step, stop at the first failure; 0 only if all passed."""
    memo: dict[str, Any] = {}
    print(f"scenario: relay {stack.relay_url}, Meta simulator {stack.meta_sim_url}, "
          f"Slack simulator {stack.slack_sim_url}", flush=True)
    for index, (name, step) in enumerate(steps or STEPS, start=1):
        started = time.perf_counter()
        try:
            said = await step(stack, memo)
        except Exception as exc:
            print(f"[{index}] FAIL {name}: {type(exc).__name__}: {exc}", flush=True)
            print("scenario: FAILED", flush=True)
            return 1
        print(f"[{index}] ok   {name}: {said} ({(time.perf_counter() - started) * 1000:.0f} ms)", flush=True)
    print("scenario: every step checked out", flush=True)
    return 0
