"""The modal's content: the person's entries resolved against what the workspace has (numbers they may send
from, the number's approved templates, the picked conversation). Both the views and the submission start here,
so a value the person could not have picked (another workspace's number, a forged conversation) resolves to
nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot import template_modal_wording as words
from bot.template_modal.access import ChannelAccess
from bot.template_modal.catalog import ConversationChoice, ModalCatalog, SendingNumber
from bot.template_modal.choices import CONVERSATION, MODES, ModalChoices, ModalMetadata
from bot.template_modal.parameters import TemplateShape, find_template, shape_of
from storage.repositories.templates import ApprovedTemplate


@dataclass
class ModalModel:
    metadata: ModalMetadata
    numbers: list[SendingNumber] = field(default_factory=list)  # those the person may send from
    number: SendingNumber | None = None
    templates: list[ApprovedTemplate] = field(default_factory=list)
    template: ApprovedTemplate | None = None
    mode: str = CONVERSATION
    conversation: ConversationChoice | None = None
    values: dict[str, str] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    choices: ModalChoices = field(default_factory=ModalChoices)

    @property
    def shape(self) -> TemplateShape | None:
        return shape_of(self.template) if self.template is not None else None

    @property
    def can_send(self) -> bool:
        return self.number is not None and bool(self.templates)


async def resolve(catalog: ModalCatalog, access: ChannelAccess, client: Any, *, team_id: str, user_id: str,
                  metadata: ModalMetadata, choices: ModalChoices) -> ModalModel:
    model = ModalModel(metadata=metadata, choices=choices, values=dict(choices.values))
    every = await catalog.numbers(team_id)
    model.numbers = await access.numbers_for(client, team_id, user_id, every)
    if not model.numbers:
        model.notices.append(words.NOT_ALLOWED if every else words.NO_NUMBER)
        return model
    by_id = {n.phone_number_id: n for n in model.numbers}
    wanted = choices.phone_number_id or metadata.phone_number_id
    model.number = by_id.get(wanted or "") or model.numbers[0]
    model.templates = await catalog.templates(model.number.account_id)
    if not model.templates:
        model.notices.append(words.NO_TEMPLATES)
    picked = choices.template_for(model.number.phone_number_id)
    model.template = find_template(model.templates, picked) or (
        find_template(model.templates, metadata.template_key) if picked is None else None)
    if metadata.unknown_template and picked is None:
        model.notices.append(words.unknown_template(metadata.unknown_template))
    model.mode = choices.mode if choices.mode in MODES else CONVERSATION
    conversation_id = choices.conversation_id or metadata.conversation_id
    if conversation_id is not None:
        found = await catalog.conversation(model.numbers, conversation_id)
        if found is not None and found.number_row_id == model.number.row_id:
            model.conversation = found
    return model


def template_named(templates: list[ApprovedTemplate], text: str, preferred_language: str | None = None
                   ) -> ApprovedTemplate | None:
    """The template ``/template NAME`` asks for: by name (any case), in ``preferred_language`` if it has
    several; ``NAME language`` picks the language."""
    parts = text.strip().split()
    if not parts:
        return None
    name = parts[0].lower()
    language = parts[1] if len(parts) > 1 else preferred_language
    matches = [t for t in templates if t.name.lower() == name]
    return next((t for t in matches if language and t.language.lower() == language.lower()),
                matches[0] if matches else None)
