"""HTTP to the Graph API: the one choke point that sets auth and timeouts, retries, logs, and types errors.

Retries read as ``except ThrottledError`` / ``except TransientError``. A call marked not idempotent
(a send, an upload, a code exchange) that may have reached Meta is never sent again.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx
from pydantic import SecretStr

from whatsapp.errors import (
    GraphError,
    MediaTooLargeError,
    NetworkError,
    OutcomeUnknownError,
    ThrottledError,
    TransientError,
    error_from_response,
)
from whatsapp.retry import Backoff

logger = logging.getLogger("waslack.graph")

MAX_PAGES = 200
_ERROR_BODY_LIMIT = 64 * 1024
# Transport failures that happen before any byte of the request reaches Meta: safe to retry any call.
_NEVER_SENT = (
    httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError,
    httpx.UnsupportedProtocol, httpx.LocalProtocolError,
)


# Query parameters whose values are secrets. httpx logs every request URL at INFO ("HTTP Request: GET
# ...?client_secret=..."), so its log records are scrubbed of these before any handler sees them.
_SECRET_QUERY = re.compile(
    r"(?P<name>[?&](?:client_secret|input_token|access_token|appsecret_proof|fb_exchange_token|code)=)[^&#\s\"']*"
)


class SecretQueryFilter(logging.Filter):
    """Scrubs secret query parameters from log records of the ``httpx`` logger."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _scrub_query(str(arg)) if isinstance(arg, str | httpx.URL) else arg for arg in record.args
            )
        if isinstance(record.msg, str):
            record.msg = _scrub_query(record.msg)
        return True


def _scrub_query(text: str) -> str:
    return _SECRET_QUERY.sub(r"\g<name>[redacted]", text)


def _scrub_httpx_logs() -> None:
    httpx_logger = logging.getLogger("httpx")
    if not any(isinstance(f, SecretQueryFilter) for f in httpx_logger.filters):
        httpx_logger.addFilter(SecretQueryFilter())


@dataclass(frozen=True)
class GraphCall:
    """One request to make. ``route`` is the path template logged and quoted in errors (never a secret)."""

    method: str
    route: str
    url: str
    token: str | None
    params: dict[str, str] | None = None
    json: dict[str, Any] | None = None
    data: dict[str, str] | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None
    idempotent: bool = True  # False: once the request may have reached Meta it is never sent again
    max_bytes: int | None = None
    follow_redirects: bool = False
    secrets: tuple[str, ...] = ()  # more values to scrub from errors (inspected tokens, codes, PINs)


