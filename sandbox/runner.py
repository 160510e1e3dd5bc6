"""`waslack sandbox`: the relay against both simulators, one number connected, one SANDBOX line; or --scenario."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys

from relay.logging import configure_logging, show_activity
from sandbox.scenario import play_scenario
from sandbox.stack import PortTaken, Stack, start_stack

EXIT_PORT_TAKEN = 2


async def _connect_first_number(stack: Stack) -> dict:
    outcome = await stack.connect_number()
    if outcome.get("status") != "connected":
        raise RuntimeError(f"sandbox could not connect its first number: {outcome}")
    number = outcome["numbers"][0]
    return {
        "phone_number_id": number["phone_number_id"],
        "display_phone_number": number.get("display_phone_number"),
        "waba_id": outcome["waba_id"],
        "channel_id": number.get("channel_id"),
        "connect_page_url": await stack.connect_link(),
    }


async def _serve_until_interrupted(port: int, database_url: str | None) -> int:
    stack = await start_stack(port=port, database_url=database_url, run_jobs=True)
    try:
        # the URL first, before the first number's connect lines (the console shows it connecting)
        print(f"Open the console: {stack.console_url}", flush=True)
        extra = await _connect_first_number(stack)
        print("SANDBOX " + json.dumps(stack.sandbox_line({**extra, "console_url": stack.console_url})), flush=True)
        print(f"# relay {stack.relay_url} · Meta simulator {stack.meta_sim_url} · Slack simulator "
              f"{stack.slack_sim_url}", file=sys.stderr)
        print(f"# open {extra['connect_page_url']} in a browser to connect another number "
              "(the link works once, for 15 minutes). Ctrl-C stops.", file=sys.stderr, flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        await stop.wait()
    finally:
        await stack.stop()
    return 0


async def _scenario(port: int, database_url: str | None) -> int:
    stack = await start_stack(port=port, database_url=database_url)
    try:
        return await play_scenario(stack)
    finally:
        await stack.stop()


def run_sandbox(*, port: int = 8000, database_url: str | None = None, scenario: bool = False) -> int:
    redact = configure_logging("ERROR" if scenario else "WARNING")
    if not scenario:
        show_activity(redact)  # one line per connect, webhook and Slack post; everything else only if it fails
    try:
        return asyncio.run(_scenario(port, database_url) if scenario else _serve_until_interrupted(port,
                                                                                                 database_url))
    except PortTaken as exc:
        print(f"waslack: port {exc.port} is already in use (the sandbox needs {port}, {port + 1} and {port + 2}); "
              f"choose others with `make {'scenario' if scenario else 'demo'} PORT=9000` or "
              f"`waslack sandbox --port 9000`", file=sys.stderr)
        return EXIT_PORT_TAKEN
    except OSError as exc:
        print(f"waslack: the sandbox could not start: {exc}", file=sys.stderr)
        return 1
