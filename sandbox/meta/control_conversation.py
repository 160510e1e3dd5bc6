"""Read-only control endpoints for a candidate's phone: who wrote to (or was written to by) a number, and one
candidate's conversation with it, both directions, oldest first."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .control import fail
from .graph import world_of
from .state import MetaWorld


def _read_wamids(world: MetaWorld, phone_number_id: str) -> set[str]:
    return {r["message_id"] for r in world.read_receipts if r["phone_number_id"] == phone_number_id}


def candidates_of(world: MetaWorld, phone_number_id: str) -> list[dict]:
    """Each candidate of a number, by the key Meta knows them by (wa_id, else business-scoped id), latest
    name seen, when last active; most recently active first."""
    found: dict[str, dict] = {}
    for seen in world.inbound.values():
        if seen["phone_number_id"] != phone_number_id:
            continue
        key = seen["from"]
        entry = found.setdefault(key, {"key": key, "wa_id": None, "user_id": None, "name": None, "at": 0.0})
        if seen.get("user_id"):
            entry["user_id"] = seen["user_id"]
        if key != seen.get("user_id"):
            entry["wa_id"] = key
        entry["name"] = seen.get("name") or entry["name"]
        entry["at"] = max(entry["at"], seen["at"])
    for sent in world.messages:
        if sent["phone_number_id"] != phone_number_id:
            continue
        key = sent["wa_id"]
        entry = found.setdefault(key, {"key": key, "wa_id": None, "user_id": None, "name": None, "at": 0.0})
        if key.isdigit():
            entry["wa_id"] = key
        else:
            entry["user_id"] = key
        entry["at"] = max(entry["at"], sent["at"])
    return sorted(found.values(), key=lambda c: c["at"], reverse=True)


def conversation_of(world: MetaWorld, phone_number_id: str, key: str) -> list[dict]:
    """What the candidate ``key`` (a wa_id or a business-scoped id) sent the number and what it sent them."""
    read = _read_wamids(world, phone_number_id)
    items: list[dict] = []
    for wamid, seen in world.inbound.items():
        if seen["phone_number_id"] == phone_number_id and key in (seen["from"], seen.get("user_id")):
            items.append({"direction": "in", "wamid": wamid, "at": seen["at"], "type": seen["type"],
                          "message": seen.get("message"), "read": wamid in read})  # fmt: skip
    for sent in world.messages:
        if sent["phone_number_id"] == phone_number_id and sent["wa_id"] == key:
            body = {k: v for k, v in sent.items() if k not in ("wamid", "phone_number_id", "wa_id", "at",
                                                                "status", "statuses")}  # fmt: skip
            items.append({"direction": "out", "wamid": sent["wamid"], "at": sent["at"], "type": sent.get("type"),
                          "message": body, "status": sent["status"], "statuses": list(sent["statuses"])})  # fmt: skip
    return sorted(items, key=lambda i: i["at"])


async def candidates(request: Request) -> Response:
    """``GET /_sim/meta/candidates?phone_number_id=``: the number's candidates, most recently active first."""
    world = world_of(request)
    pnid = request.query_params.get("phone_number_id", "")
    if pnid not in world.numbers:
        return fail(f"unknown phone_number_id {pnid!r}", 404)
    return JSONResponse({"data": candidates_of(world, pnid)})


async def conversation(request: Request) -> Response:
    """``GET /_sim/meta/conversation?phone_number_id=&candidate=<wa_id or user id>``: both directions."""
    world = world_of(request)
    pnid = request.query_params.get("phone_number_id", "")
    key = request.query_params.get("candidate", "")
    if pnid not in world.numbers:
        return fail(f"unknown phone_number_id {pnid!r}", 404)
    if not key:
        return fail("give candidate (a wa_id or a business-scoped user id)")
    return JSONResponse({"data": conversation_of(world, pnid, key)})
