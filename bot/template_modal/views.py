"""The modal's views: "Loading…" (opened at once with the trigger id), the form, the confirmation after a
submit. Limits (Slack: modal views): title, submit and close at most 24 characters, 100 blocks, option text
75 characters, option value 150, static_select 100 options (more templates: an external_select).
"""

from __future__ import annotations

from typing import Any

from bot import template_modal_wording as words
from bot.mrkdwn import escape_mrkdwn
from bot.template_modal.catalog import MAX_OPTIONS
from bot.template_modal.choices import (
    BULK,
    BULK_FILE,
    CALLBACK_ID,
    CONVERSATION,
    DONE_CALLBACK_ID,
    LOADING_CALLBACK_ID,
    MODE,
    NEW_NUMBER,
    NUMBER,
    PREVIEW,
    TEMPLATE,
    param_block,
    template_block,
)
from bot.template_modal.model import ModalModel
from bot.template_modal.parameters import TemplateInput, template_key
from bot.template_modal.preview import render_preview
from storage.repositories.templates import ApprovedTemplate

TYPING = {"trigger_actions_on": ["on_character_entered", "on_enter_pressed"]}


def plain(text: str, limit: int = 75) -> dict[str, Any]:
    return {"type": "plain_text", "text": text if len(text) <= limit else text[: limit - 1] + "…"}


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text), "value": value[:150]}


def _modal(blocks: list[dict[str, Any]], *, callback_id: str, metadata: str = "", submit: bool = False,
           close: str = words.CLOSE) -> dict[str, Any]:
    view: dict[str, Any] = {"type": "modal", "callback_id": callback_id, "title": plain(words.TITLE, 24),
                            "close": plain(close, 24), "blocks": blocks, "private_metadata": metadata}
    if submit:
        view["submit"] = plain(words.SUBMIT, 24)
    return view


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}


def loading_view(metadata: str = "") -> dict[str, Any]:
    return _modal([_section(words.LOADING)], callback_id=LOADING_CALLBACK_ID, metadata=metadata)


def message_view(text: str) -> dict[str, Any]:
    """A modal that only says something (nothing to send from, a failure)."""
    return _modal([_section(text)], callback_id=DONE_CALLBACK_ID, close=words.DONE)


def confirmation_view(text: str) -> dict[str, Any]:
    return message_view(text)


def template_label(template: ApprovedTemplate) -> str:
    return f"{template.name} · {template.language}"


def _number_block(model: ModalModel) -> dict[str, Any]:
    assert model.number is not None
    options = [option(n.label, n.phone_number_id) for n in model.numbers[:MAX_OPTIONS]]
    chosen = next(o for o in options if o["value"] == model.number.phone_number_id)
    return {"type": "input", "block_id": NUMBER, "dispatch_action": True, "label": plain(words.NUMBER_LABEL),
            "element": {"type": "static_select", "action_id": NUMBER, "options": options,
                        "initial_option": chosen}}


def _recipient_blocks(model: ModalModel) -> list[dict[str, Any]]:
    modes = [option(words.MODE_CONVERSATION, CONVERSATION), option(words.MODE_NEW, NEW_NUMBER),
             option(words.MODE_BULK, BULK)]
    blocks: list[dict[str, Any]] = [{
        "type": "input", "block_id": MODE, "dispatch_action": True, "label": plain(words.RECIPIENTS_LABEL),
        "element": {"type": "radio_buttons", "action_id": MODE, "options": modes,
                    "initial_option": next(o for o in modes if o["value"] == model.mode)}}]
    if model.mode == CONVERSATION:
        element: dict[str, Any] = {"type": "external_select", "action_id": CONVERSATION, "min_query_length": 0,
                                   "placeholder": plain(words.CONVERSATION_PLACEHOLDER)}
        if model.conversation is not None:
            element["initial_option"] = option(model.conversation.label, str(model.conversation.id))
        blocks.append({"type": "input", "block_id": CONVERSATION, "label": plain(words.CONVERSATION_LABEL),
                       "element": element})
    elif model.mode == NEW_NUMBER:
        blocks.append({"type": "input", "block_id": NEW_NUMBER, "label": plain(words.NEW_NUMBER_LABEL),
                       "hint": plain(words.NEW_NUMBER_HINT, 2000),
                       "element": {"type": "plain_text_input", "action_id": NEW_NUMBER, "max_length": 40,
                                   "placeholder": plain(words.NEW_NUMBER_PLACEHOLDER)}})
    else:  # both optional: either one will do (the submission says so when both are empty)
        blocks.append({"type": "input", "block_id": BULK, "optional": True, "label": plain(words.BULK_LABEL),
                       "hint": plain(words.BULK_HINT, 2000),
                       "element": {"type": "plain_text_input", "action_id": BULK, "multiline": True,
                                   "placeholder": plain(words.BULK_PLACEHOLDER, 150)}})
        blocks.append({"type": "input", "block_id": BULK_FILE, "optional": True,
                       "label": plain(words.BULK_FILE_LABEL), "hint": plain(words.BULK_FILE_HINT, 2000),
                       "element": {"type": "file_input", "action_id": BULK_FILE, "filetypes": ["csv", "txt"],
                                   "max_files": 1}})
    return blocks


