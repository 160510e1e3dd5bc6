"""The Web API edge, ``/api/{method}``: read arguments and token like Slack, dispatch, record every call."""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse

from .context import CallContext
from .methods import METHODS
from .strict import check_required
from .world import SlackApiFailure, SlackWorld


def _basic_auth(header: str) -> tuple[str, str] | None:
    if not header.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:].strip()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user, password


async def read_arguments(request: Request) -> tuple[dict[str, Any], str | None, list[str]]:
    """(arguments, token, warnings) from query string and body, as Slack reads them.

    The token comes from ``Authorization: Bearer`` or a ``token`` field of a form body; a JSON body is only
    accepted with a Bearer token (Slack ignores a token inside JSON).
    """
    args: dict[str, Any] = {k: v for k, v in request.query_params.items() if k != "token"}
    warnings: list[str] = []
    authorization = request.headers.get("authorization", "")
    bearer = authorization[7:].strip() if authorization.lower().startswith("bearer ") else None
    content_type = request.headers.get("content-type", "").lower()
    body = await request.body()
    form_token: str | None = None
    if body:
        if content_type.startswith("application/json"):
            if not bearer:
                raise SlackApiFailure("not_authed")
            try:
                parsed = json.loads(body)
            except ValueError:
                raise SlackApiFailure("invalid_json") from None
            if not isinstance(parsed, dict):
                raise SlackApiFailure("json_not_object")
            parsed.pop("token", None)
            args.update(parsed)
            if "charset" not in content_type:
                warnings.append("missing_charset")
        elif content_type.startswith("multipart/form-data"):
            form = await request.form()
            args.update({k: v for k, v in form.items() if isinstance(v, str)})
            form_token = args.pop("token", None)
        elif content_type.startswith("application/x-www-form-urlencoded") or not content_type:
            try:
                args.update(dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True)))
            except UnicodeDecodeError:
                raise SlackApiFailure("invalid_charset") from None
            form_token = args.pop("token", None)
        else:
            raise SlackApiFailure("invalid_form_data")
    return args, bearer or form_token, warnings


async def api_method(request: Request) -> JSONResponse:
    """Answer one Web API call: HTTP 200 with ok true/false (429 when rate limited or faulted)."""
    world: SlackWorld = request.app.state.sim
    method = request.path_params["method"]
    status, headers = 200, {}
    args: dict[str, Any] = {}
    token: str | None = None
    ctx: CallContext | None = None
    fault_applied = None
    try:
        args, token, warnings = await read_arguments(request)
        entry = METHODS.get(method)
        if entry is None:
            raise SlackApiFailure("unknown_method", req_method=method)
        fault = world.faults.take(method)
        if fault is not None:
            fault_applied = fault.to_json()
            if fault.delay_ms:
                await asyncio.sleep(fault.delay_ms / 1000)
            canned = fault.response()
            if canned is not None:
                fault_status, fault_body, fault_headers = canned
                raise SlackApiFailure(fault_body["error"], status=fault_status, headers=fault_headers)
        workspace = world.workspace_for_token(token) if entry.authenticated else None
        ctx = CallContext(
            world,
            method,
            args,
            workspace,
            _basic_auth(request.headers.get("authorization", "")),
            warnings=warnings,
        )
        if workspace is not None:
            headers["X-OAuth-Scopes"] = ",".join(workspace.scopes)
            retry_after = world.rate_limits.check(workspace.team_id, method, args.get("channel"))
            if retry_after:
                raise SlackApiFailure("ratelimited", status=429, headers={"Retry-After": str(retry_after)})
            ctx.require_scope(*entry.scopes)
        check_required(method, args)
        body: dict[str, Any] = {"ok": True, **await entry.handler(ctx)}
        if ctx.warnings:
            body["warning"] = ",".join(ctx.warnings)
            body.setdefault("response_metadata", {})["warnings"] = list(ctx.warnings)
        if ctx.warning_messages:
            body.setdefault("response_metadata", {})["messages"] = list(ctx.warning_messages)
    except SlackApiFailure as failure:
        status, body = failure.status, failure.body()
        headers.update(failure.headers)
    world.record_call(
        {
            "method": method,
            "http_method": request.method,
            "args": args,
            "team_id": ctx.workspace.team_id if ctx and ctx.workspace else None,
            "token": token,
            "time": world.clock(),
            "status": status,
            "response": body,
            "notes": list(ctx.notes) if ctx else [],
            "fault": fault_applied,
        }
    )
    return JSONResponse(body, status_code=status, headers=headers)
