"""A whole world on localhost: the relay, the Meta simulator and the Slack simulator, each a real HTTP server.

`waslack sandbox`, the end-to-end tests, the browser tests and the benchmarks all start it the same way:

    async with running_stack() as stack:
        outcome = await stack.connect_number()
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import shutil
import socket
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import uvicorn
from cryptography.fernet import Fernet
from starlette.applications import Starlette

from relay.manifest import load_manifest
from relay.runtime import Relay, build_relay
from relay.settings import Settings, load_settings
from sandbox.console import CONSOLE_PATH, Console
from sandbox.meta import MetaSimConfig, SendRules, StatusFlow, WebhookDelivery, create_meta_simulator
from sandbox.ports import PortTaken, bind_ports, free_port
from sandbox.slack import Realism, SlackSimConfig, create_slack_simulator
from storage.migrate import upgrade
from storage.repositories import InstallationRepository, TenantRepository

SANDBOX_APP_ID = "100000000000001"
SANDBOX_CONFIG_ID = "200000000000002"
SANDBOX_TEAM_ID = "T0SANDBOX"
__all__ = ["SANDBOX_APP_ID", "SANDBOX_CONFIG_ID", "SANDBOX_TEAM_ID", "PortTaken", "Stack", "free_port",
           "running_stack", "start_stack"]

log = logging.getLogger("waslack.sandbox")


@dataclass
class Server:
    name: str
    url: str
    server: uvicorn.Server
    task: asyncio.Task
    sock: socket.socket


@dataclass
class Stack:
    """Handles on everything a test or the sandbox needs."""

    settings: Settings
    relay: Relay
    meta_app: Starlette
    slack_app: Starlette
    workspace: Any  # sandbox.slack's Workspace: team_id, bot_token, admin_user_id, ...
    secrets: dict[str, str]
    http: httpx.AsyncClient
    servers: list[Server] = field(default_factory=list)
    workdir: Path | None = None
    unserved: list[socket.socket] = field(default_factory=list)  # bound, not yet handed to a server
    console: Console | None = None  # the browser console, served by the Slack simulator's app

    @property
    def services(self):  # type: ignore[no-untyped-def]
        return self.relay.services

    @property
    def meta(self):  # type: ignore[no-untyped-def]
        return self.meta_app.state.sim

    @property
    def slack(self):  # type: ignore[no-untyped-def]
        return self.slack_app.state.sim

    @property
    def relay_url(self) -> str:
        return self.settings.PUBLIC_BASE_URL

    @property
    def webhook_url(self) -> str:
        return self.settings.webhook_url

    @property
    def meta_sim_url(self) -> str:
        return self.settings.META_GRAPH_URL

    @property
    def slack_sim_url(self) -> str:
        return self.settings.SLACK_API_URL.removesuffix("/api/")

    @property
    def console_url(self) -> str:
        """The sandbox console: a candidate's phone and the recruiter's Slack side by side."""
        return self.slack_sim_url + CONSOLE_PATH

    async def connect_link(self, user_id: str | None = None) -> str:
        return await self.services.links.issue(self.workspace.team_id, user_id or self.workspace.admin_user_id)

    async def connect_number(self, user_id: str | None = None, *, numbers: int = 1, coexistence: bool = False,
                             choose: int | None = 0) -> dict[str, Any]:
        """Embedded Signup through the same HTTP calls the connect page makes (no browser).

        Returns the relay's JSON answer; with several numbers, picks number ``choose`` unless it is None."""
        url = await self.connect_link(user_id)
        token = parse_qs(urlsplit(url).query)["token"][0]
        page = await self.http.get(url)
        page.raise_for_status()
        signup = await self.http.post(
            f"{self.meta_sim_url}/_sim/meta/signup",
            json={"numbers": numbers, "coexistence": coexistence, "payment_method": True},
        )
        signup.raise_for_status()
        grant = signup.json()
        answer = await self.http.post(
            f"{self.relay_url}/connect/complete",
            json={"token": token, "code": grant["code"], "session_info": grant["session_info"]},
        )
        result: dict[str, Any] = {**answer.json(), "http_status": answer.status_code}
        if result.get("status") == "choose_number" and choose is not None:
            chosen = await self.http.post(
                f"{self.relay_url}/connect/choose",
                json={"token": token, "phone_number_id": grant["phone_number_ids"][choose]},
            )
            result = {**chosen.json(), "http_status": chosen.status_code}
        return await self.with_stored_facts(result, grant)

    async def with_stored_facts(self, result: dict[str, Any], grant: dict[str, Any]) -> dict[str, Any]:
        """Add what the browser is not told but a test wants: the WABA id and each number's channel."""
        from storage.repositories import AccountRepository

        result = {**result, "signup": grant, "waba_id": grant.get("waba_id")}
        async with self.services.database.session() as session:
            accounts = AccountRepository(session, self.services.cipher)
            numbers = []
            for number in result.get("numbers", []):
                row = await accounts.number_by_phone_number_id(number["phone_number_id"])
                numbers.append({**number, "channel_id": row.slack_channel_id if row else None})
                account = await accounts.get(row.account_id) if row else None
                if account is not None and not result["waba_id"]:
                    result["waba_id"] = account.waba_id
        result["numbers"] = numbers
        return result

    async def slack_event(self, **body: Any) -> dict[str, Any]:
        """Have the Slack simulator sign and deliver an event/command/interactivity payload to the relay."""
        body.setdefault("team_id", self.workspace.team_id)
        response = await self.http.post(f"{self.slack_sim_url}/_sim/slack/event", json=body)
        response.raise_for_status()
        return dict(response.json())

    async def slack_calls(self, method: str | None = None) -> list[dict[str, Any]]:
        params = {"method": method} if method else {}
        response = await self.http.get(f"{self.slack_sim_url}/_sim/slack/calls", params=params)
        response.raise_for_status()
        return list(response.json())

    def sandbox_line(self, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        """The facts `waslack sandbox` prints after `SANDBOX `."""
        line = {
            "relay_url": self.relay_url,
            "webhook_url": self.webhook_url,
            "meta_sim_url": self.meta_sim_url,
            "slack_sim_url": self.slack_sim_url,
            "app_secret": self.secrets["app_secret"],
            "verify_token": self.secrets["verify_token"],
            "slack_signing_secret": self.secrets["signing_secret"],
            "team_id": self.workspace.team_id,
            "database_url": self.settings.DATABASE_URL,
        }
        line.update(extra or {})
        return line

    async def stop(self) -> None:
        if self.console is not None:
            self.console.closing.set()  # its change streams end, so the servers can stop
        await self.http.aclose()
        for server in reversed(self.servers):
            server.server.should_exit = True
        for server in reversed(self.servers):
            try:
                await asyncio.wait_for(asyncio.shield(server.task), timeout=10)
            except TimeoutError:  # a connection or a lifespan task that will not end: stop as uvicorn's second ^C
                log.warning("%s did not stop within 10 s; forcing it", server.name)
                server.server.force_exit = True
                try:
                    await asyncio.wait_for(server.task, timeout=5)
                except (TimeoutError, asyncio.CancelledError):
                    pass
            except asyncio.CancelledError:
                pass
            server.sock.close()
        for sock in self.unserved:
            sock.close()
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)


