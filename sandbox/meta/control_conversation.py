"""Control endpoints for a candidate's phone: who wrote to (or was written to by) a number, one candidate's
conversation with it (both directions, oldest first, templates rendered as the phone shows them), and the
candidate tapping a button of a message the business sent."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .control import deliver_inbound, fail, json_object
from .graph import world_of
from .state import MetaWorld
from .template_render import render_sent_template


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
            item = {"direction": "out", "wamid": sent["wamid"], "at": sent["at"], "type": sent.get("type"),
                    "message": body, "status": sent["status"], "statuses": list(sent["statuses"])}  # fmt: skip
            if sent.get("type") == "template":
                item["rendered"] = render_sent_template(world, sent)
            items.append(item)
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


class TapError(ValueError):
    """A tap that cannot be: no such message, no such button, or a button that sends the business nothing."""


def _pick(items: list, index: object, what: str) -> dict:
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(items):
        raise TapError(f"{what} must be an index from 0 to {len(items) - 1}, got {index!r}")
    return items[index]


def _template_reply(world: MetaWorld, sent: dict, index: object) -> dict:
    rendered = render_sent_template(world, sent)
    if rendered is None:
        raise TapError("the template of that message is no longer on the WABA")
    if not rendered["buttons"]:
        raise TapError(f"template {rendered['name']} has no buttons")
    button = _pick(rendered["buttons"], index, "button")
    if button["type"] != "QUICK_REPLY":
        raise TapError(f"a {button['type']} button opens something on the phone; only QUICK_REPLY buttons send "
                       "the business a webhook")  # fmt: skip
    return {"type": "button", "button": {"payload": button["payload"], "text": button["text"]}}


def _interactive_reply(sent: dict, body: dict) -> dict:
    interactive = sent.get("interactive") or {}
    action = interactive.get("action") or {}
    if interactive.get("type") == "button":
        reply = _pick(action.get("buttons") or [], body.get("button"), "button").get("reply") or {}
        chosen = {"id": reply.get("id"), "title": reply.get("title")}
        return {"type": "interactive", "interactive": {"type": "button_reply", "button_reply": chosen}}
    if interactive.get("type") == "list":
        rows = [r for section in action.get("sections") or [] for r in section.get("rows") or []]
        row = next((r for r in rows if r.get("id") == body.get("row")), None)
        if row is None:
            raise TapError(f"row must be the id of one of the list's rows {[r.get('id') for r in rows]}")
        chosen = {k: row[k] for k in ("id", "title", "description") if k in row}
        return {"type": "interactive", "interactive": {"type": "list_reply", "list_reply": chosen}}
    raise TapError("only reply buttons and lists can be tapped in an interactive message")


def tap_request(world: MetaWorld, body: dict) -> dict:
    """The candidate's inbound message for a tap on a button (``button``: its index) or a list row (``row``: its
    id) of ``message_id``: a ``button`` message for a template's quick reply, ``interactive`` for the others."""
    pnid = str(body.get("phone_number_id", ""))
    sent = world.sent_message(str(body.get("message_id", "")))
    if sent is None or sent["phone_number_id"] != pnid:
        raise TapError(f"message_id {body.get('message_id')!r} is not a message number {pnid!r} sent")
    if sent.get("type") == "template":
        reply = _template_reply(world, sent, body.get("button"))
    elif sent.get("type") == "interactive":
        reply = _interactive_reply(sent, body)
    else:
        raise TapError(f"a {sent.get('type')} message has no buttons to tap")
    key = sent["wa_id"]
    sender = {"user_id": key} if sent.get("recipient_kind") == "user_id" else {"from": key}
    name = body.get("name") or next((c["name"] for c in candidates_of(world, pnid) if c["key"] == key), None)
    request = {"phone_number_id": pnid, **sender, **reply, "context": {"id": sent["wamid"]}}
    if name:
        request["name"] = name
    for option in ("deliver", "wait"):
        if option in body:
            request[option] = body[option]
    return request


async def tap(request: Request) -> Response:
    """``POST /_sim/meta/tap {"phone_number_id", "message_id", "button": index | "row": id, "name"?}``: the
    candidate taps a button of a message the business sent; Meta sends the reply webhook (as ``inbound``)."""
    world = world_of(request)
    try:
        built = tap_request(world, await json_object(request))
    except ValueError as exc:
        return fail(str(exc))
    return await deliver_inbound(world, built)
