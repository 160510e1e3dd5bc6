"""A running stack (relay + Meta and Slack simulators) with one connected number, and a driver for the
template cache: templates live in the Meta simulator's world (as in WhatsApp Manager), the relay reads them
through Graph, template webhooks come from the simulator's ``/_sim/meta/events``."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from sandbox.meta.state import Template
from sandbox.stack import running_stack
from storage.repositories import AccountRepository
from storage.repositories.templates import TemplateRepository
from storage.template_models import MessageTemplate, TemplateSync
from tests.bot.conftest import SlackDriver, eventually


class Templates:
    """The connected account's templates on both sides: Meta's world and the relay's cache."""

    def __init__(self, stack: Any, connected: dict[str, Any], account_id: int):
        self.stack = stack
        self.connected = connected
        self.waba_id: str = connected["waba_id"]
        self.account_id = account_id

    @property
    def world(self) -> Any:
        return self.stack.meta

    def at_meta(self) -> list[Template]:
        return self.world.waba_templates(self.waba_id)

    def add_at_meta(self, count: int, *, status: str = "APPROVED", prefix: str = "bulk") -> list[Template]:
        """``count`` more templates in WhatsApp Manager (each a copy of a seeded one under a new name)."""
        model = next(t for t in self.at_meta() if t.name == "interview_invite")
        added = []
        for i in range(count):
            template = Template(id=self.world.new_id(), waba_id=self.waba_id, name=f"{prefix}_{i:03d}",
                                language="en_US", status=status, category="UTILITY",
                                parameter_format="POSITIONAL", components=copy.deepcopy(model.components))
            self.world.templates[template.id] = template
            added.append(template)
        return added

    async def cached(self) -> list[MessageTemplate]:
        async with self.stack.services.database.session() as session:
            return await TemplateRepository(session).for_account(self.account_id)

    async def sync_state(self) -> TemplateSync | None:
        async with self.stack.services.database.session() as session:
            return (await TemplateRepository(session).sync_states([self.account_id])).get(self.account_id)

    async def account(self):  # type: ignore[no-untyped-def]
        async with self.stack.services.database.session() as session:
            return await AccountRepository(session, self.stack.services.cipher).get(self.account_id)

    async def cached_matches_meta(self) -> bool:
        cached = {(t.template_id, t.status) for t in await self.cached()}
        return cached == {(t.id, t.status) for t in self.at_meta()}

    async def meta_event(self, **body: Any) -> dict[str, Any]:
        """A template webhook from the simulator, delivered to the relay before this returns."""
        body.setdefault("waba_id", self.waba_id)
        response = await self.stack.http.post(f"{self.stack.meta_sim_url}/_sim/meta/events",
                                              json={**body, "wait": True})
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def fault(self, **spec: Any) -> None:
        response = await self.stack.http.post(f"{self.stack.meta_sim_url}/_sim/meta/faults",
                                              json={"endpoint": "message_templates", **spec})
        assert response.status_code == 200, response.text


async def connect(stack: Any) -> Templates:
    """Connect a number as the workspace admin and wait for the sync that connecting starts."""
    connected = await stack.connect_number(user_id=stack.workspace.admin_user_id)
    assert connected["status"] == "connected", connected
    async with stack.services.database.session() as session:
        accounts = await AccountRepository(session, stack.services.cipher).list_for_team(stack.workspace.team_id)
    account_id = next(a.id for a in accounts if a.waba_id == connected["waba_id"])
    templates = Templates(stack, connected, account_id)
    await eventually(templates.cached_matches_meta, what="the templates read after connecting")
    return templates


@pytest.fixture
async def stack(database_url):  # type: ignore[no-untyped-def]
    async with running_stack(database_url=database_url) as running:
        yield running


@pytest.fixture
async def templates(stack) -> Templates:  # type: ignore[no-untyped-def]
    return await connect(stack)


@pytest.fixture
def slack(stack) -> SlackDriver:  # type: ignore[no-untyped-def]
    return SlackDriver(stack)