async def _serve(name: str, app: Starlette, sock: socket.socket) -> Server:
    port = int(sock.getsockname()[1])
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on",
                            access_log=False)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]), name=f"serve-{name}")
    for _ in range(500):
        if server.started:
            break
        if task.done():
            task.result()  # raises the start-up error
            raise RuntimeError(f"{name} server stopped during start-up")
        await asyncio.sleep(0.01)
    else:
        raise RuntimeError(f"{name} did not start on port {port}")
    return Server(name, f"http://127.0.0.1:{port}", server, task, sock)


def sandbox_slack_realism() -> Realism:
    """The Slack simulator as the sandbox runs it: Slack's rate limits, retries and delays, and the event
    subscriptions of our manifest (so Slack sends the relay exactly what it would in production)."""
    events = load_manifest()["settings"]["event_subscriptions"]["bot_events"]
    return Realism(bot_events=tuple(events))


async def start_stack(*, port: int | None = None, database_url: str | None = None, run_jobs: bool = False,
                      install_workspace: bool = True, slack_realism: Realism | None = None,
                      template_sender: Any = None) -> Stack:
    """Start the three servers (relay on ``port``, simulators on port+1 and port+2; free ports if None).

    The three sockets are bound before anything else starts: a taken port raises ``PortTaken`` at once.
    ``slack_realism`` defaults to ``sandbox_slack_realism()``; benchmarks pass ``Realism.off(...)``;
    ``template_sender`` replaces the relay's template sender (tests of the /template modal)."""
    sockets = bind_ports(port)
    try:
        return await _start_on(sockets, database_url=database_url, run_jobs=run_jobs,
                               install_workspace=install_workspace,
                               slack_realism=slack_realism or sandbox_slack_realism(),
                               template_sender=template_sender)
    except BaseException:
        for sock in sockets:
            sock.close()
        raise


