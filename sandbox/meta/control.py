"""Control endpoints under ``/_sim/meta``: play the candidate, inject faults, seed, and inspect the world."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from . import inbound, webhooks
from .faults import parse_fault
from .graph import world_of
from .onboarding import onboard
from .state import MetaWorld


def _fail(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _json_object(request: Request) -> dict:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError as exc:
        raise ValueError("the body must be a JSON object") from exc
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    return body


async def health(request: Request) -> Response:
    return JSONResponse({"ok": True})


async def _send(request: Request, world: MetaWorld, payload: dict, url: str | None, deliver: bool) -> dict:
    raw, headers = webhooks.signed_request(world, payload)
    result: dict = {"status": None, "payload": payload}
    if not deliver:
        result.update(body=raw.decode("ascii"), headers=headers, delivered=False)
        return result
    if not url:
        result.update(delivered=False, reason="no webhook_url is configured")
        return result
    status, error = await webhooks.deliver(world, url, raw, headers, request.app.state.webhook_transport)
    result.update(status=status, delivered=error is None)
    if error:
        result["error"] = error
    return result


async def inbound_route(request: Request) -> Response:
    """A candidate's message or a status update, delivered as a signed ``messages`` webhook."""
    world = world_of(request)
    try:
        body = await _json_object(request)
    except ValueError as exc:
        return _fail(str(exc))
    deliver = body.pop("deliver", True)
    if "raw" in body:
        return JSONResponse(await _send(request, world, body["raw"], world.config.webhook_url, deliver))
    if "account_update" in body:
        payload = webhooks.account_update_envelope(world, body["account_update"], body.get("entry_id"))
        return JSONResponse(await _send(request, world, payload, world.config.webhook_url, deliver))
    number = world.numbers.get(str(body.get("phone_number_id")))
    if number is None:
        return _fail(f"unknown phone_number_id {body.get('phone_number_id')!r}", 404)
    if not number.registered:
        return _fail(
            "the number is not registered on the Cloud API: a candidate's message cannot reach it", 409
        )
    try:
        value, wamid = inbound.build_value(world, number, body)
    except inbound.InboundError as exc:
        return _fail(str(exc))
    payload = webhooks.messages_envelope(world, number, value)
    if deliver and not world.is_subscribed(number.waba_id):
        result = {"status": None, "payload": payload, "delivered": False}
        result["reason"] = (
            f"the app is not subscribed to WABA {number.waba_id} (POST /{{waba_id}}/subscribed_apps)"
        )
    else:
        result = await _send(request, world, payload, webhooks.callback_url(world, number.waba_id), deliver)
    result["message_id"] = wamid
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
    return JSONResponse({"data": found})


async def faults(request: Request) -> Response:
    world = world_of(request)
    if request.method == "DELETE":
        world.faults.clear()
        return JSONResponse({"success": True})
    if request.method == "GET":
        return JSONResponse({"data": [f.as_dict() for f in world.faults.pending]})
    try:
        fault = parse_fault(await _json_object(request))
    except ValueError as exc:
        return _fail(str(exc))
    world.faults.add(fault)
    return JSONResponse({"success": True, "fault": fault.as_dict()})


def summary(world: MetaWorld) -> dict:
    """A JSON view of the world without token values."""
    wabas = []
    for waba in world.wabas.values():
        wabas.append(
            {
                "id": waba.id,
                "business_id": waba.business_id,
                "name": waba.name,
                "payment_method": waba.payment_method,
                "subscribed_apps": sorted(waba.subscriptions),
                "numbers": [
                    {
                        "id": n.id,
                        "display_phone_number": n.display_phone_number,
                        "wa_digits": n.digits,
                        "registered": n.registered,
                        "is_on_biz_app": n.is_on_biz_app,
                        "pin_set": n.pin is not None,
                        "status": n.status,
                    }
                    for n in world.waba_numbers(waba.id)
                ],
                "templates": [
                    {"id": t.id, "name": t.name, "language": t.language, "status": t.status}
                    for t in world.waba_templates(waba.id)
                ],
            }
        )
    return {
        "app_id": world.config.app_id,
        "api_version": world.config.api_version,
        "partner_business_id": world.partner_business_id,
        "businesses": [{"id": b.id, "name": b.name} for b in world.businesses.values()],
        "wabas": wabas,
        "counts": {
            "messages": len(world.messages),
            "read_receipts": len(world.read_receipts),
            "inbound": len(world.inbound),
            "media": len(world.media),
            "webhook_deliveries": len(world.deliveries),
        },
        "faults": [f.as_dict() for f in world.faults.pending],
    }


async def state(request: Request) -> Response:
    return JSONResponse(summary(world_of(request)))


async def seed(request: Request) -> Response:
    """Assets without a signup (benchmarks): optionally registered and subscribed already."""
    world = world_of(request)
    try:
        body = await _json_object(request)
        onboarding = onboard(
            world,
            numbers=int(body.get("numbers", 1)),
            coexistence=bool(body.get("coexistence", False)),
            payment_method=bool(body.get("payment_method", True)),
            business_id=body.get("business_id"),
        )
    except (ValueError, TypeError) as exc:
        return _fail(str(exc))
    world.codes[onboarding.code].used = True  # the token is handed out directly
    pin = str(body.get("pin", "123456"))
    for pnid in onboarding.phone_number_ids:
        number = world.numbers[pnid]
        if body.get("registered") and not number.registered:
            number.registered, number.pin = True, pin
    if body.get("subscribed"):
        world.wabas[onboarding.waba_id].subscriptions[world.config.app_id] = {}
    return JSONResponse(
        {
            "business_id": onboarding.business_id,
            "waba_id": onboarding.waba_id,
            "phone_number_ids": onboarding.phone_number_ids,
            "display_phone_numbers": [world.numbers[p].digits for p in onboarding.phone_number_ids],
            "token": onboarding.token,
        }
    )


async def update_waba(request: Request) -> Response:
    """``PATCH /_sim/meta/wabas/{id}`` ``{"payment_method": bool}``: the customer acts in WhatsApp Manager."""
    world = world_of(request)
    waba = world.wabas.get(request.path_params["waba_id"])
    if waba is None:
        return _fail("unknown waba_id", 404)
    try:
        body = await _json_object(request)
    except ValueError as exc:
        return _fail(str(exc))
    if set(body) - {"payment_method"} or not isinstance(body.get("payment_method"), bool):
        return _fail('send {"payment_method": true|false}')
    waba.payment_method = body["payment_method"]
    return JSONResponse({"success": True})