def _template_block(model: ModalModel) -> dict[str, Any]:
    assert model.number is not None
    element: dict[str, Any] = {"action_id": TEMPLATE, "placeholder": plain(words.TEMPLATE_PLACEHOLDER)}
    if len(model.templates) <= MAX_OPTIONS:
        element.update(type="static_select",
                       options=[option(template_label(t), template_key(t)) for t in model.templates])
    else:
        element.update(type="external_select", min_query_length=0)
    if model.template is not None:
        element["initial_option"] = option(template_label(model.template), template_key(model.template))
    return {"type": "input", "block_id": template_block(model.number.phone_number_id), "dispatch_action": True,
            "label": plain(words.TEMPLATE_LABEL), "element": element}


def _parameter_block(item: TemplateInput) -> dict[str, Any]:
    block_id = param_block(item.key)
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": block_id,
                               "dispatch_action_config": TYPING}
    if item.example:
        element["placeholder"] = plain(item.example, 150)
    block: dict[str, Any] = {"type": "input", "block_id": block_id, "dispatch_action": True,
                             "label": plain(words.parameter_label(item.part, item.name, item.button_text), 2000),
                             "element": element}
    hint = words.parameter_hint(item.part, item.example, item.url_prefix)
    if hint:
        block["hint"] = plain(hint, 2000)
    return block


def form_view(model: ModalModel) -> dict[str, Any]:
    """The form for what the model holds; a modal that only explains when there is nothing to send from."""
    notices = [_section(n) for n in model.notices]
    several = len(model.numbers) > 1
    if model.number is None or (not model.templates and not several):
        return _modal(notices, callback_id=DONE_CALLBACK_ID, close=words.DONE, metadata=model.metadata.dump())
    blocks: list[dict[str, Any]] = list(notices)
    if several:
        blocks.append(_number_block(model))
    if not model.templates:  # another number may have some
        return _modal(blocks, callback_id=CALLBACK_ID, metadata=model.metadata.dump(), submit=True)
    blocks += _recipient_blocks(model)
    blocks.append(_template_block(model))
    shape = model.shape
    if shape is not None and shape.unsupported:
        blocks.append(_section(words.UNSUPPORTED_HEADER.format(kind=escape_mrkdwn(shape.unsupported))))
    if shape is not None:
        blocks += [_parameter_block(item) for item in shape.inputs[:60]]
    preview = render_preview(shape, model.values) if shape is not None else words.PICK_A_TEMPLATE
    blocks += [{"type": "divider"},
               {"type": "section", "block_id": PREVIEW,
                "text": {"type": "mrkdwn", "text": f"{words.PREVIEW_HEADING}\n{preview}"[:3000]}},
               {"type": "context", "elements": [{"type": "mrkdwn", "text": words.PREVIEW_NOTE}]}]
    return _modal(blocks[:100], callback_id=CALLBACK_ID, metadata=model.metadata.dump(), submit=True)


def options_for(items: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Options for a block_suggestion answer: (label, value) pairs, at most 100."""
    return [option(label, value) for label, value in items[:MAX_OPTIONS]]
