"""What the person has entered so far, read from the modal's ``state.values`` and ``private_metadata``, and the
block and action ids the views use to put it there.

Slack keeps what a person typed into an input across ``views.update`` when the new view has an input with the
same ``block_id`` and ``action_id``; so ids name what a value means (``param.body.1``), and a block whose
meaning changes with the number gets the number in its id (``template.<phone_number_id>``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

CALLBACK_ID = "template_modal"
LOADING_CALLBACK_ID = "template_modal_loading"
DONE_CALLBACK_ID = "template_modal_done"
NUMBER = "number"
MODE = "recipient_mode"
CONVERSATION = "conversation"
NEW_NUMBER = "new_number"
BULK = "bulk"
BULK_FILE = "bulk_file"
TEMPLATE = "template"
PARAM_PREFIX = "param."
PREVIEW = "preview"
MODES = (CONVERSATION, NEW_NUMBER, BULK)


def template_block(phone_number_id: str | None) -> str:
    return f"{TEMPLATE}.{phone_number_id or 'none'}"


def param_block(key: str) -> str:
    return f"{PARAM_PREFIX}{key}"


@dataclass
class ModalMetadata:
    """What the modal remembers between requests (``private_metadata``, at most 3,000 characters)."""

    phone_number_id: str | None = None  # the number, when the modal was opened for one
    conversation_id: int | None = None  # a conversation picked before the modal opened
    template_key: str | None = None  # "name|language" asked for with /template NAME
    unknown_template: str | None = None  # a NAME that matched nothing
    channel_id: str | None = None  # where it was opened

    def dump(self) -> str:
        data = {"pn": self.phone_number_id, "conv": self.conversation_id, "tpl": self.template_key,
                "unknown": self.unknown_template, "ch": self.channel_id}
        return json.dumps({k: v for k, v in data.items() if v is not None})[:3000]

    @classmethod
    def load(cls, raw: Any) -> ModalMetadata:
        try:
            data = json.loads(raw) if isinstance(raw, str) and raw else {}
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        conv = data.get("conv")
        return cls(phone_number_id=_str(data.get("pn")), conversation_id=conv if isinstance(conv, int) else None,
                   template_key=_str(data.get("tpl")), unknown_template=_str(data.get("unknown")),
                   channel_id=_str(data.get("ch")))


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


@dataclass
class ModalChoices:
    """The person's entries; None / empty where nothing was entered yet."""

    phone_number_id: str | None = None
    mode: str | None = None
    conversation_id: int | None = None
    new_number: str = ""
    pasted: str = ""
    files: list[dict[str, Any]] = field(default_factory=list)  # a CSV attached in the file input
    template_keys: dict[str, str] = field(default_factory=dict)  # template block id -> "name|language"
    values: dict[str, str] = field(default_factory=dict)  # parameter key -> value

    def template_for(self, phone_number_id: str | None) -> str | None:
        """The template picked in the select of this number (another number's pick no longer applies)."""
        return self.template_keys.get(template_block(phone_number_id))


def _element_value(element: Any) -> str | None:
    if not isinstance(element, dict):
        return None
    if element.get("type") == "file_input":
        return "files"
    selected = element.get("selected_option")
    if isinstance(selected, dict):
        return _str(selected.get("value"))
    value = element.get("value")
    return value if isinstance(value, str) else None


def read_choices(view: dict[str, Any]) -> ModalChoices:
    """The entries in a view payload's state (Slack's shape: block_id -> action_id -> element state)."""
    values = ((view.get("state") or {}).get("values")) or {}
    choices = ModalChoices()
    for block_id, actions in values.items() if isinstance(values, dict) else ():
        if not isinstance(actions, dict):
            continue
        for action_id, element in actions.items():
            value = _element_value(element)
            if value is None:
                continue
            if block_id == NUMBER and action_id == NUMBER:
                choices.phone_number_id = value
            elif block_id == MODE and action_id == MODE and value in MODES:
                choices.mode = value
            elif block_id == CONVERSATION and action_id == CONVERSATION:
                choices.conversation_id = int(value) if value.isdigit() else None
            elif block_id == NEW_NUMBER and action_id == NEW_NUMBER:
                choices.new_number = value
            elif block_id == BULK and action_id == BULK:
                choices.pasted = value
            elif block_id == BULK_FILE and action_id == BULK_FILE:
                choices.files = [f for f in element.get("files") or [] if isinstance(f, dict)][:1]
            elif block_id.startswith(f"{TEMPLATE}.") and action_id == TEMPLATE:
                choices.template_keys[block_id] = value
            elif block_id.startswith(PARAM_PREFIX) and action_id == block_id:
                choices.values[block_id.removeprefix(PARAM_PREFIX)] = value
    return choices


def acted_on(body: dict[str, Any]) -> str | None:
    """The action_id of a block_actions payload's first action."""
    actions = body.get("actions") or []
    return str(actions[0].get("action_id")) if actions and isinstance(actions[0], dict) else None
