"""The simulator's world (``app.state.sim``): workspaces, tokens, the call log, trigger ids, OAuth codes."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from .config import Realism, SlackSimConfig
from .faults import FaultBook
from .ids import TsClock, bot_token, random_code, slack_id, trigger_id
from .outbox import Outbox
from .rate_limits import RateLimiter
from .state import DEFAULT_BOT_SCOPES, Channel, User, Workspace

APP_ID = "A0SIMULATOR"  # one app, the same in every workspace (api_app_id)
TRIGGER_LIFETIME_SECONDS = 3.0
OAUTH_CODE_LIFETIME_SECONDS = 600.0


class SlackApiFailure(Exception):
    """A Web API call answered with ``{"ok": false, "error": error, **extra}``."""

    def __init__(self, error: str, status: int = 200, headers: dict[str, str] | None = None, **extra: Any):
        super().__init__(error)
        self.error, self.status, self.headers, self.extra = error, status, headers or {}, extra

    def body(self) -> dict[str, Any]:
        return {"ok": False, "error": self.error, **self.extra}


@dataclass
class Trigger:
    team_id: str
    user_id: str
    issued_at: float
    used: bool = False


@dataclass
class OAuthCode:
    team_id: str
    user_id: str
    scopes: tuple[str, ...]
    redirect_uri: str | None
    issued_at: float
    used: bool = False


class SlackWorld:
    """Everything the simulator knows; routes and method handlers read and change it."""

    def __init__(
        self,
        config: SlackSimConfig,
        clock: Callable[[], float],
        relay_transport: httpx.AsyncBaseTransport | None = None,
    ):
        self.config = config
        self.clock = clock
        self.realism: Realism = config.realism
        self.relay_transport = relay_transport
        self.ts = TsClock(clock)
        self.app_id = APP_ID
        self.workspaces: dict[str, Workspace] = {}
        self.call_log: list[dict[str, Any]] = []
        self.triggers: dict[str, Trigger] = {}
        self.oauth_codes: dict[str, OAuthCode] = {}
        self.faults = FaultBook()
        self.rate_limits = RateLimiter(clock, lambda: self.realism)
        self.outbox = Outbox()  # deliveries, retries and late file shares, in time
        self.deliveries: list[dict[str, Any]] = []  # every request sent to the app and what came back
        self.sent_events: dict[str, Any] = {}  # event_id -> the Outgoing request, for byte-identical retries
        self.shown_errors: list[dict[str, Any]] = []  # what Slack showed a person when the app failed them
        self.responses: list[dict[str, Any]] = []  # messages apps POSTed to response_urls
        self.response_urls: dict[str, dict[str, Any]] = {}
        self._revoked: dict[str, str] = {}  # old token -> team id
        self._used_ids: set[str] = set()

    def change_realism(self, body: dict[str, Any]) -> Realism:
        """Replace some settings (``POST /_sim/slack/settings``); counted rate-limit calls start afresh."""
        self.realism = self.realism.changed(body)
        self.rate_limits.reset()
        return self.realism

    # ---- workspaces --------------------------------------------------------------------------

    def add_workspace(
        self,
        team_id: str = "T0SANDBOX",
        name: str = "Sandbox",
        domain: str = "sandbox",
        *,
        scopes: tuple[str, ...] | list[str] | None = None,
    ) -> Workspace:
        """Create a workspace with our bot installed, three people and three channels; returns it."""
        if team_id in self.workspaces:
            raise ValueError(f"workspace {team_id} already exists")
        number = len(self.workspaces) + 1
        ws = Workspace(
            team_id=team_id,
            name=name,
            domain=domain,
            team_number=number,
            app_id=self.app_id,
            bot_token=bot_token(number),
            bot_user_id=self._fresh("U"),
            bot_id=self._fresh("B"),
            scopes=tuple(scopes) if scopes is not None else DEFAULT_BOT_SCOPES,
        )
        created = int(self.clock())
        ws.users[ws.bot_user_id] = User(
            ws.bot_user_id,
            team_id,
            "wa_bridge",
            "WA Bridge",
            is_bot=True,
            bot_id=ws.bot_id,
            app_id=self.app_id,
            updated=created,
        )
        people: list[tuple[str, str, str, str, dict[str, Any]]] = [
            ("admin_user_id", "U0ADMIN", "ada", "Ada Admin", {"is_admin": True}),
            (
                "owner_user_id",
                "U0OWNER",
                "olga",
                "Olga Owner",
                {"is_admin": True, "is_owner": True, "is_primary_owner": True},
            ),
            ("member_user_id", "U0MEMBER", "max", "Max Member", {}),
        ]
        for attr, wanted, handle, real_name, flags in people:
            user_id = self._unique(wanted)
            ws.users[user_id] = User(user_id, team_id, handle, real_name, updated=created, **flags)
            setattr(ws, attr, user_id)
        humans = [ws.admin_user_id, ws.owner_user_id, ws.member_user_id]
        rooms = [
            ("public_channel_id", "C0PUBLIC", "recruiting", False, [*humans, ws.bot_user_id]),
            ("nobot_channel_id", "C0NOBOT", "general", False, humans),
            ("private_channel_id", "G0PRIVATE", "hiring-private", True, [ws.admin_user_id, ws.owner_user_id]),
        ]
        for attr, wanted, channel_name, private, members in rooms:
            channel_id = self._unique(wanted)
            ws.channels[channel_id] = Channel(
                channel_id,
                channel_name,
                team_id,
                created,
                ws.owner_user_id,
                is_private=private,
                is_general=channel_name == "general",
                members=list(members),
            )
            setattr(ws, attr, channel_id)
        self.workspaces[team_id] = ws
        return ws

    def _unique(self, wanted: str) -> str:
        """``wanted`` the first time; Slack ids are global, so later workspaces get a suffixed variant."""
        candidate = wanted
        while candidate in self._used_ids:
            candidate = slack_id(wanted, 2)
        self._used_ids.add(candidate)
        return candidate

    def _fresh(self, prefix: str) -> str:
        return self._unique(slack_id(prefix))

    def new_id(self, prefix: str) -> str:
        """A new globally unique id (channels, views, files)."""
        return self._fresh(prefix)

    def workspace(self, team_id: str) -> Workspace:
        try:
            return self.workspaces[team_id]
        except KeyError:
            raise KeyError(f"no workspace {team_id}") from None

    def workspace_for_token(self, token: str | None) -> Workspace:
        """The workspace a bot token belongs to; raises not_authed / invalid_auth / account_inactive."""
        if not token:
            raise SlackApiFailure("not_authed")
        for ws in self.workspaces.values():
            if ws.bot_token == token:
                if not ws.active:
                    raise SlackApiFailure("account_inactive")
                return ws
        if token in self._revoked:
            raise SlackApiFailure("account_inactive")
        raise SlackApiFailure("invalid_auth")

    def uninstall(self, team_id: str) -> Workspace:
        """Remove our app from a workspace: its token stops working (account_inactive)."""
        ws = self.workspace(team_id)
        ws.active = False
        self._revoked[ws.bot_token] = team_id
        ws.modal_stacks.clear()
        return ws

    def reinstall(self, team_id: str, scopes: tuple[str, ...]) -> Workspace:
        """OAuth install into an existing workspace: a new token after an uninstall, scopes replaced."""
        ws = self.workspace(team_id)
        if not ws.active:
            ws.bot_token = bot_token(ws.team_number)
            ws.active = True
        ws.scopes = scopes
        return ws

    # ---- triggers and OAuth codes ------------------------------------------------------------

    def issue_trigger(self, team_id: str, user_id: str) -> str:
        value = trigger_id()
        self.triggers[value] = Trigger(team_id, user_id, self.clock())
        return value

    def use_trigger(self, value: str, team_id: str) -> Trigger:
        """Exchange a trigger id once, within 3 s of issue, in its own workspace."""
        trigger = self.triggers.get(value)
        if trigger is None or trigger.team_id != team_id:
            raise SlackApiFailure("invalid_trigger_id")
        if trigger.used:
            raise SlackApiFailure("exchanged_trigger_id")
        if self.clock() - trigger.issued_at > TRIGGER_LIFETIME_SECONDS:
            raise SlackApiFailure("expired_trigger_id")
        trigger.used = True
        return trigger

    def issue_oauth_code(
        self, team_id: str, user_id: str, scopes: tuple[str, ...], redirect_uri: str | None
    ) -> str:
        code = f"{self.workspace(team_id).team_number}.{random_code()}"
        self.oauth_codes[code] = OAuthCode(team_id, user_id, scopes, redirect_uri, self.clock())
        return code

    def redeem_oauth_code(self, code: str, redirect_uri: str | None) -> OAuthCode:
        grant = self.oauth_codes.get(code)
        if grant is None or grant.used:
            raise SlackApiFailure("invalid_code")
        if self.clock() - grant.issued_at > OAUTH_CODE_LIFETIME_SECONDS:
            raise SlackApiFailure("invalid_code")
        if grant.redirect_uri and redirect_uri != grant.redirect_uri:
            raise SlackApiFailure("bad_redirect_uri")
        grant.used = True
        return grant

    # ---- helpers for tests -------------------------------------------------------------------

    def record_call(self, entry: dict[str, Any]) -> None:
        self.call_log.append(entry)

    def calls(self, method: str | None = None) -> list[dict[str, Any]]:
        """Recorded Web API calls, oldest first, optionally only one method's."""
        return [copy.deepcopy(c) for c in self.call_log if method is None or c["method"] == method]

    def latest_home_view(self, team_id: str, user_id: str) -> dict[str, Any] | None:
        """The Home tab last published for a user (the ``view`` object), or None."""
        ws = self.workspace(team_id)
        view_id = ws.home_views.get(user_id)
        return ws.views[view_id].to_api() if view_id else None

    def find_channel(self, channel_id: str, team_id: str | None = None) -> Channel:
        found = [
            ws.channels[channel_id]
            for ws in self.workspaces.values()
            if channel_id in ws.channels and team_id in (None, ws.team_id)
        ]
        if not found:
            raise KeyError(f"no channel {channel_id}")
        return found[0]

    def messages(self, channel: str, team_id: str | None = None) -> list[dict[str, Any]]:
        """Every message in a channel (thread replies included, ephemeral ones not), oldest first."""
        room = self.find_channel(channel, team_id)
        return [m.to_api() for m in room.messages.values()]

    def ephemeral_messages(self, channel: str, team_id: str | None = None) -> list[dict[str, Any]]:
        room = self.find_channel(channel, team_id)
        return [{**m.to_api(), "shown_to": m.ephemeral_for} for m in room.ephemeral]