class GraphHttp:
    """Makes ``GraphCall``s: Bearer auth per call, a timeout on every call, bounded retries, typed errors."""

    def __init__(
        self,
        *,
        root: str,
        timeout: float,
        transport: httpx.AsyncBaseTransport | None,
        max_attempts: int,
        sleep: Callable[[float], Awaitable[None]],
        random: Callable[[], float],
        secrets: Sequence[SecretStr],
    ):
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.root = root
        self._timeout = httpx.Timeout(timeout)
        self._client = httpx.AsyncClient(transport=transport, timeout=self._timeout)
        self._max_attempts = max_attempts
        self._sleep = sleep
        self._backoff = Backoff(random=random)
        self._secrets = tuple(secrets)
        _scrub_httpx_logs()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    def call(self, method: str, route: str, ids: dict[str, str] | None = None, **options: Any) -> GraphCall:
        """A call to ``route`` under the versioned root, with ``ids`` quoted into the template."""
        path = route.format(**{k: quote(str(v), safe="") for k, v in (ids or {}).items()})
        return GraphCall(method, route, f"{self.root}{path}", **options)

    async def request(self, call: GraphCall) -> bytes:
        """The choke point: run ``call`` with bounded retries and return the body of the 2xx answer."""
        attempt = 1
        while True:
            retry_index = attempt - 1
            try:
                return await self._once(call, attempt)
            except ThrottledError as exc:
                delay = self._backoff.throttle_delay(exc, retry_index)
                if delay is None or attempt >= self._max_attempts:
                    raise
            except TransientError:
                if attempt >= self._max_attempts:
                    raise
                delay = self._backoff.delay(retry_index)
            await self._sleep(delay)
            attempt += 1

    async def request_json(self, call: GraphCall) -> dict[str, Any]:
        """``request`` and decode a JSON object."""
        body = await self.request(call)
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise GraphError(None, f"unexpected answer to {call.method} {call.route}: not a JSON object")
        return data

    async def expect_success(self, call: GraphCall) -> None:
        """``request`` a call whose answer is ``{"success": true}``."""
        if (await self.request_json(call)).get("success") is not True:
            raise GraphError(None, f"{call.method} {call.route} did not answer success: true")

    async def all_pages(self, route: str, ids: dict[str, str], token: str,
                        params: dict[str, str]) -> list[dict[str, Any]]:
        """Every item of a cursor-paged edge: follow ``paging.next`` through its ``after`` cursor.

        We re-request our own URL with ``after`` rather than GET ``next`` verbatim, so the token stays in
        the header and the base URL stays ours.
        """
        items: list[dict[str, Any]] = []
        params = dict(params)
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            page = await self.request_json(self.call("GET", route, ids, token=token, params=dict(params)))
            data = page.get("data")
            items.extend(item for item in (data if isinstance(data, list) else []) if isinstance(item, dict))
            paging = page.get("paging")
            if not isinstance(paging, dict) or not paging.get("next"):
                return items
            after = _after_cursor(paging)
            if not after or after in seen:
                raise GraphError(None, f"GET {route}: paging.next without a new 'after' cursor")
            seen.add(after)
            params["after"] = after
        raise GraphError(None, f"GET {route}: more than {MAX_PAGES} pages")

    async def _once(self, call: GraphCall, attempt: int) -> bytes:
        headers = {"Authorization": f"Bearer {call.token}"} if call.token else {}
        request = self._client.build_request(call.method, call.url, params=call.params, json=call.json,
                                             data=call.data, files=call.files, headers=headers,
                                             timeout=self._timeout)
        started = time.monotonic()
        outcome = "no response"
        try:
            try:
                response = await self._client.send(
                    request, stream=True, follow_redirects=call.follow_redirects)
                try:
                    outcome = str(response.status_code)
                    if response.is_success:
                        return await _read_capped(response, call.max_bytes)
                    body = await _read_error_body(response)
                finally:
                    await response.aclose()
            except httpx.TransportError as exc:
                outcome = type(exc).__name__
                raise self._transport_failure(call, exc) from exc
            error = error_from_response(response.status_code, body, response.headers,
                                        redact=self._redactor(call))
            outcome = f"{response.status_code} code={error.code}"
            if not call.idempotent and error.retryable and (
                isinstance(error, TransientError) or response.status_code >= 500
            ):
                raise OutcomeUnknownError(
                    f"{call.method} {call.route} failed after it may have reached Meta; not re-sent",
                    cause=error,
                ) from error
            raise error
        except MediaTooLargeError:
            outcome = f"{outcome} too large"
            raise
        finally:
            duration_ms = round((time.monotonic() - started) * 1000)
            level = logging.INFO if outcome.isdigit() and int(outcome) < 400 else logging.WARNING
            logger.log(level, "graph %s %s -> %s in %dms (attempt %d/%d)", call.method, call.route, outcome,
                       duration_ms, attempt, self._max_attempts,
                       extra={"graph_method": call.method, "graph_path": call.route, "graph_status": outcome,
                              "duration_ms": duration_ms, "attempt": attempt})

    def _transport_failure(self, call: GraphCall, exc: httpx.TransportError) -> GraphError:
        description = f"{type(exc).__name__} on {call.method} {call.route}: {exc}"
        error = NetworkError(None, self._redactor(call)(description))
        if call.idempotent or isinstance(exc, _NEVER_SENT):
            return error
        return OutcomeUnknownError(
            f"{type(exc).__name__} on {call.method} {call.route} after the request may have reached Meta; "
            "not re-sent",
            cause=error,
        )

    def _redactor(self, call: GraphCall) -> Callable[[str], str]:
        values = [secret.get_secret_value() for secret in self._secrets]
        values += [*call.secrets, call.token or ""]
        ordered = sorted({value for value in values if value}, key=len, reverse=True)

        def redact(text: str) -> str:
            for value in ordered:
                text = text.replace(value, "[redacted]")
            return text

        return redact


def _after_cursor(paging: dict[str, Any]) -> str | None:
    cursors = paging.get("cursors")
    after = cursors.get("after") if isinstance(cursors, dict) else None
    if isinstance(after, str) and after:
        return after
    from_next = parse_qs(urlsplit(str(paging["next"])).query).get("after", [])
    return from_next[0] if from_next else None


async def _read_capped(response: httpx.Response, max_bytes: int | None) -> bytes:
    if max_bytes is None:
        return await response.aread()
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise MediaTooLargeError(max_bytes, int(declared))
    chunks: list[bytes] = []
    received = 0
    async for chunk in response.aiter_bytes():
        received += len(chunk)
        if received > max_bytes:
            raise MediaTooLargeError(max_bytes)
        chunks.append(chunk)
    return b"".join(chunks)


async def _read_error_body(response: httpx.Response) -> bytes:
    chunks: list[bytes] = []
    received = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        received += len(chunk)
        if received >= _ERROR_BODY_LIMIT:
            break
    return b"".join(chunks)[:_ERROR_BODY_LIMIT]
