"""The /template modal's listeners: the command, the message shortcut and the window-closed button open it;
its selects and inputs re-render it with a live preview; its options come from the database; its submission
is answered within Slack's three seconds with inline errors or a confirmation.

A trigger id lasts three seconds, so every way in acknowledges, opens a small "Loading…" modal with the
trigger id first, and only then reads the database and fills the modal with ``views.update`` (with the
view's hash, so an older render never overwrites a newer one).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import httpx
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import template_modal_wording as words
from bot.listeners.replies import ACTION_OPEN_TEMPLATE_MODAL
from bot.template_modal.access import ChannelAccess
from bot.template_modal.catalog import ModalCatalog
from bot.template_modal.choices import (
    BULK,
    BULK_FILE,
    CALLBACK_ID,
    CONVERSATION,
    MODE,
    NUMBER,
    PARAM_PREFIX,
    TEMPLATE,
    ModalChoices,
    ModalMetadata,
    read_choices,
    template_block,
)
from bot.template_modal.model import ModalModel, resolve, template_named
from bot.template_modal.parameters import template_key
from bot.template_modal.senders import SenderUnavailable
from bot.template_modal.submission import check_submission
from bot.template_modal.views import confirmation_view, form_view, loading_view, message_view, options_for
from relay.outbound.media_rules import FileRefused
from relay.outbound.slack_files import SlackFileUnavailable, download_slack_file
from relay.services import Services
from relay.template_sends.request import TemplateSender

log = logging.getLogger("waslack.slack")

TEMPLATE_COMMAND = "/template"
TEMPLATE_SHORTCUT = "send_template_from_message"
RERENDERING_ACTIONS = re.compile(rf"^({NUMBER}|{MODE}|{TEMPLATE}|{re.escape(PARAM_PREFIX)}.+)$")
SENDER_SECONDS = 2.0
CSV_LIMIT_BYTES = 1024 * 1024
CSV_DOWNLOAD_SECONDS = 1.0  # preflight + submit must leave room in Slack's three seconds for the answer
NEWEST_ACTIONS_KEPT = 1000
IGNORED_UPDATE_ERRORS = {"hash_conflict", "not_found"}  # a newer render is on its way / the person closed it


async def attached_csv(file: dict[str, Any], bot_token: str) -> str | None:
    """The text of a CSV attached in the modal, downloaded with the bot token; None when it can't be read."""
    size = file.get("size")
    if isinstance(size, int) and size > CSV_LIMIT_BYTES:
        return None
    try:
        async with httpx.AsyncClient(timeout=CSV_DOWNLOAD_SECONDS) as http:
            content = await download_slack_file(http, {**file, "mimetype": "text/plain"}, bot_token)
        return content.decode("utf-8-sig") if len(content) <= CSV_LIMIT_BYTES else None
    except (FileRefused, SlackFileUnavailable, httpx.HTTPError, UnicodeDecodeError) as exc:
        log.warning("the CSV attached to a template send could not be read: %s", exc)
        return None


async def _model_of_suggestion(modal: TemplateModal, client: AsyncWebClient, context: AsyncBoltContext,
                               body: dict[str, Any]) -> ModalModel | None:
    """The modal's state behind an options request, or None when it is not our modal's (or has no person)."""
    view = body.get("view") or {}
    if not (context.team_id and context.user_id and view.get("callback_id") == CALLBACK_ID):
        return None
    return await modal.model(client, context.team_id, context.user_id,
                             ModalMetadata.load(view.get("private_metadata")), read_choices(view))


def _action_ts(body: dict[str, Any]) -> float | None:
    try:
        return float((body.get("actions") or [{}])[0].get("action_ts"))
    except (TypeError, ValueError):
        return None


