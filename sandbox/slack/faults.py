"""Injected failures (faults) for the Web API: canned errors, HTTP statuses and stalls."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Fault:
    """The next ``count`` calls to ``method`` (every method when None) fail or stall this way."""

    method: str | None = None
    count: int = 1
    status: int | None = None  # HTTP status to answer with (429 adds Retry-After)
    retry_after: int = 1
    error: str | None = None  # an ok:false error with HTTP 200 (or with ``status``)
    delay_ms: int = 0  # stall before answering; alone, the call then proceeds normally

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Fault:
        """Build from the control endpoint's JSON; raises ValueError naming the bad field."""
        fault = cls(
            method=body.get("method"),
            count=int(body.get("count", 1)),
            status=body.get("status"),
            retry_after=int(body.get("retry_after", 1)),
            error=body.get("error"),
            delay_ms=int(body.get("delay_ms", 0)),
        )
        if fault.count < 1:
            raise ValueError("count must be at least 1")
        if fault.status is not None and not 400 <= int(fault.status) <= 599:
            raise ValueError("status must be an HTTP error status (400-599)")
        if fault.status is None and fault.error is None and fault.delay_ms <= 0:
            raise ValueError("give at least one of status, error, delay_ms")
        return fault

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def response(self) -> tuple[int, dict[str, Any], dict[str, str]] | None:
        """What the faulted call answers (status, body, headers); None when it only delays."""
        if self.status is None and self.error is None:
            return None
        # Slack only ever says "ratelimited" with a 429 and Retry-After
        status = int(self.status or (429 if self.error == "ratelimited" else 200))
        headers: dict[str, str] = {}
        if status == 429:
            headers["Retry-After"] = str(self.retry_after)
            return status, {"ok": False, "error": self.error or "ratelimited"}, headers
        default_error = "fatal_error" if status >= 500 else "invalid_request"
        return status, {"ok": False, "error": self.error or default_error}, headers


class FaultBook:
    """Pending faults, consumed in the order they were added."""

    def __init__(self) -> None:
        self.pending: list[Fault] = []

    def add(self, fault: Fault) -> None:
        self.pending.append(fault)

    def clear(self) -> None:
        self.pending.clear()

    def take(self, method: str) -> Fault | None:
        """The first fault matching ``method``, counted down by one use."""
        for fault in self.pending:
            if fault.method in (None, method):
                fault.count -= 1
                if fault.count <= 0:
                    self.pending.remove(fault)
                return fault
        return None
