"""views.publish / open / push / update: Home tabs and modal stacks."""

from __future__ import annotations

import json
import secrets
from typing import Any

from ..blocks import view_errors
from ..context import CallContext, Method
from ..state import View, Workspace
from ..strict import text_arg
from ..world import SlackApiFailure, SlackWorld

MAX_VIEW_BYTES = 250_000  # view_too_large above this (docs: views.publish / views.open)
MAX_STACK = 3  # a modal plus two pushed views


def validated_view(raw: Any, *, expected_type: str | None) -> dict[str, Any]:
    """A view checked like Slack does; raises view_too_large / invalid_blocks / invalid_arguments."""
    if isinstance(raw, str):
        size = len(raw.encode())
        try:
            raw = json.loads(raw)
        except ValueError:
            raise SlackApiFailure(
                "invalid_arguments",
                response_metadata={"messages": ["[ERROR] must be valid JSON [json-pointer:/view]"]},
            ) from None
    else:
        size = len(json.dumps(raw).encode())
    if not isinstance(raw, dict):
        raise SlackApiFailure(
            "invalid_arguments",
            response_metadata={"messages": ["[ERROR] must provide an object [json-pointer:/view]"]},
        )
    if size > MAX_VIEW_BYTES:
        raise SlackApiFailure("view_too_large")
    errors = view_errors(raw)
    if expected_type and raw.get("type") != expected_type:
        errors.append(f"[ERROR] must be {expected_type} for this method [json-pointer:/view/type]")
    if errors:
        blocks_only = all("json-pointer:/view/blocks" in e for e in errors)
        raise SlackApiFailure(
            "invalid_blocks" if blocks_only else "invalid_arguments", response_metadata={"messages": errors}
        )
    return raw


def new_hash(world: SlackWorld) -> str:
    return f"{int(world.clock())}.{secrets.token_hex(4)}"


def _check_external_id(ws: Workspace, spec: dict[str, Any], keep: str | None = None) -> None:
    external_id = spec.get("external_id")
    if external_id and any(
        v.spec.get("external_id") == external_id and v.id != keep for v in ws.views.values()
    ):
        raise SlackApiFailure("duplicate_external_id")


def is_showing(ws: Workspace, view: View) -> bool:
    """A Home tab always is; a modal only while it is on its person's stack."""
    return view.type == "home" or view.id in ws.modal_stacks.get(view.user_id, [])


def open_modal(world: SlackWorld, ws: Workspace, user_id: str, spec: dict[str, Any], *, push: bool) -> View:
    """Put a modal on a user's stack (a fresh stack unless ``push``)."""
    stack = ws.modal_stacks.get(user_id, []) if push else []
    view_id = world.new_id("V")
    view = View(
        view_id,
        ws.team_id,
        user_id,
        ws.app_id,
        ws.bot_id,
        spec,
        new_hash(world),
        root_view_id=stack[0] if stack else view_id,
        previous_view_id=stack[-1] if stack else None,
    )
    ws.views[view_id] = view
    ws.modal_stacks[user_id] = [*stack, view_id]
    return view


async def publish(ctx: CallContext) -> dict[str, Any]:
    ws = ctx.ws
    user = ctx.user("user_id")
    spec = validated_view(ctx.args.get("view"), expected_type="home")
    _check_external_id(ws, spec, keep=ws.home_views.get(user.id))
    current = ws.views.get(ws.home_views.get(user.id, ""))
    expected_hash = text_arg(ctx.args, "hash")
    if expected_hash and current is not None and current.hash != expected_hash:
        raise SlackApiFailure("hash_conflict")
    if current is None:
        view_id = ctx.world.new_id("V")
        current = View(view_id, ws.team_id, user.id, ws.app_id, ws.bot_id, spec, "", root_view_id=view_id)
        ws.views[view_id] = current
        ws.home_views[user.id] = view_id
    current.spec, current.hash, current.state_values = spec, new_hash(ctx.world), {}
    return {"view": current.to_api()}


async def open_(ctx: CallContext) -> dict[str, Any]:
    trigger = ctx.world.use_trigger(text_arg(ctx.args, "trigger_id") or "", ctx.ws.team_id)
    spec = validated_view(ctx.args.get("view"), expected_type="modal")
    _check_external_id(ctx.ws, spec)
    return {"view": open_modal(ctx.world, ctx.ws, trigger.user_id, spec, push=False).to_api()}


async def push(ctx: CallContext) -> dict[str, Any]:
    trigger = ctx.world.use_trigger(text_arg(ctx.args, "trigger_id") or "", ctx.ws.team_id)
    spec = validated_view(ctx.args.get("view"), expected_type="modal")
    stack = ctx.ws.modal_stacks.get(trigger.user_id, [])
    if not stack:
        raise SlackApiFailure("not_found")
    if len(stack) >= MAX_STACK:
        raise SlackApiFailure("push_limit_reached")
    _check_external_id(ctx.ws, spec)
    return {"view": open_modal(ctx.world, ctx.ws, trigger.user_id, spec, push=True).to_api()}


async def update(ctx: CallContext) -> dict[str, Any]:
    ws = ctx.ws
    view_id, external_id = text_arg(ctx.args, "view_id"), text_arg(ctx.args, "external_id")
    if not view_id and not external_id:
        raise SlackApiFailure(
            "invalid_arguments",
            response_metadata={"messages": ["[ERROR] either view_id or external_id is required"]},
        )
    view = (
        ws.views.get(view_id or "")
        if view_id
        else next((v for v in ws.views.values() if v.spec.get("external_id") == external_id), None)
    )
    if view is None or not is_showing(ws, view):
        raise SlackApiFailure("not_found")  # also a modal the person closed (or one replaced by views.open)
    spec = validated_view(ctx.args.get("view"), expected_type=view.type)
    _check_external_id(ws, spec, keep=view.id)
    expected_hash = text_arg(ctx.args, "hash")
    if expected_hash and expected_hash != view.hash:
        raise SlackApiFailure("hash_conflict")
    view.replace_spec(spec, new_hash(ctx.world))
    return {"view": view.to_api()}


METHODS = {
    "views.publish": Method(publish),
    "views.open": Method(open_),
    "views.push": Method(push),
    "views.update": Method(update),
}
