"""A submitted modal becomes either inline errors (block_id -> message, Slack's ``response_action: errors``) or
the ``TemplateSendRequest`` the template sender takes. Everything Meta would refuse is caught here, where the
recruiter can still fix it: a number that is not one, an empty or too long list, a missing parameter, a
parameter with line breaks, tabs or more than four spaces in a row, a media link that is not https."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot import template_modal_wording as words
from bot.template_modal.choices import BULK, CONVERSATION, NEW_NUMBER, NUMBER, param_block, template_block
from bot.template_modal.model import ModalModel
from bot.template_modal.parameters import TemplateShape, graph_components, problems, value_problem
from bot.template_modal.preview import render_preview
from bot.template_modal.recipients import MAX_BULK_RECIPIENTS, NotANumber, parse_number, parse_pasted
from relay.template_sends.request import Recipient, TemplateSendRequest


@dataclass
class Submission:
    errors: dict[str, str] = field(default_factory=dict)
    request: TemplateSendRequest | None = None
    forbidden: bool = False  # a number the person could not have picked: nothing is sent
    recipient_block: str = CONVERSATION  # where a refusal of the single recipient is shown
    csv_columns: set[str] = field(default_factory=set)  # inputs each CSV row fills itself


def _recipients(model: ModalModel, shape: TemplateShape | None, out: Submission,
                attached: str | None) -> list[Recipient]:
    values = model.values
    if model.mode == NEW_NUMBER:
        out.recipient_block = NEW_NUMBER
        try:
            return [Recipient(wa_id=parse_number(model.choices.new_number))]
        except NotANumber as exc:
            out.errors[NEW_NUMBER] = words.NUMBER_PROBLEMS.get(exc.reason, exc.reason)
            return []
    if model.mode == BULK:
        out.recipient_block = BULK
        text = attached if attached is not None else model.choices.pasted
        pasted = parse_pasted(text, shape.inputs if shape else ())
        if pasted.problems:
            out.errors[BULK] = words.bulk_bad_lines(pasted.problems)
        elif not pasted.recipients:
            out.errors[BULK] = words.BULK_EMPTY
        elif len(pasted.recipients) > MAX_BULK_RECIPIENTS:
            out.errors[BULK] = words.bulk_too_many(MAX_BULK_RECIPIENTS)
        if out.errors.get(BULK) or shape is None:
            return []
        out.csv_columns = set(pasted.columns)
        recipients, bad = [], []
        for row in pasted.recipients:
            if not out.csv_columns:
                recipients.append(Recipient(wa_id=row.wa_id))
                continue
            merged = {**values, **row.values}
            bad += [(row.line, key, problem) for key, problem in problems(shape, merged).items()
                    if key in out.csv_columns]
            recipients.append(Recipient(wa_id=row.wa_id, components=graph_components(shape, merged),
                                        preview_text=render_preview(shape, merged)))
        if bad:
            out.errors[BULK] = " ".join(words.csv_value_problem(*b) for b in bad[:3])[:1900]
        return recipients
    out.recipient_block = CONVERSATION
    if model.conversation is None:  # none picked, or one of another number (picked before switching numbers)
        out.errors[CONVERSATION] = (words.CONVERSATION_GONE if model.choices.conversation_id
                                    else words.PICK_CONVERSATION)
        return []
    return [Recipient(conversation_id=model.conversation.id)]


def check_submission(model: ModalModel, *, team_id: str, user_id: str, view_id: str,
                     attached: str | None = None) -> Submission:
    """``attached``: the text of the CSV attached to a bulk send (it takes the place of a paste)."""
    out = Submission()
    if model.number is None or (model.choices.phone_number_id
                                and model.choices.phone_number_id != model.number.phone_number_id):
        out.forbidden = True
        return out
    number = model.number
    shape = model.shape
    block = template_block(number.phone_number_id)
    if not model.templates:
        out.errors[NUMBER] = words.NO_TEMPLATES.removeprefix(":information_source: ")
    elif model.template is None or shape is None:
        out.errors[block] = words.TEMPLATE_GONE if model.choices.template_for(number.phone_number_id) \
            else words.PICK_TEMPLATE
    elif shape.unsupported:
        out.errors[block] = words.UNSUPPORTED_HEADER.format(kind=shape.unsupported)
    recipients = _recipients(model, shape, out, attached)
    if shape is None or model.template is None:
        return out
    for item in shape.inputs:
        if item.key in out.csv_columns and not model.values.get(item.key, "").strip():
            continue  # each row gives its own value (checked with the rows)
        problem = value_problem(item, model.values.get(item.key, ""))
        if problem:
            out.errors[param_block(item.key)] = words.PARAMETER_PROBLEMS[problem]
    if out.errors or not recipients:
        return out
    template = model.template
    out.request = TemplateSendRequest(
        team_id=team_id, slack_user_id=user_id, phone_number_id=number.phone_number_id,
        template_name=template.name, language=template.language, category=template.category,
        components=graph_components(shape, model.values), preview_text=render_preview(shape, model.values),
        recipients=tuple(recipients), idempotency_key=f"view:{view_id}",
        parameter_format=template.parameter_format.upper())
    return out
