"""Control endpoints under ``/_sim/meta``: play the candidate, inject faults, seed, and inspect the world."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from . import account_events, inbound, inbound_samples, webhooks
from .faults import parse_fault
from .graph import world_of
from .state import MetaWorld


def fail(message: str, status: int = 400) -> JSONResponse:
    """A control error: ``{"error": message}``."""
    return JSONResponse({"error": message}, status_code=status)


async def json_object(request: Request) -> dict:
    """The request's JSON object body (``{}`` when empty); ValueError otherwise."""
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError as exc:
        raise ValueError("the body must be a JSON object") from exc
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    return body


async def health(request: Request) -> Response:
    return JSONResponse({"ok": True})


async def _outcome(world: MetaWorld, made: list, wanted: object) -> dict:
    """The first attempt of the delivery that carried ``wanted`` (an update, or None for a raw body)."""
    delivery = next((d for d in made if wanted is None or any(u is wanted for u in d.items)), None)
    if delivery is None:
        return {"status": None, "delivered": False, "reason": "nothing was delivered"}
    await delivery.done.wait()
    attempt = delivery.attempts[0]
    result: dict = {"status": attempt.status, "delivered": attempt.error is None, "delivery_id": delivery.id}
    if attempt.error:
        result["error"] = attempt.error
    return result


async def deliver_update(world: MetaWorld, update: webhooks.Update, *, wait: bool) -> dict:
    """Queue an update; answer the relay's status when batching is off (or ``wait``), else ``queued``."""
    world.webhooks.enqueue(update)
    if world.rules.delivery.batch_window_seconds and not wait:
        return {"status": None, "delivered": None, "queued": True}
    return await _outcome(world, await world.webhooks.deliver_now(update.url), update)


async def _send_raw(world: MetaWorld, payload: dict, deliver: bool, wait: bool) -> dict:
    raw, headers = webhooks.signed_request(world, payload)
    result: dict = {"status": None, "payload": payload}
    if not deliver:
        result.update(body=raw.decode("ascii"), headers=headers, delivered=False)
        return result
    url = world.config.webhook_url
    if not url:
        result.update(delivered=False, reason="no webhook_url is configured")
        return result
    delivery = world.webhooks.enqueue_payload(url, payload)
    world.scheduler.run_due()
    if world.rules.delivery.batch_window_seconds and not wait:
        result.update(queued=True, delivery_id=delivery.id)
        return result
    result.update(await _outcome(world, [delivery], None))
    return result


async def inbound_route(request: Request) -> Response:
    """A candidate's message, a status update or a value-level error, delivered as a signed ``messages`` webhook."""
    world = world_of(request)
    try:
        body = await json_object(request)
    except ValueError as exc:
        return fail(str(exc))
    return await deliver_inbound(world, body)


async def deliver_inbound(world: MetaWorld, body: dict) -> Response:
    """What the candidate did (a control body), delivered as Meta would; the control answer."""
    deliver, wait = body.pop("deliver", True), bool(body.pop("wait", False))
    if "raw" in body:
        return JSONResponse(await _send_raw(world, body["raw"], deliver, wait))
    if "account_update" in body:
        payload = webhooks.account_update_envelope(world, body["account_update"], body.get("entry_id"))
        return JSONResponse(await _send_raw(world, payload, deliver, wait))
    number = world.numbers.get(str(body.get("phone_number_id")))
    if number is None:
        return fail(f"unknown phone_number_id {body.get('phone_number_id')!r}", 404)
    if not number.registered:
        return fail("the number is not registered on the Cloud API: a candidate's message cannot reach it", 409)
    try:
        value, wamid = inbound.build_value(world, number, body)
    except inbound.InboundError as exc:
        return fail(str(exc))
    payload = webhooks.messages_envelope(world, number, value)
    result: dict = {"status": None, "payload": payload}
    url = webhooks.callback_url(world, number.waba_id)
    if not deliver:
        raw, headers = webhooks.signed_request(world, payload)
        result.update(body=raw.decode("ascii"), headers=headers, delivered=False)
    elif not world.is_subscribed(number.waba_id):
        result["delivered"] = False
        result["reason"] = f"the app is not subscribed to WABA {number.waba_id} (POST /{{waba_id}}/subscribed_apps)"
    elif not url:
        result.update(delivered=False, reason="no webhook_url is configured")
    else:
        full_value = payload["entry"][0]["changes"][0]["value"]
        update = webhooks.Update(url, number.waba_id, "messages", full_value)
        result.update(await deliver_update(world, update, wait=wait))
    result["message_id"] = wamid
    return JSONResponse(result)


