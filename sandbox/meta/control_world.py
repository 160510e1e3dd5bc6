"""Control endpoints that inspect and shape the world: its summary, seeded assets, a WABA's payment method and
a number's throughput level."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .control import fail, json_object
from .graph import world_of
from .onboarding import onboard
from .state import MetaWorld


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
                        "throughput_per_second": world.limits.throughput_of(n),
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
            "graph_calls": world.graph_calls.total,
            "inbound": len(world.inbound),
            "media": len(world.media),
            "webhook_deliveries": len(world.webhooks.deliveries),
            "pending_updates": world.webhooks.pending_updates(),
            "timers": world.scheduler.pending(),
        },
        "faults": [f.as_dict() for f in world.faults.pending],
        "settings": world.rules.as_dict(),
    }


async def state(request: Request) -> Response:
    return JSONResponse(summary(world_of(request)))


async def seed(request: Request) -> Response:
    """Assets without a signup (benchmarks): optionally registered and subscribed already."""
    world = world_of(request)
    try:
        body = await json_object(request)
        onboarding = onboard(
            world,
            numbers=int(body.get("numbers", 1)),
            coexistence=bool(body.get("coexistence", False)),
            payment_method=bool(body.get("payment_method", True)),
            business_id=body.get("business_id"),
        )
    except (ValueError, TypeError) as exc:
        return fail(str(exc))
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
        return fail("unknown waba_id", 404)
    try:
        body = await json_object(request)
    except ValueError as exc:
        return fail(str(exc))
    if set(body) - {"payment_method"} or not isinstance(body.get("payment_method"), bool):
        return fail('send {"payment_method": true|false}')
    waba.payment_method = body["payment_method"]
    return JSONResponse({"success": True})


async def update_number(request: Request) -> Response:
    """``PATCH /_sim/meta/numbers/{id}`` ``{"throughput_per_second": n | null}``: the number's throughput level."""
    world = world_of(request)
    number = world.numbers.get(request.path_params["phone_number_id"])
    if number is None:
        return fail("unknown phone_number_id", 404)
    try:
        body = await json_object(request)
    except ValueError as exc:
        return fail(str(exc))
    value = body.get("throughput_per_second")
    if set(body) != {"throughput_per_second"} or not (value is None or isinstance(value, int | float)):
        return fail('send {"throughput_per_second": <messages per second> | null}')
    number.throughput_per_second = None if value is None else float(value)
    return JSONResponse({"success": True, "throughput_per_second": world.limits.throughput_of(number)})