class TemplateModal:
    """The modal's behaviour, shared by its listeners."""

    def __init__(self, sender: TemplateSender, services: Services, access: ChannelAccess | None = None):
        self.sender = sender
        self.catalog = ModalCatalog(services.database)
        self.access = access or ChannelAccess()
        # the newest person's action seen per modal: two keystrokes sent before either re-render landed carry the
        # same hash, so the later one meets hash_conflict; it holds every value the earlier one had, so it goes in
        self._newest: OrderedDict[str, float] = OrderedDict()

    async def model(self, client: AsyncWebClient, team_id: str, user_id: str, metadata: ModalMetadata,
                    choices: ModalChoices | None = None) -> ModalModel:
        return await resolve(self.catalog, self.access, client, team_id=team_id, user_id=user_id,
                             metadata=metadata, choices=choices or ModalChoices())

    async def open(self, client: AsyncWebClient, trigger_id: str, team_id: str, user_id: str,
                   metadata: ModalMetadata, template_name: str | None = None) -> None:
        """Open "Loading…" with the trigger id, then fill it in."""
        opened = await client.views_open(trigger_id=trigger_id, view=loading_view(metadata.dump()))
        view_id, view_hash = opened["view"]["id"], opened["view"]["hash"]
        try:
            model = await self.model(client, team_id, user_id, metadata)
            if template_name and model.number is not None:
                await self.pick_template(metadata, model, template_name)
                model = await self.model(client, team_id, user_id, metadata)
            view = form_view(model)
        except Exception:
            log.exception("the template modal for %s in %s could not be filled in", user_id, team_id)
            view = message_view(words.FAILED_TO_LOAD)
        await self.update(client, view_id, view_hash, view)

    async def pick_template(self, metadata: ModalMetadata, model: ModalModel, name: str) -> None:
        """``/template NAME``: the template on the chosen number, else on the first other number that has it."""
        candidates = [model.number, *(n for n in model.numbers if n != model.number)]
        for number in candidates:
            assert number is not None
            templates = model.templates if number == model.number else await self.catalog.templates(
                number.account_id)
            found = template_named(templates, name)
            if found is not None:
                metadata.template_key, metadata.phone_number_id = template_key(found), number.phone_number_id
                return
        metadata.unknown_template = name.strip()[:100]

    def saw_action(self, view_id: str, action_ts: float) -> None:
        self._newest[view_id] = max(action_ts, self._newest.get(view_id, 0.0))
        self._newest.move_to_end(view_id)
        while len(self._newest) > NEWEST_ACTIONS_KEPT:
            self._newest.popitem(last=False)

    async def update(self, client: AsyncWebClient, view_id: str, view_hash: str | None, view: dict, *,
                     action_ts: float | None = None) -> None:
        """Re-render the modal; a render the person's newer action made stale is dropped (hash_conflict), but the
        newest action's render replaces an older one that landed first."""
        try:
            await client.views_update(view_id=view_id, hash=view_hash, view=view)
        except SlackApiError as exc:
            error = exc.response.get("error")
            if (error == "hash_conflict" and action_ts is not None and view_hash is not None
                    and action_ts >= self._newest.get(view_id, 0.0)):
                await self.update(client, view_id, None, view)
                return
            if error not in IGNORED_UPDATE_ERRORS:
                raise

    async def conversation_metadata(self, team_id: str, conversation_id: int | None = None, *,
                                    channel_id: str | None = None, ts: str | None = None) -> ModalMetadata | None:
        """The modal's memory for one conversation of the workspace (by id, or by its thread parent)."""
        numbers = await self.catalog.numbers(team_id)
        if conversation_id is not None:
            found = await self.catalog.conversation(numbers, conversation_id)
        elif channel_id and ts:
            found = await self.catalog.conversation_of_thread(numbers, channel_id, ts)
        else:
            found = None
        if found is None:
            return None
        number = next(n for n in numbers if n.row_id == found.number_row_id)
        return ModalMetadata(phone_number_id=number.phone_number_id, conversation_id=found.id,
                             channel_id=found.channel_id)

    async def answer_submission(self, client: AsyncWebClient, team_id: str, user_id: str,
                                view: dict[str, Any], bot_token: str | None = None) -> dict[str, Any]:
        """The ack's arguments for a view_submission: errors, or the confirmation."""
        metadata = ModalMetadata.load(view.get("private_metadata"))
        model = await self.model(client, team_id, user_id, metadata, read_choices(view))
        attached = None
        if model.mode == BULK and model.choices.files:
            attached = await attached_csv(model.choices.files[0], bot_token or "")
            if attached is None:
                return {"response_action": "errors", "errors": {BULK_FILE: words.FILE_UNREADABLE}}
        check = functools.partial(check_submission, model, team_id=team_id, user_id=user_id,
                                  view_id=str(view.get("id")), attached=attached)
        # a list of thousands is CPU work: off the event loop, so other requests are still answered at once
        checked = await asyncio.to_thread(check) if model.mode == BULK else check()
        if checked.forbidden:
            log.warning("refused: %s in %s submitted a number or conversation they cannot use", user_id, team_id)
            return {"response_action": "update", "view": message_view(words.FORBIDDEN_NUMBER)}
        if checked.errors or checked.request is None:
            return {"response_action": "errors",
                    "errors": checked.errors or {checked.recipient_block: words.PICK_CONVERSATION}}
        request = checked.request
        where = template_block(request.phone_number_id)
        try:
            async with asyncio.timeout(SENDER_SECONDS):
                if len(request.recipients) == 1:
                    refusals = await self.sender.preflight(request)
                    if refusals:
                        return {"response_action": "errors",
                                "errors": {checked.recipient_block: words.refused(refusals[0].reason)}}
                result = await self.sender.submit(request)
        except TimeoutError:
            log.warning("the template sender took too long for %s", request.idempotency_key)
            return {"response_action": "errors", "errors": {where: words.sender_failed(words.SENDER_SLOW)}}
        except SenderUnavailable as exc:
            return {"response_action": "errors", "errors": {where: words.sender_failed(str(exc)[:300])}}
        except Exception:
            log.exception("the template sender failed on %s", request.idempotency_key)
            return {"response_action": "errors", "errors": {where: words.sender_failed(words.SENDER_BROKEN)}}
        text = (words.already_sent(request.template_name) if result.duplicate else
                words.confirmation(request.template_name, result.accepted, len(result.refused),
                                   bulk=len(request.recipients) > 1))
        return {"response_action": "update", "view": confirmation_view(text)}


