"""Apps the benchmarks serve with uvicorn in a separate process: the relay, and a bare Starlette ceiling."""

from __future__ import annotations

import json
import os

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


def bare_app() -> Starlette:
    """The machine's ceiling: the same server stack, an endpoint that reads the body and answers 200."""

    async def endpoint(request: Request) -> JSONResponse:
        await request.body()
        return JSONResponse({"received": True})

    return Starlette(routes=[Route("/webhooks/whatsapp", endpoint, methods=["POST"])])


def relay_app() -> Starlette:
    """The real relay web app, configured from BENCH_SETTINGS (JSON) handed over by the benchmark."""
    from relay.runtime import build_relay
    from relay.settings import load_settings

    settings = load_settings(json.loads(os.environ["BENCH_SETTINGS"]), env_file=None)
    return build_relay(settings, run_jobs=False).web
