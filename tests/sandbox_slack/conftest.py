"""Fixtures for the Slack simulator: in-process simulator, signature-checking fake relay, uvicorn thread."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import uvicorn
from slack_sdk.signature import SignatureVerifier
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import sandbox.slack
from sandbox.slack import Realism, SlackSimConfig, create_slack_simulator

SECRET = "test-signing-secret"
RELAY_URL = "http://relay.test/slack/events"
# Extracts of Slack's official files, vendored beside the simulator (see sandbox/slack/specs/README.md)
SPECS = Path(sandbox.slack.__file__).parent / "specs"
# Keys real Slack returns that the 2021 OpenAPI file lacks (its objs_message is additionalProperties: false)
NEWER_THAN_SPEC = {"app_id", "metadata", "edited"}


class FakeClock:
    """A controllable time.time for trigger expiry, OAuth codes and rate limits."""

    def __init__(self, now: float = 1_700_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeRelay:
    """Stands in for the relay's /slack/events: verifies the signature with slack_sdk, records, answers."""

    def __init__(self, secret: str = SECRET):
        self.verifier = SignatureVerifier(secret)
        self.received: list[dict[str, Any]] = []
        self.reply: tuple[int, str, dict[str, str]] = (200, "", {})
        self.delay = 0.0  # seconds before answering (a slow app)

    async def endpoint(self, request: Request) -> Response:
        raw = await request.body()
        valid = self.verifier.is_valid_request(raw, dict(request.headers))
        self.received.append(
            {"body": raw.decode(), "headers": dict(request.headers), "valid": valid, "at": time.monotonic()}
        )
        if not valid:
            return JSONResponse({"error": "invalid request"}, status_code=401)
        if self.delay:
            await asyncio.sleep(self.delay)
        status, text, headers = self.reply
        return Response(text, status_code=status, headers=headers, media_type="application/json")

    def events(self, event_type: str | None = None) -> list[dict[str, Any]]:
        """The event callbacks received, oldest first (optionally one event type)."""
        envelopes = [json.loads(r["body"]) for r in self.received if r["body"].startswith("{")]
        return [
            e for e in envelopes
            if e.get("type") == "event_callback" and event_type in (None, e["event"]["type"])
        ]

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/slack/events", self.endpoint, methods=["POST"])])


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def relay() -> FakeRelay:
    return FakeRelay()


@pytest.fixture
def realism() -> Realism:
    """Slack's behaviour over time, as the simulator has it by default; a test may override this fixture."""
    return Realism()


@pytest.fixture
async def sim_app(clock, relay, realism):
    config = SlackSimConfig(
        signing_secret=SECRET, relay_events_url=RELAY_URL, public_url="http://testserver", realism=realism
    )
    app = create_slack_simulator(config, relay_transport=httpx.ASGITransport(app=relay.app()), clock=clock)
    yield app
    await app.state.sim.outbox.aclose()  # retries still scheduled (after 1 and 5 minutes) end with the test


@pytest.fixture
def world(sim_app):
    return sim_app.state.sim


@pytest.fixture
def ws(world):
    return world.add_workspace()


@pytest.fixture
async def client(sim_app):
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sim_app), base_url="http://testserver"
    ) as c:
        yield c


class Api:
    """Calls /api/{method} the way slack_sdk does: Bearer token, JSON or form body."""

    def __init__(self, client: httpx.AsyncClient, token: str):
        self.client, self.token = client, token

    async def raw(self, method: str, *, token: str | None = "default", as_json: bool = True, **args: Any):
        token = self.token if token == "default" else token
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if as_json:
            headers["Content-Type"] = "application/json;charset=utf-8"
            return await self.client.post(f"/api/{method}", content=json.dumps(args), headers=headers)
        form = {k: json.dumps(v) if isinstance(v, (dict, list)) else str(v) for k, v in args.items()}
        return await self.client.post(f"/api/{method}", data=form, headers=headers)

    async def __call__(self, method: str, **args: Any) -> dict[str, Any]:
        response = await self.raw(method, **args)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def api(client, ws) -> Api:
    return Api(client, ws.bot_token)


@pytest.fixture
def deliver(client):
    """POST /_sim/slack/event and return the JSON report."""

    async def send(**body: Any) -> dict[str, Any]:
        response = await client.post("/_sim/slack/event", json=body)
        assert response.status_code == 200, response.text
        return response.json()

    return send


# ---- the official schemas ------------------------------------------------------------------------


def _load(name: str) -> dict[str, Any]:
    return json.loads((SPECS / name).read_text(encoding="utf-8"))


WEB_SPEC = _load("response_schemas.json")
EVENT_WRAPPER = _load("slack_common_event_wrapper_schema.json")


def assert_matches_spec(method: str, body: dict[str, Any], *, ignore: set[str] = NEWER_THAN_SPEC) -> None:
    """Validate a success response against the method's 200 schema in Slack's OpenAPI file."""
    schema = WEB_SPEC["responses"][method]
    pruned = json.loads(json.dumps(body))
    for message in [pruned.get("message")] if isinstance(pruned.get("message"), dict) else []:
        for key in ignore:
            message.pop(key, None)
    jsonschema.Draft4Validator({**schema, "definitions": WEB_SPEC["definitions"]}).validate(pruned)


def assert_event_envelope(envelope: dict[str, Any]) -> None:
    jsonschema.Draft7Validator(EVENT_WRAPPER).validate(envelope)


# ---- a real HTTP server, for aiohttp-based clients (slack_sdk AsyncWebClient) -----------------------


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def serve_in_thread(app: Any, sock: socket.socket) -> Iterator[str]:
    """Run an ASGI app with uvicorn on an already bound socket in a daemon thread; yields its base URL."""
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        host, port = sock.getsockname()[:2]
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture
def served_sim():
    """A simulator on a real port (wall clock); yields (base_url, world)."""
    sock = free_socket()
    port = sock.getsockname()[1]
    config = SlackSimConfig(signing_secret=SECRET, public_url=f"http://127.0.0.1:{port}")
    app = create_slack_simulator(config)
    with serve_in_thread(app, sock) as base_url:
        yield base_url, app.state.sim