async def _in_template_modal(body: dict[str, Any]) -> bool:
    return ((body.get("view") or {}).get("callback_id")) == CALLBACK_ID


def template_modal_registration(sender: TemplateSender, services: Services,
                                access: ChannelAccess | None = None) -> Callable[[AsyncApp], None]:
    """The registration ``create_bolt_app(extra_listeners=...)`` runs."""
    modal = TemplateModal(sender, services, access)

    def register(app: AsyncApp) -> None:
        @app.command(TEMPLATE_COMMAND)
        async def command(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext,
                          client: AsyncWebClient) -> None:
            await ack()
            if not (context.team_id and context.user_id and body.get("trigger_id")):
                return
            metadata = ModalMetadata(channel_id=body.get("channel_id"))
            await modal.open(client, body["trigger_id"], context.team_id, context.user_id, metadata,
                             template_name=str(body.get("text") or "").strip() or None)

        @app.shortcut(TEMPLATE_SHORTCUT)
        async def shortcut(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext,
                           client: AsyncWebClient, respond: AsyncRespond) -> None:
            await ack()
            message = body.get("message") or {}
            channel_id = (body.get("channel") or {}).get("id")
            parent_ts = message.get("thread_ts") or message.get("ts")
            if not (context.team_id and context.user_id and body.get("trigger_id")):
                return
            metadata = await modal.conversation_metadata(context.team_id, channel_id=channel_id, ts=parent_ts)
            if metadata is None:
                if body.get("response_url"):
                    await respond(text=words.NOT_A_THREAD, response_type="ephemeral", replace_original=False)
                return
            await modal.open(client, body["trigger_id"], context.team_id, context.user_id, metadata)

        @app.action(ACTION_OPEN_TEMPLATE_MODAL)
        async def window_button(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext,
                                client: AsyncWebClient, respond: AsyncRespond) -> None:
            await ack()
            value = str((body.get("actions") or [{}])[0].get("value") or "")
            if not (context.team_id and context.user_id and body.get("trigger_id")):
                return
            metadata = (await modal.conversation_metadata(context.team_id, int(value))
                        if value.isdigit() else None)
            if metadata is None:
                await respond(text=words.CONVERSATION_NOT_FOUND, response_type="ephemeral", replace_original=False)
                return
            await modal.open(client, body["trigger_id"], context.team_id, context.user_id, metadata)

        @app.action(RERENDERING_ACTIONS, matchers=[_in_template_modal])
        async def rerender(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext,
                           client: AsyncWebClient) -> None:
            await ack()
            view = body["view"]
            if not (context.team_id and context.user_id):
                return
            action_ts = _action_ts(body)
            if action_ts is not None:
                modal.saw_action(view["id"], action_ts)
            model = await modal.model(client, context.team_id, context.user_id,
                                      ModalMetadata.load(view.get("private_metadata")), read_choices(view))
            await modal.update(client, view["id"], view.get("hash"), form_view(model), action_ts=action_ts)

        @app.options(CONVERSATION)
        async def conversation_options(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext,
                                       client: AsyncWebClient) -> None:
            options: list[dict] = []
            model = await _model_of_suggestion(modal, client, context, body)
            if model is not None:
                if model.number is not None:
                    found = await modal.catalog.conversations(model.number.row_id, str(body.get("value") or ""))
                    options = options_for([(c.label, str(c.id)) for c in found])
            await ack(options=options)

        @app.options(TEMPLATE)
        async def template_options(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext,
                                   client: AsyncWebClient) -> None:
            options: list[dict] = []
            model = await _model_of_suggestion(modal, client, context, body)
            if model is not None:
                query = str(body.get("value") or "").lower()
                options = options_for([(f"{t.name} · {t.language}", template_key(t)) for t in model.templates
                                       if query in t.name.lower()])
            await ack(options=options)

        @app.view(CALLBACK_ID)
        async def submitted(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext,
                            client: AsyncWebClient) -> None:
            if not (context.team_id and context.user_id):
                await ack()
                return
            try:
                answer = await modal.answer_submission(client, context.team_id, context.user_id, body["view"],
                                                       bot_token=context.bot_token)
            except Exception:
                log.exception("the template modal's submission in %s failed", context.team_id)
                answer = {"response_action": "update", "view": message_view(words.MODAL_FAILED)}
            await ack(**answer)

    return register
