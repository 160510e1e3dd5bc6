"""One Web API call as handlers see it: arguments, the caller's workspace, Slack's visibility rules."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from .blocks import block_errors
from .state import Channel, Message, User, Workspace
from .strict import json_arg, text_arg
from .world import SlackApiFailure, SlackWorld


@dataclass
class CallContext:
    world: SlackWorld
    method: str
    args: dict[str, Any]
    workspace: Workspace | None = None
    basic_auth: tuple[str, str] | None = None
    notes: list[str] = field(default_factory=list)  # things Slack accepts silently but a test may want to see
    warnings: list[str] = field(default_factory=list)
    warning_messages: list[str] = field(default_factory=list)  # response_metadata.messages ("[WARN] ...")

    @property
    def ws(self) -> Workspace:
        if self.workspace is None:
            raise SlackApiFailure("not_authed")
        return self.workspace

    def require_scope(self, *any_of: str) -> None:
        """missing_scope unless the token holds one of ``any_of``."""
        if any_of and not set(any_of) & set(self.ws.scopes):
            raise SlackApiFailure("missing_scope", needed=any_of[0], provided=",".join(self.ws.scopes))

    # ---- channels, users, messages -----------------------------------------------------------

    def visible_channel(self, name: str = "channel", *, ref: str | None = None) -> Channel:
        """The channel an argument (or ``ref``) names as our bot sees it (private ones only as a member)."""
        ref = ref if ref is not None else text_arg(self.args, name) or ""
        ws = self.ws
        channel = ws.channels.get(ref)
        if channel is None and ref.startswith("#"):
            channel = ws.channel_by_name(ref[1:])
        if channel is None or (
            (channel.is_private or channel.is_im) and ws.bot_user_id not in channel.members
        ):
            raise SlackApiFailure("channel_not_found")
        return channel

    def member_channel(self, name: str = "channel", *, ref: str | None = None) -> Channel:
        """A channel our bot may write to: visible, joined, not archived."""
        channel = self.visible_channel(name, ref=ref)
        if self.ws.bot_user_id not in channel.members:
            raise SlackApiFailure("not_in_channel")
        if channel.is_archived:
            raise SlackApiFailure("is_archived")
        return channel

    def im_with(self, user: User) -> Channel:
        """Our bot's direct-message channel with a user, opened on first use."""
        ws = self.ws
        for channel in ws.channels.values():
            if channel.is_im and channel.im_user == user.id:
                return channel
        channel_id = self.world.new_id("D")
        channel = Channel(
            channel_id,
            channel_id,
            ws.team_id,
            int(self.world.clock()),
            ws.bot_user_id,
            is_im=True,
            im_user=user.id,
            members=[ws.bot_user_id, user.id],
        )
        ws.channels[channel_id] = channel
        return channel

    def user(self, name: str = "user") -> User:
        user = self.ws.users.get(text_arg(self.args, name) or "")
        if user is None or user.deleted:
            raise SlackApiFailure("user_not_found")
        return user

    def message(self, channel: Channel, name: str = "ts") -> Message:
        ts = text_arg(self.args, name)
        if ts is None:
            raise SlackApiFailure("message_not_found")
        message = channel.messages.get(ts)
        if message is None:
            raise SlackApiFailure("message_not_found")
        return message

    # ---- message content ---------------------------------------------------------------------

    def message_blocks(self) -> list[dict[str, Any]] | None:
        """The ``blocks`` argument of a message, validated (≤ 50 blocks, Block Kit basics)."""
        blocks = json_arg(self.args, "blocks", error="invalid_blocks_format")
        if blocks is None:
            return None
        if not isinstance(blocks, list):
            raise SlackApiFailure("invalid_blocks_format")
        errors = block_errors(blocks, max_blocks=50)
        if errors:
            raise SlackApiFailure("invalid_blocks", response_metadata={"messages": errors})
        return blocks

    def attachments(self) -> list[dict[str, Any]] | None:
        attachments = json_arg(self.args, "attachments", error="invalid_attachments")
        if attachments is None:
            return None
        if not isinstance(attachments, list) or not all(isinstance(a, dict) for a in attachments):
            raise SlackApiFailure("invalid_attachments")
        if len(attachments) > 100:
            raise SlackApiFailure("too_many_attachments")
        return attachments


Handler = Callable[[CallContext], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Method:
    """A Web API method: its handler, the scopes of which it needs one, whether it takes a token."""

    handler: Handler
    scopes: tuple[str, ...] = ()
    authenticated: bool = True
