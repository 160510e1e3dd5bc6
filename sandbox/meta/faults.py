"""Injected faults: make the next N calls of one Graph endpoint fail, slow down, or answer a bare 5xx."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

from starlette.responses import PlainTextResponse, Response

from .errors import MetaError

ENDPOINTS = frozenset(
    {
        "oauth_access_token",
        "debug_token",
        "phone_numbers",
        "phone_number",
        "subscribed_apps",
        "register",
        "deregister",
        "messages",
        "media_upload",
        "media",
        "media_download",
        "message_templates",
    }
)


@dataclass
class Fault:
    endpoint: str
    remaining: int
    error_code: int | None = None
    http_status: int | None = None
    error_subcode: int | None = None
    message: str | None = None
    is_transient: bool | None = None
    delay_ms: int = 0
    estimated_time_to_regain_access: int | None = None  # minutes, reported in X-Business-Use-Case-Usage

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def parse_fault(spec: dict) -> Fault:
    """Validate a control request into a Fault; raises ValueError with the reason."""
    known = set(Fault.__dataclass_fields__) - {"remaining"} | {"count"}
    if unknown := set(spec) - known:
        raise ValueError(f"unknown fault fields: {sorted(unknown)}")
    endpoint = spec.get("endpoint")
    if endpoint not in ENDPOINTS:
        raise ValueError(f"endpoint must be one of {sorted(ENDPOINTS)}")
    count = spec.get("count", 1)
    if not isinstance(count, int) or count < 1:
        raise ValueError("count must be a positive integer")
    fault = Fault(
        endpoint=endpoint,
        remaining=count,
        error_code=spec.get("error_code"),
        http_status=spec.get("http_status"),
        error_subcode=spec.get("error_subcode"),
        message=spec.get("message"),
        is_transient=spec.get("is_transient"),
        delay_ms=int(spec.get("delay_ms") or 0),
        estimated_time_to_regain_access=spec.get("estimated_time_to_regain_access"),
    )
    bare_5xx = fault.error_code is None and (fault.http_status or 0) >= 500
    if (
        fault.error_code is None
        and not bare_5xx
        and not fault.delay_ms
        and fault.estimated_time_to_regain_access is None
    ):
        raise ValueError(
            "give error_code, an http_status >= 500, delay_ms or estimated_time_to_regain_access"
        )
    if fault.error_code is None and fault.http_status is not None and not bare_5xx:
        raise ValueError("http_status without error_code must be >= 500")
    return fault


class FaultBook:
    """Pending faults per endpoint, consumed first in, first out."""

    def __init__(self) -> None:
        self.pending: list[Fault] = []

    def add(self, fault: Fault) -> None:
        self.pending.append(fault)

    def clear(self) -> None:
        self.pending.clear()

    def take(self, endpoint: str) -> Fault | None:
        """The fault that applies to this call of ``endpoint`` (consuming one of its N calls), if any."""
        for fault in self.pending:
            if fault.endpoint == endpoint and fault.remaining > 0:
                fault.remaining -= 1
                if fault.remaining == 0:
                    self.pending.remove(fault)
                return fault
        return None


def usage_header(fault: Fault, object_id: str) -> dict[str, str]:
    """``X-Business-Use-Case-Usage`` telling the client when it may call again (reference 4.3)."""
    if fault.estimated_time_to_regain_access is None:
        return {}
    usage = {
        object_id: [
            {
                "type": "whatsapp_business_management" if fault.endpoint != "messages" else "whatsapp",
                "call_count": 100,
                "total_cputime": 100,
                "total_time": 100,
                "estimated_time_to_regain_access": fault.estimated_time_to_regain_access,
            }
        ]
    }
    return {"X-Business-Use-Case-Usage": json.dumps(usage, separators=(",", ":"))}


async def apply_fault(fault: Fault | None, object_id: str) -> tuple[Response | None, dict[str, str]]:
    """Sleep the fault's delay, then return (error response or None, headers for the eventual response)."""
    if fault is None:
        return None, {}
    if fault.delay_ms:
        await asyncio.sleep(fault.delay_ms / 1000)
    headers = usage_header(fault, object_id)
    if fault.error_code is not None:
        error = MetaError(
            fault.error_code,
            fault.message,
            subcode=fault.error_subcode,
            http_status=fault.http_status,
            is_transient=fault.is_transient,
            whatsapp=fault.endpoint not in ("oauth_access_token", "debug_token"),
        )
        return error.response(headers), headers
    if fault.http_status is not None and fault.http_status >= 500:
        return PlainTextResponse(
            "Internal Server Error", status_code=fault.http_status, headers=headers
        ), headers
    return None, headers