async def _start_on(sockets: list[socket.socket], *, database_url: str | None, run_jobs: bool,
                    install_workspace: bool, slack_realism: Realism, template_sender: Any = None) -> Stack:
    relay_sock, meta_sock, slack_sock = sockets
    relay_url, meta_url, slack_url = (f"http://127.0.0.1:{s.getsockname()[1]}" for s in sockets)
    workdir = None
    if database_url is None:
        workdir = Path(tempfile.mkdtemp(prefix="waslack-sandbox-"))
        database_url = f"sqlite:///{workdir / 'waslack.db'}"
    await asyncio.to_thread(upgrade, database_url)

    made = {
        "app_secret": secrets.token_hex(16),
        "verify_token": secrets.token_urlsafe(16),
        "signing_secret": secrets.token_hex(16),
        "client_secret": secrets.token_hex(16),
        "encryption_key": Fernet.generate_key().decode(),
    }
    slack_app = create_slack_simulator(SlackSimConfig(
        signing_secret=made["signing_secret"], relay_events_url=f"{relay_url}/slack/events", public_url=slack_url,
        client_id="1000000000.2000000000", client_secret=made["client_secret"], realism=slack_realism,
    ))
    from bot.app import BOT_SCOPES  # the workspace holds exactly the scopes our manifest asks for

    workspace = slack_app.state.sim.add_workspace(team_id=SANDBOX_TEAM_ID, name="Sandbox Recruiting",
                                                  scopes=BOT_SCOPES)
    meta_app = create_meta_simulator(MetaSimConfig(  # delivers, reports and throttles like Meta
        app_id=SANDBOX_APP_ID, app_secret=made["app_secret"], config_id=SANDBOX_CONFIG_ID,
        webhook_url=f"{relay_url}/webhooks/whatsapp", public_url=meta_url,
        delivery=WebhookDelivery.like_meta(), statuses=StatusFlow.like_meta(), sending=SendRules.like_meta(),
    ))
    settings = load_settings({
        "META_APP_ID": SANDBOX_APP_ID,
        "META_APP_SECRET": made["app_secret"],
        "META_CONFIG_ID": SANDBOX_CONFIG_ID,
        "META_WEBHOOK_VERIFY_TOKEN": made["verify_token"],
        "META_GRAPH_URL": meta_url,
        "META_SDK_URL": f"{meta_url}/sdk.js",
        "META_WEB_URL": meta_url,
        "SLACK_SIGNING_SECRET": made["signing_secret"],
        "SLACK_CLIENT_ID": "1000000000.2000000000",
        "SLACK_CLIENT_SECRET": made["client_secret"],
        "SLACK_API_URL": f"{slack_url}/api/",
        "SLACK_AUTHORIZE_URL": f"{slack_url}/oauth/v2/authorize",
        "PUBLIC_BASE_URL": relay_url,
        "DATABASE_URL": database_url,
        "WASLACK_ENCRYPTION_KEYS": made["encryption_key"],
        "WASLACK_MODE": "sandbox",
    }, env_file=None)
    relay = build_relay(settings, run_jobs=run_jobs, template_sender=template_sender)
    if install_workspace:
        async with relay.services.database.session() as session:
            await TenantRepository(session).get_or_create(workspace.team_id, workspace.name)
            await InstallationRepository(session, relay.services.cipher).save(
                team_id=workspace.team_id, team_name=workspace.name, bot_token=workspace.bot_token,
                bot_user_id=workspace.bot_user_id, bot_id=workspace.bot_id, app_id=workspace.app_id,
                bot_scopes=",".join(workspace.scopes), installer_user_id=workspace.admin_user_id,
            )
            await session.commit()
    console = Console(meta_url, made.values())  # sandbox only: `waslack serve` has no simulators to mount it on
    slack_app.router.routes.extend(console.routes())
    stack = Stack(settings=settings, relay=relay, meta_app=meta_app, slack_app=slack_app, workspace=workspace,
                  secrets=made, http=httpx.AsyncClient(timeout=30), workdir=workdir, unserved=list(sockets),
                  console=console)
    try:
        for name, app, sock in (("meta-sim", meta_app, meta_sock), ("slack-sim", slack_app, slack_sock),
                                ("relay", relay.web, relay_sock)):
            stack.unserved.remove(sock)
            stack.servers.append(await _serve(name, app, sock))
    except BaseException:
        await stack.stop()
        raise
    return stack


@contextlib.asynccontextmanager
async def running_stack(**kwargs: Any) -> AsyncIterator[Stack]:
    stack = await start_stack(**kwargs)
    try:
        yield stack
    finally:
        await stack.stop()
