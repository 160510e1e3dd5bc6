"""Wiring: one function builds the whole relay (services, Slack side, web app, jobs) from settings.

`waslack serve`, the sandbox, tests and benchmarks all enter here, so they run the same code.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from slack_bolt.async_app import AsyncApp
from starlette.applications import Starlette

from bot.app import create_bolt_app
from bot.clients import SlackClients
from bot.notifier import SlackNotifier
from relay.jobs import build_scheduler
from relay.services import Services
from relay.settings import Settings
from web.app import create_web_app


@dataclass
class Relay:
    services: Services
    clients: SlackClients
    bolt: AsyncApp
    web: Starlette


def build_relay(settings: Settings, *, run_jobs: bool = True,
                graph_transport: httpx.AsyncBaseTransport | None = None) -> Relay:
    services = Services.build(settings, graph_transport=graph_transport)
    clients = SlackClients(services)
    services.notifier = SlackNotifier(services, clients)
    bolt = create_bolt_app(services, clients)
    scheduler = build_scheduler(services) if run_jobs else None

    async def start() -> None:
        if scheduler is not None:
            scheduler.start()

    async def stop() -> None:
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=False)
        await clients.aclose()
        await services.aclose()

    web = create_web_app(services, bolt, on_startup=[start], on_shutdown=[stop])
    return Relay(services=services, clients=clients, bolt=bolt, web=web)
