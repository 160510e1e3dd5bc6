"""Kill -9 while Meta's webhooks are being acknowledged, restart: every acknowledged message reaches Slack
exactly once and in order. The relay runs as a real `waslack serve` process; the simulators stay up."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time

import httpx
from pydantic import SecretStr
from sqlalchemy import select
from sqlmodel import col

from sandbox.stack import free_port, running_stack
from storage.database import Database
from storage.messaging_models import SlackOutboxItem, WebhookInbox
from tests.inbound.test_batches_and_duplicates import change, text_message
from tests.inbound.test_message_types import replies
from whatsapp.signature import sign

CANDIDATES = 4
PER_CANDIDATE = 40


def relay_env(settings, public_url: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("META_", "SLACK_", "WASLACK_"))}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        env[name] = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
    env.update(PUBLIC_BASE_URL=public_url, LOG_LEVEL="WARNING")
    return env


def start_relay(env: dict[str, str], port: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "relay.cli", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


async def wait_ready(url: str, process: subprocess.Popen) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(300):
            if process.poll() is not None:
                error = process.stderr.read().decode()[-2000:]  # type: ignore[union-attr]
                raise AssertionError(f"relay exited: {error}")
            try:
                if (await client.get(f"{url}/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
    raise AssertionError("relay never became ready")


async def history(database_url: str, candidate: int) -> str:
    """The candidate's inbox rows and Slack outbox items, as stored: how an order came about."""
    database = Database(database_url)
    try:
        async with database.session() as session:
            inbox = (await session.execute(select(WebhookInbox).order_by(col(WebhookInbox.id)))).scalars().all()
            outbox = (await session.execute(select(SlackOutboxItem).order_by(col(SlackOutboxItem.id)))).scalars().all()
    finally:
        await database.dispose()
    marker = f"c{candidate} m".encode()
    lines = [f"inbox {r.id} {r.state} attempts={r.attempts} received={r.received_at} error={r.error}"
             for r in inbox if marker in r.body]
    lines += [f"outbox {o.id} {o.lane} {o.kind} {o.state} attempts={o.attempts} created={o.created_at} "
              f"done={o.done_at} error={o.error} args={o.args[:60]}" for o in outbox if marker.decode() in o.args]
    return "\n".join(lines)


async def test_sigkill_during_acks_loses_and_duplicates_nothing(database_url):
    async with running_stack(database_url=database_url) as stack:
        connected = await stack.connect_number()
        number = connected["numbers"][0]
        relay_server = next(s for s in stack.servers if s.name == "relay")
        relay_server.server.should_exit = True  # the in-process relay steps aside for a real process
        await asyncio.wait_for(relay_server.task, 10)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = relay_env(stack.settings, url)
        secret = stack.secrets["app_secret"]
        acked: dict[str, list[int]] = {}
        process = start_relay(env, port)
        try:
            await wait_ready(url, process)

            async def candidate(c: int, client: httpx.AsyncClient) -> None:
                wa_id = f"4479000000{c:02d}"
                for i in range(PER_CANDIDATE):
                    payload = {"object": "whatsapp_business_account", "entry": [{"id": "W", "changes": [change(
                        number["phone_number_id"],
                        [text_message(wa_id, f"wamid.K{c}.{i}", f"c{c} m{i:03d}", 1893456000 + i)],
                        {wa_id: f"Candidate {c}"})]}]}
                    body = json.dumps(payload).encode()
                    try:
                        answer = await client.post(f"{url}/webhooks/whatsapp", content=body, headers={
                            "X-Hub-Signature-256": sign(body, secret), "Content-Type": "application/json"})
                    except httpx.TransportError:
                        return  # the process died under us: Meta would retry this one later
                    if answer.status_code != 200:
                        return
                    acked.setdefault(wa_id, []).append(i)
                    if sum(len(v) for v in acked.values()) >= CANDIDATES * PER_CANDIDATE // 3:
                        enough.set()

            enough = asyncio.Event()

            async def killer() -> None:
                await enough.wait()
                process.send_signal(signal.SIGKILL)

            async with httpx.AsyncClient(timeout=10) as client:
                await asyncio.gather(killer(), *(candidate(c, client) for c in range(CANDIDATES)))
            process.wait(10)
            assert process.returncode == -signal.SIGKILL
            total = sum(len(v) for v in acked.values())
            assert CANDIDATES * PER_CANDIDATE // 3 <= total < CANDIDATES * PER_CANDIDATE

            process = start_relay(env, port)  # restart: the workers drain what was stored before the kill
            await wait_ready(url, process)
            channel = number["channel_id"]
            deadline = time.monotonic() + 120
            while True:
                shown = (await stack.http.get(f"{stack.slack_sim_url}/_sim/slack/messages",
                                              params={"channel": channel})).json()
                texts = [r["text"] for r in replies(shown)]
                wanted = [f"c{c} m{i:03d}" for c in range(CANDIDATES) for i in acked.get(f"4479000000{c:02d}", [])]
                if all(w in texts for w in wanted):
                    break
                assert time.monotonic() < deadline, f"{total} acknowledged, {len(texts)} in Slack"
                await asyncio.sleep(0.2)
            await asyncio.sleep(1)  # let any duplicate show itself
            texts = [r["text"] for r in replies((await stack.http.get(
                f"{stack.slack_sim_url}/_sim/slack/messages", params={"channel": channel})).json())]
            assert len(texts) == len(set(texts)), "a message was posted twice"
            for c in range(CANDIDATES):
                mine = [t for t in texts if t.startswith(f"c{c} ")]
                if mine != sorted(mine):  # what the relay recorded, for whoever reads the failure
                    raise AssertionError(f"candidate {c} out of order: {mine}\n" + await history(database_url, c))
        finally:
            if process.poll() is None:
                process.terminate()
                process.wait(10)
