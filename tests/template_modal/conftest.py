"""A running stack (relay + Meta and Slack simulators) with one connected number whose templates are synced and
one candidate who wrote; a recruiter who works the /template modal through the Slack simulator as a person
would (command, typing, picking, submitting); and a recording template sender at the modal's boundary."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import col

from relay.template_sends.request import Refusal, SubmitResult, TemplateSendRequest
from sandbox.stack import running_stack
from storage.messaging_models import Conversation
from storage.repositories import AccountRepository
from tests.bot.conftest import eventually, view_text
from tests.templates.conftest import Templates

CANDIDATE = "447700900123"


@dataclass
class RecordingSender:
    """A TemplateSender that records what it is handed; ``refuse`` maps a wa_id or conversation id to a reason."""

    preflights: list[TemplateSendRequest] = field(default_factory=list)
    submits: list[TemplateSendRequest] = field(default_factory=list)
    refuse: dict[Any, str] = field(default_factory=dict)
    _batches: dict[str, int] = field(default_factory=dict)

    def _refusals(self, request: TemplateSendRequest) -> list[Refusal]:
        return [Refusal(r, self.refuse[r.wa_id or r.conversation_id]) for r in request.recipients
                if (r.wa_id or r.conversation_id) in self.refuse]

    async def preflight(self, request: TemplateSendRequest) -> list[Refusal]:
        self.preflights.append(request)
        return self._refusals(request)

    async def submit(self, request: TemplateSendRequest) -> SubmitResult:
        self.submits.append(request)
        refused = tuple(self._refusals(request))
        if request.idempotency_key in self._batches:
            return SubmitResult(self._batches[request.idempotency_key], 0, duplicate=True)
        self._batches[request.idempotency_key] = len(self._batches) + 1
        return SubmitResult(self._batches[request.idempotency_key], len(request.recipients) - len(refused),
                            refused)


class Recruiter:
    """A person in the Slack simulator's workspace, working the modal."""

    def __init__(self, stack: Any, user_id: str, channel_id: str):
        self.stack, self.user_id, self.channel_id = stack, user_id, channel_id

    async def command(self, text: str = "", *, channel_id: str | None = None) -> dict[str, Any]:
        delivery = await self.stack.slack_event(kind="command", command="/template", text=text,
                                                user_id=self.user_id, channel_id=channel_id or self.channel_id)
        assert delivery["status"] == 200 and delivery["in_time"], delivery
        return delivery

    def modals(self) -> list[dict[str, Any]]:
        ws = self.stack.slack.workspaces[self.stack.workspace.team_id]
        return [ws.views[v].to_api() for v in ws.modal_stacks.get(self.user_id, [])]

    async def modal(self, containing: str = "", what: str = "the template modal") -> dict[str, Any]:
        """The person's top modal once it shows ``containing``."""
        def shown() -> dict[str, Any] | None:
            views = self.modals()
            return views[-1] if views and containing in view_text(views[-1]) else None
        return await eventually(shown, what=f"{what} showing {containing!r}")

    async def form(self) -> dict[str, Any]:
        """The modal once it is filled in (not "Loading…" any more)."""
        def filled() -> dict[str, Any] | None:
            views = self.modals()
            return views[-1] if views and views[-1]["callback_id"] != "template_modal_loading" else None
        return await eventually(filled, what="the filled-in template modal")

    async def _post(self, path: str, **body: Any) -> dict[str, Any]:
        body.setdefault("team_id", self.stack.workspace.team_id)
        body.setdefault("user_id", self.user_id)
        response = await self.stack.http.post(f"{self.stack.slack_sim_url}/_sim/slack/{path}", json=body)
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def enter(self, block_id: str, value: str, **extra: Any) -> dict[str, Any]:
        """Type or pick in the modal; waits until the app re-rendered it when the element dispatches."""
        before = self.modals()[-1]["hash"]
        report = await self._post("views/enter", block_id=block_id, value=value, **extra)
        if report["dispatched"]:
            assert report["delivery"]["status"] == 200, report
            await eventually(lambda: self.modals()[-1]["hash"] != before, what=f"the re-render after {block_id}")
        return report

    async def suggest(self, block_id: str, query: str = "") -> dict[str, Any]:
        return await self._post("views/suggest", block_id=block_id, query=query)

    async def submit(self) -> dict[str, Any]:
        report = await self._post("views/submit")
        assert report["status"] == 200 and report["in_time"], report
        return report


