"""The machine's ceiling for webhook acks: the same server stack as `waslack serve` (uvicorn, Starlette), an
endpoint that only reads the body and answers 200. Run as ``python -m bench.servers --port N``."""

from __future__ import annotations

import argparse

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route


def bare_app() -> Starlette:
    """POST /webhooks/whatsapp reads the body and answers 200; GET /readyz says it is up."""

    async def endpoint(request: Request) -> JSONResponse:
        await request.body()
        return JSONResponse({"received": True})

    async def ready(_request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    return Starlette(routes=[Route("/webhooks/whatsapp", endpoint, methods=["POST"]),
                             Route("/readyz", ready, methods=["GET"])])


def relay_app() -> Starlette:
    """The real relay web app under uvicorn's ``--factory``, configured from BENCH_SETTINGS (JSON): what the
    bounded-request tests measure a real server with."""
    import json
    import os

    from relay.runtime import build_relay
    from relay.settings import load_settings

    settings = load_settings(json.loads(os.environ["BENCH_SETTINGS"]), env_file=None)
    return build_relay(settings, run_jobs=False).web


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    import uvicorn

    # the keyword arguments relay/cli.py's `waslack serve` passes, so both run the same loop and HTTP parser
    uvicorn.run(bare_app(), host="127.0.0.1", port=args.port, log_config=None, proxy_headers=True,
                forwarded_allow_ips="127.0.0.1")


if __name__ == "__main__":
    main()