async def inbound_sample(request: Request) -> Response:
    """``POST /_sim/meta/inbound/sample`` ``{"phone_number_id", "sample", "from"?}``: a realistic message of a kind."""
    world = world_of(request)
    try:
        body = await json_object(request)
        sample = inbound_samples.sample_request(world, body)
    except (ValueError, inbound.InboundError) as exc:
        return fail(str(exc))
    return await deliver_inbound(world, sample)


async def inbound_samples_list(request: Request) -> Response:
    return JSONResponse({"samples": sorted(inbound_samples.SAMPLES)})


async def account_event(request: Request) -> Response:
    """``POST /_sim/meta/events`` ``{"field": "account_update" | ..., ...}``: an account-level webhook."""
    world = world_of(request)
    try:
        body = await json_object(request)
        builder = account_events.BUILDERS.get(str(body.get("field")))
        if builder is None:
            raise ValueError(f"field must be one of {sorted(account_events.BUILDERS)}")
        event = builder(world, body)
    except (ValueError, inbound.InboundError) as exc:
        return fail(str(exc))
    entry_time = int(world.clock()) if event.timed else None
    url = webhooks.callback_url(world, event.waba_id, follows_overrides=event.follows_overrides)
    update = webhooks.Update(url or "", event.entry_id, event.field, event.value, entry_time)
    result: dict = {"status": None, "payload": webhooks.batch_payload([update])}
    if event.needs_subscription and not world.is_subscribed(event.waba_id or ""):
        result.update(delivered=False, reason=f"the app is not subscribed to WABA {event.waba_id}")
    elif not url:
        result.update(delivered=False, reason="no webhook_url is configured")
    elif body.get("deliver", True):
        result.update(await deliver_update(world, update, wait=bool(body.get("wait"))))
    return JSONResponse(result)


async def sent_messages(request: Request) -> Response:
    """Every message the relay sent, optionally filtered by phone_number_id and/or to (wa_id)."""
    world = world_of(request)
    pnid = request.query_params.get("phone_number_id")
    to = request.query_params.get("to")
    found = [
        m
        for m in world.messages
        if (not pnid or m["phone_number_id"] == pnid) and (not to or m["wa_id"] == to)
    ]
    # how many sends the rate limits refused (130429 throughput, 131056 pair rate), whatever the filters
    refused = {str(code): count for code, count in sorted(world.limits.refused.items())}
    return JSONResponse({"data": found, "refused": refused})


async def faults(request: Request) -> Response:
    world = world_of(request)
    if request.method == "DELETE":
        world.faults.clear()
        return JSONResponse({"success": True})
    if request.method == "GET":
        return JSONResponse({"data": [f.as_dict() for f in world.faults.pending]})
    try:
        fault = parse_fault(await json_object(request))
    except ValueError as exc:
        return fail(str(exc))
    world.faults.add(fault)
    return JSONResponse({"success": True, "fault": fault.as_dict()})


async def graph_calls(request: Request) -> Response:
    """``GET /_sim/meta/graph_calls[?limit=]``: the latest Graph calls and media downloads, oldest first, with
    method, path, status and small bodies (tokens, secrets and codes masked); ``total`` counts every call."""
    world = world_of(request)
    limit = request.query_params.get("limit", "")
    calls = world.graph_calls.latest(int(limit) if limit.isdigit() else None)
    return JSONResponse({"data": calls, "total": world.graph_calls.total})
