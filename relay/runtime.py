"""Wiring: one function builds the whole relay (services, Slack side, web app, jobs) from settings.

`waslack serve`, the sandbox, tests and benchmarks all enter here, so they run the same code.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

import httpx
from slack_bolt.async_app import AsyncApp

from bot.app import create_bolt_app
from bot.clients import SlackClients
from bot.listeners.replies import replies_registration
from bot.listeners.template_modal import template_modal_registration
from bot.notifier import SlackNotifier
from relay.inbound.pacing import ChannelPacer
from relay.inbound.pipeline import InboundPipeline
from relay.jobs import build_scheduler
from relay.onboarding.preconnected import import_preconnected_number
from relay.outbound.pipeline import OutboundPipeline
from relay.services import Services
from relay.settings import Settings
from relay.template_sends.pipeline import TemplateSendPipeline
from relay.template_sends.request import TemplateSender
from web.app import WebhooksFirst, create_web_app


@dataclass
class Relay:
    services: Services
    clients: SlackClients
    bolt: AsyncApp
    web: WebhooksFirst  # the ASGI app: Meta's webhooks, then the Starlette app
    inbound: InboundPipeline
    outbound: OutboundPipeline
    template_sends: TemplateSendPipeline
    template_sender: TemplateSender  # what the /template modal submits to: template_sends.sender, or a test's
    background: set[asyncio.Task] = field(default_factory=set)


log = logging.getLogger("waslack.runtime")


async def import_configured_number(services: Services, clients: SlackClients) -> None:
    """Single-workspace mode with META_WABA_ID set: bring that number in (never fatal to start-up)."""
    try:
        client = await clients.for_team("")
        if client is None:
            return
        team_id = (await client.auth_test())["team_id"]
        phone_number_id = await import_preconnected_number(services, team_id)
        log.info("configured number %s is connected for workspace %s", phone_number_id, team_id)
    except Exception as exc:
        log.error("the number configured by META_WABA_ID was not imported: %s", exc)


def build_relay(settings: Settings, *, run_jobs: bool = True, run_workers: bool = True,
                graph_transport: httpx.AsyncBaseTransport | None = None,
                template_sender: TemplateSender | None = None) -> Relay:
    """``template_sender`` sends what the /template modal submits (tests pass a recording one)."""
    services = Services.build(settings, graph_transport=graph_transport)
    clients = SlackClients(services)

    async def outbox_client(team_id: str):  # type: ignore[no-untyped-def]
        return await clients.for_team(team_id, retries=False)

    async def refresh_homes(team_ids: set[str]) -> None:
        for team_id in sorted(team_ids):
            await services.notifier.refresh_home(team_id)

    pacer = ChannelPacer(rate=None) if settings.SLACK_CHANNEL_PACING == "off" else None  # None: Slack's pace
    inbound = InboundPipeline(services.database, services.cipher, services.graph, outbox_client, pacer=pacer,
                              on_teams_changed=refresh_homes)
    services.inbox = inbound.writer
    services.notifier = SlackNotifier(services, clients)

    async def reply_client(team_id: str):  # type: ignore[no-untyped-def]
        return await clients.for_team(team_id)  # users.info and postEphemeral may be retried: they change nothing

    outbound = OutboundPipeline(settings, services.database, services.cipher, services.graph, reply_client,
                                on_slack_queued=inbound.outbox_worker.wake, turns=inbound.turns)
    template_sends = TemplateSendPipeline(settings, services.database, services.cipher, services.graph,
                                          on_slack_queued=inbound.outbox_worker.wake, turns=inbound.turns)
    sender: TemplateSender = template_sender or template_sends.sender
    services.template_sender = sender
    bolt = create_bolt_app(services, clients, extra_listeners=[
        replies_registration(outbound.record, note_prefix=settings.WASLACK_NOTE_PREFIX, template_button=False),
        template_modal_registration(sender, services)])
    scheduler = build_scheduler(services) if run_jobs else None

    background: set[asyncio.Task] = set()

    async def start() -> None:
        if scheduler is not None:
            scheduler.start()
        if run_workers:
            inbound.start()  # also drains what was stored before a crash
            outbound.start()
            template_sends.start()
        if settings.META_WABA_ID and not settings.slack_oauth_enabled:
            task = asyncio.create_task(import_configured_number(services, clients))
            background.add(task)
            task.add_done_callback(background.discard)

    async def stop() -> None:
        # together: each lets the calls it has begun finish (up to STOP_GRACE_SECONDS), so a stop waits once
        await asyncio.gather(inbound.stop(), outbound.stop(), template_sends.stop())
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=False)
        await clients.aclose()
        await services.aclose()

    web = create_web_app(services, bolt, on_startup=[start], on_shutdown=[stop])
    return Relay(services=services, clients=clients, bolt=bolt, web=web, inbound=inbound, outbound=outbound,
                 template_sends=template_sends, template_sender=sender, background=background)