def template_select_block(view: dict[str, Any]) -> str:
    return next(b["block_id"] for b in view["blocks"] if str(b.get("block_id", "")).startswith("template."))


def block_ids(view: dict[str, Any]) -> list[str]:
    return [b["block_id"] for b in view["blocks"] if "block_id" in b]


def preview_text(view: dict[str, Any]) -> str:
    return next(b["text"]["text"] for b in view["blocks"] if b.get("block_id") == "preview")


class ModalWorld:
    def __init__(self, stack: Any, connected: dict[str, Any], sender: RecordingSender, account_id: int):
        self.stack, self.sender = stack, sender
        self.phone_number_id = connected["numbers"][0]["phone_number_id"]
        self.channel_id = connected["numbers"][0]["channel_id"]
        self.templates = Templates(stack, connected, account_id)
        self.recruiter = Recruiter(stack, stack.workspace.admin_user_id, self.channel_id)

    def person(self, user_id: str) -> Recruiter:
        return Recruiter(self.stack, user_id, self.channel_id)

    async def candidate_writes(self, wa_id: str = CANDIDATE, name: str = "Amira Haddad",
                               text: str = "Hello, is the job still open?") -> Conversation:
        body = {"from": wa_id, "name": name, "phone_number_id": self.phone_number_id, "type": "text",
                "text": text, "wait": True}
        response = await self.stack.http.post(f"{self.stack.meta_sim_url}/_sim/meta/inbound", json=body)
        assert response.status_code == 200, response.text
        return await eventually(lambda: self.conversation(wa_id), what=f"{wa_id}'s thread")

    async def conversation(self, wa_id: str = CANDIDATE) -> Conversation | None:
        async with self.stack.services.database.session() as session:
            found = (await session.execute(select(Conversation).where(
                col(Conversation.candidate_key) == wa_id))).scalars().first()
        return found if found is not None and found.thread_ts else None

    async def add_template(self, name: str, components: list[dict], *, parameter_format: str = "POSITIONAL",
                           category: str = "UTILITY", language: str = "en_US") -> None:
        """A template approved in WhatsApp Manager, then read into the cache (as Refresh templates does)."""
        world = self.stack.meta
        world.approve_template(self.templates.waba_id, name, components, language=language, category=category,
                               parameter_format=parameter_format)
        from relay.templates.sync import refresh
        await refresh(self.stack.services, self.templates.account_id, force=True)
        await eventually(self.templates.cached_matches_meta, what="the new template in the cache")


@pytest.fixture
def sender() -> RecordingSender:
    return RecordingSender()


async def connected_world(stack: Any, sender: Any) -> ModalWorld:
    """Connect a number as the workspace admin and wait for its templates to be read."""
    connected = await stack.connect_number(user_id=stack.workspace.admin_user_id)
    assert connected["status"] == "connected", connected
    async with stack.services.database.session() as session:
        accounts = await AccountRepository(session, stack.services.cipher).list_for_team(stack.workspace.team_id)
    account_id = next(a.id for a in accounts if a.waba_id == connected["waba_id"])
    world = ModalWorld(stack, connected, sender, account_id)
    await eventually(world.templates.cached_matches_meta, what="the templates read after connecting")
    return world


@pytest.fixture
async def modal_world(database_url, sender):  # type: ignore[no-untyped-def]
    async with running_stack(database_url=database_url, template_sender=sender) as stack:
        yield await connected_world(stack, sender)
