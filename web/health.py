"""Liveness and readiness for load balancers and the on-call engineer."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from relay.services import Services
from storage.migrate import SchemaOutdatedError, check_schema


async def healthz(_request: Request) -> Response:
    return JSONResponse({"ok": True})


def readyz(services: Services):  # type: ignore[no-untyped-def]
    """200 when the database answers and its schema is current; 503 with the reason otherwise."""

    async def endpoint(_request: Request) -> Response:
        try:
            async with services.database.session() as session:
                await session.exec(text("SELECT 1"))  # type: ignore[call-overload]
            await asyncio.to_thread(check_schema, services.settings.DATABASE_URL)
        except SchemaOutdatedError as exc:
            return JSONResponse({"ok": False, "database": str(exc)}, status_code=503)
        except Exception as exc:  # the reason, without connection strings
            return JSONResponse({"ok": False, "database": type(exc).__name__}, status_code=503)
        return JSONResponse({"ok": True, "database": "ok"})

    return endpoint
