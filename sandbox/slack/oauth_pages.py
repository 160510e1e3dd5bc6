"""Slack's OAuth consent page (``/oauth/v2/authorize``): Allow issues a one-time code, Cancel denies."""

from __future__ import annotations

import html
import re
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from .world import SlackWorld

SCOPE = re.compile(r"^[a-z_]+(:[a-z_.]+)*$")


def _error_page(problem: str) -> HTMLResponse:
    body = "<!doctype html><title>Slack</title><h1>Something went wrong</h1>"
    body += f"<p id='error'>{html.escape(problem)}</p>"
    return HTMLResponse(body, status_code=400)


def _with_query(url: str, params: dict[str, str]) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(params)


def _scopes(value: str) -> list[str]:
    return [s.strip() for s in re.split(r"[ ,]+", value) if s.strip()]


def _check(world: SlackWorld, params: dict[str, str]) -> tuple[str | None, str]:
    """(problem, redirect_uri): the checks Slack makes before it shows the consent page."""
    config = world.config
    if params.get("client_id") != config.client_id:
        return "invalid_client_id", ""
    redirect_uri = params.get("redirect_uri") or (config.redirect_urls[0] if config.redirect_urls else "")
    if not redirect_uri:
        return "redirect_uri missing: the simulated app has no redirect URL configured", ""
    if config.redirect_urls and not any(redirect_uri.startswith(url) for url in config.redirect_urls):
        return "bad_redirect_uri", ""
    scopes = _scopes(params.get("scope", ""))
    if not scopes and not _scopes(params.get("user_scope", "")):
        return "invalid_scope: no scopes requested", redirect_uri
    bad = [s for s in scopes if not SCOPE.match(s)]
    if bad:
        return f"invalid_scope: {', '.join(bad)}", redirect_uri
    team_id = params.get("team") or next(iter(world.workspaces), "")
    if team_id and team_id not in world.workspaces:
        return f"unknown team {team_id}", redirect_uri
    return None, redirect_uri


def _team(world: SlackWorld, params: dict[str, str]) -> str:
    if not world.workspaces:
        world.add_workspace()
    return params.get("team") or next(iter(world.workspaces))


def _approve(world: SlackWorld, params: dict[str, str], redirect_uri: str) -> RedirectResponse:
    team_id = _team(world, params)
    ws = world.workspace(team_id)
    user_id = params.get("user") or ws.admin_user_id
    code = world.issue_oauth_code(
        team_id, user_id, tuple(_scopes(params.get("scope", ""))), params.get("redirect_uri") or None
    )
    return RedirectResponse(_with_query(redirect_uri, {"code": code, "state": params.get("state", "")}), 302)


async def authorize(request: Request) -> Response:
    """GET shows the consent page (``?auto=1`` approves at once); POST is the page's Allow/Cancel form."""
    world: SlackWorld = request.app.state.sim
    if request.method == "POST":
        params = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    else:
        params = dict(request.query_params)
    problem, redirect_uri = _check(world, params)
    if problem:
        return _error_page(problem)
    if request.method == "POST" and params.get("decision") != "allow":
        return RedirectResponse(
            _with_query(redirect_uri, {"error": "access_denied", "state": params.get("state", "")}), 302
        )
    if request.method == "POST" or params.get("auto") in ("1", "true"):
        return _approve(world, params, redirect_uri)
    ws = world.workspace(_team(world, params))
    hidden = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in params.items()
        if k in ("client_id", "scope", "user_scope", "state", "redirect_uri", "team", "user")
    )
    scope_items = "".join(f"<li>{html.escape(s)}</li>" for s in _scopes(params.get("scope", "")))
    page = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Slack: install app</title></head>
<body>
<h1>WA Bridge is requesting permission to access the {html.escape(ws.name)} Slack workspace</h1>
<p id="workspace">{html.escape(ws.domain)}.slack.com</p>
<h2>What will WA Bridge be able to do?</h2><ul id="scopes">{scope_items}</ul>
<form method="post" action="/oauth/v2/authorize">{hidden}
<button id="cancel" type="submit" name="decision" value="cancel">Cancel</button>
<button id="allow" type="submit" name="decision" value="allow">Allow</button>
</form></body></html>"""
    return HTMLResponse(page)


ROUTES = [Route("/oauth/v2/authorize", authorize, methods=["GET", "POST"])]
