"""Who is who: auth.test, users.info, and the app's install lifecycle (oauth.v2.access, apps.uninstall)."""

from __future__ import annotations

from typing import Any

from ..context import CallContext, Method
from ..strict import text_arg
from ..world import SlackApiFailure


async def auth_test(ctx: CallContext) -> dict[str, Any]:
    ws = ctx.ws
    return {
        "url": ws.url,
        "team": ws.name,
        "user": ws.users[ws.bot_user_id].name,
        "team_id": ws.team_id,
        "user_id": ws.bot_user_id,
        "bot_id": ws.bot_id,
        "is_enterprise_install": False,
    }


async def users_info(ctx: CallContext) -> dict[str, Any]:
    return {"user": ctx.user("user").to_api()}


def _client_credentials(ctx: CallContext) -> None:
    """client_id/client_secret from HTTP Basic (slack_sdk) or form arguments, checked against the app's."""
    client_id, client_secret = ctx.basic_auth or (
        text_arg(ctx.args, "client_id"),
        text_arg(ctx.args, "client_secret"),
    )
    config = ctx.world.config
    if client_id != config.client_id:
        raise SlackApiFailure("invalid_client_id")
    if client_secret != config.client_secret:
        raise SlackApiFailure("bad_client_secret")


async def oauth_v2_access(ctx: CallContext) -> dict[str, Any]:
    _client_credentials(ctx)
    grant_type = text_arg(ctx.args, "grant_type")
    if grant_type not in (None, "authorization_code"):
        raise SlackApiFailure("invalid_grant_type")  # token rotation is not simulated
    grant = ctx.world.redeem_oauth_code(text_arg(ctx.args, "code") or "", text_arg(ctx.args, "redirect_uri"))
    ws = ctx.world.reinstall(grant.team_id, grant.scopes)
    return {
        "app_id": ws.app_id,
        "authed_user": {"id": grant.user_id},
        "scope": ",".join(ws.scopes),
        "token_type": "bot",
        "access_token": ws.bot_token,
        "bot_user_id": ws.bot_user_id,
        "team": {"id": ws.team_id, "name": ws.name},
        "enterprise": None,
        "is_enterprise_install": False,
    }


async def apps_uninstall(ctx: CallContext) -> dict[str, Any]:
    _client_credentials(ctx)
    ctx.world.uninstall(ctx.ws.team_id)
    return {}


METHODS = {
    "auth.test": Method(auth_test),
    "users.info": Method(users_info, ("users:read",)),
    "oauth.v2.access": Method(oauth_v2_access, authenticated=False),
    "apps.uninstall": Method(apps_uninstall),
}
