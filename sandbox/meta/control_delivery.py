"""Control endpoints for Meta's timing: webhook deliveries and their attempts, redelivery, flushing timers,
the behaviour settings, failures that arrive later per recipient, and wa_id aliases."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .config import updated
from .control import fail, json_object
from .graph import world_of
from .sending import parse_recipient_fault


async def deliveries(request: Request) -> Response:
    """``GET /_sim/meta/deliveries[?state=&field=&limit=&body=1]``: each POST with its attempts, oldest first."""
    world = world_of(request)
    params = request.query_params
    found = [d for d in world.webhooks.deliveries.values()
             if (not params.get("state") or d.state == params["state"])
             and (not params.get("field") or params["field"] in d.fields)]  # fmt: skip
    if params.get("limit", "").isdigit():
        found = found[-int(params["limit"]) :]
    with_body = params.get("body") in ("1", "true")
    return JSONResponse({"data": [d.as_dict(with_body) for d in found],
                         "pending_updates": world.webhooks.pending_updates()})  # fmt: skip


async def redeliver(request: Request) -> Response:
    """``POST /_sim/meta/deliveries/{id}/redeliver``: the same signed bytes, POSTed again now."""
    world = world_of(request)
    delivery = world.webhooks.deliveries.get(request.path_params["delivery_id"])
    if delivery is None:
        return fail("unknown delivery id", 404)
    attempt = await world.webhooks.redeliver(delivery)
    return JSONResponse({"attempt": attempt.as_dict(), "delivery": delivery.as_dict(with_body=False)})


async def flush(request: Request) -> Response:
    """``POST /_sim/meta/deliveries/flush``: send held batches and run every timer that is due, now."""
    world = world_of(request)
    before = len(world.webhooks.deliveries)
    await world.scheduler.flush(before=world.webhooks.close_all_batches)
    return JSONResponse({"new_deliveries": len(world.webhooks.deliveries) - before,
                         "timers": world.scheduler.pending()})  # fmt: skip


async def settings(request: Request) -> Response:
    """``GET|PATCH /_sim/meta/settings``: ``{"delivery": {...}, "statuses": {...}, "sending": {...}}``."""
    world = world_of(request)
    if request.method == "PATCH":
        try:
            body = await json_object(request)
            if unknown := set(body) - {"delivery", "statuses", "sending"}:
                raise ValueError(f"unknown blocks {sorted(unknown)}; use delivery, statuses, sending")
            changed = {name: updated(getattr(world.rules, name), changes) for name, changes in body.items()}
        except ValueError as exc:
            return fail(str(exc))
        for name, block in changed.items():
            setattr(world.rules, name, block)
        if "delivery" in changed:
            world.webhooks.reseed()
        if "statuses" in changed:
            world.statuses.reseed()
    return JSONResponse(world.rules.as_dict())


async def recipient_faults(request: Request) -> Response:
    """``GET|POST|DELETE /_sim/meta/recipient_faults``: sends to a wa_id (or from a number) fail later."""
    world = world_of(request)
    if request.method == "DELETE":
        world.recipient_faults.clear()
    elif request.method == "POST":
        try:
            world.recipient_faults.append(parse_recipient_fault(await json_object(request)))
        except ValueError as exc:
            return fail(str(exc))
    return JSONResponse({"data": [f.as_dict() for f in world.recipient_faults]})


async def wa_id_aliases(request: Request) -> Response:
    """``POST /_sim/meta/wa_ids`` ``{"input": "<digits>", "wa_id": "<digits>"}``: Meta answers another wa_id."""
    world = world_of(request)
    if request.method == "POST":
        try:
            body = await json_object(request)
        except ValueError as exc:
            return fail(str(exc))
        given, wa_id = body.get("input"), body.get("wa_id")
        if not (isinstance(given, str) and given.isdigit() and isinstance(wa_id, str) and wa_id.isdigit()):
            return fail('send {"input": "<digits>", "wa_id": "<digits>"}')
        world.wa_id_aliases[given] = wa_id
    return JSONResponse({"data": world.wa_id_aliases})
