"""What a person does inside an open modal, as Slack's client does it: type into an input or pick an option
(the view's ``state.values`` change; a dispatching element also sends ``block_actions``), attach a file to a
``file_input`` (the app may then download it), search an
``external_select`` (Slack asks the app's options load URL with ``block_suggestion`` and shows what it
answers), and press Submit (``view_submission`` with the state).

Dispatch follows Slack: an element in an ``actions`` block or a section accessory always sends
``block_actions``; one in an ``input`` block only when the block has ``dispatch_action: true``, and a text input
then only on its ``dispatch_action_config.trigger_actions_on`` (default ``on_enter_pressed``). An external
select can only pick an option the app offered.
"""

from __future__ import annotations

import copy
import json
import time
from typing import Any

from .delivery import deliver
from .payloads import PayloadError
from .state import View, Workspace
from .world import SlackWorld

SELECTS = {"static_select", "external_select", "radio_buttons", "users_select", "conversations_select",
           "channels_select"}
TEXT_INPUTS = {"plain_text_input", "email_text_input", "url_text_input", "number_input"}
MAX_OPTIONS = 100


def top_view(ws: Workspace, user_id: str, view_id: str | None = None) -> View:
    stack = ws.modal_stacks.get(user_id) or []
    wanted = view_id or (stack[-1] if stack else None)
    if wanted is None or wanted not in stack:
        raise PayloadError(f"{user_id} has no open modal {view_id or ''}".strip(), status=409)
    return ws.views[wanted]


def find_element(view: View, block_id: str, action_id: str | None = None) -> tuple[dict, dict]:
    """The block and element a person acts on (the block's element, accessory or one of its elements)."""
    for block in view.spec.get("blocks") or []:
        if block.get("block_id") != block_id:
            continue
        elements = [block.get("element"), block.get("accessory"), *(block.get("elements") or [])]
        for element in elements:
            if isinstance(element, dict) and "action_id" in element and action_id in (None, element["action_id"]):
                return block, element
    raise PayloadError(f"the modal shows no element {action_id or ''} in block {block_id!r}", status=409)


def _dispatches(block: dict, element: dict, trigger: str | None) -> bool:
    if block.get("type") != "input":
        return True
    if not block.get("dispatch_action"):
        return False
    if element.get("type") in TEXT_INPUTS:
        config = element.get("dispatch_action_config") or {}
        return (trigger or "on_enter_pressed") in (config.get("trigger_actions_on") or ["on_enter_pressed"])
    return True


def _option(element: dict, value: str, offered: list[dict] | None) -> dict:
    choices = offered if offered is not None else element.get("options") or [
        o for g in element.get("option_groups") or [] for o in g.get("options") or []]
    found = next((o for o in choices if o.get("value") == value), None)
    if found is None:
        raise PayloadError(f"{element.get('type')} {element.get('action_id')!r} offers no option {value!r}",
                           status=409)
    return copy.deepcopy(found)


def options_of(answer_text: str) -> tuple[list[dict] | None, str | None]:
    """The options of an options-load answer, or why Slack would show none."""
    try:
        answer = json.loads(answer_text) if answer_text.strip() else {}
    except ValueError:
        return None, "the answer is not JSON"
    if not isinstance(answer, dict):
        return None, "the answer is not an object"
    groups = answer.get("option_groups")
    options = answer.get("options") if groups is None else [o for g in groups for o in g.get("options") or []]
    if not isinstance(options, list):
        return None, "the answer has no options"
    if len(options) > MAX_OPTIONS:
        return None, f"more than {MAX_OPTIONS} options"
    for option in options:
        text = (option.get("text") or {}) if isinstance(option, dict) else {}
        if text.get("type") != "plain_text" or not 1 <= len(str(text.get("text") or "")) <= 75:
            return None, "each option needs a plain_text text of 1 to 75 characters"
        if not 1 <= len(str(option.get("value") or "")) <= 150:
            return None, "each option needs a value of 1 to 150 characters"
    return options, None


async def suggest(world: SlackWorld, ws: Workspace, user_id: str, view: View, block_id: str,
                  action_id: str, query: str) -> dict[str, Any]:
    """Slack asks the app which options to show for ``query`` (a block_suggestion to the options load URL)."""
    payload = {"type": "block_suggestion", "user": {"id": user_id}, "container": {"type": "view",
               "view_id": view.id}, "action_id": action_id, "block_id": block_id, "value": query,
               "view": {"id": view.id}}
    result = await deliver(world, {"kind": "interactivity", "team_id": ws.team_id, "payload": payload})
    options, problem = (None, "no answer in time") if not result.get("in_time") else \
        (None, f"HTTP {result.get('status')}") if result.get("status") != 200 else options_of(result["body"])
    return {"options": options or [], "problem": problem, "delivery": result}


async def enter(world: SlackWorld, ws: Workspace, body: dict[str, Any]) -> dict[str, Any]:
    """A person types ``value`` into a text input, or picks the option whose value is ``value``."""
    user_id = str(body.get("user_id") or ws.admin_user_id)
    view = top_view(ws, user_id, body.get("view_id"))
    block_id = str(body.get("block_id") or "")
    block, element = find_element(view, block_id, body.get("action_id"))
    kind, action_id, value = element.get("type"), element["action_id"], body.get("value")
    report: dict[str, Any] = {"view_id": view.id, "dispatched": False}
    if kind in TEXT_INPUTS:
        state: dict[str, Any] = {"type": kind, "value": None if value is None else str(value)}
        action = {**state}
    elif kind in SELECTS:
        offered = None
        if kind == "external_select":
            suggestion = await suggest(world, ws, user_id, view, block_id, action_id, str(body.get("query") or ""))
            report["suggestion"] = {k: suggestion[k] for k in ("options", "problem")}
            offered = suggestion["options"]
        selected = _option(element, str(value), offered)
        state = {"type": kind, "selected_option": selected}
        action = {**state}
    elif kind == "file_input":
        files = []
        for file_id in value if isinstance(value, list) else [value]:
            stored = ws.files.get(str(file_id))
            if stored is None:
                raise PayloadError(f"no file {file_id!r} in {ws.team_id} (POST /_sim/slack/human_files)", status=409)
            stored.submitted_to_app = True
            files.append(stored.to_api(world.config.public_url, ws.channels))
        if len(files) > int(element.get("max_files") or 10):
            raise PayloadError(f"{action_id!r} takes at most {element.get('max_files')} files", status=409)
        state = {"type": kind, "files": files}
        action = {**state}
    else:
        raise PayloadError(f"people cannot enter values into a {kind}", status=409)
    view.state_values.setdefault(block_id, {})[action_id] = state
    if _dispatches(block, element, body.get("trigger")):
        action.update(action_id=action_id, block_id=block_id, action_ts=f"{time.time():.6f}")
        payload = {"type": "block_actions", "user": {"id": user_id},
                   "container": {"type": "view", "view_id": view.id}, "view": {"id": view.id},
                   "actions": [action]}
        report["dispatched"] = True
        report["delivery"] = await deliver(world, {"kind": "interactivity", "team_id": ws.team_id,
                                                   "payload": payload})
    return report


async def submit(world: SlackWorld, ws: Workspace, body: dict[str, Any]) -> dict[str, Any]:
    """A person presses the modal's Submit: Slack sends the view with its state."""
    user_id = str(body.get("user_id") or ws.admin_user_id)
    view = top_view(ws, user_id, body.get("view_id"))
    if not view.spec.get("submit"):
        raise PayloadError("this modal has no Submit button", status=409)
    payload = {"type": "view_submission", "user": {"id": user_id}, "view": {"id": view.id}}
    return await deliver(world, {"kind": "interactivity", "team_id": ws.team_id, "payload": payload})

