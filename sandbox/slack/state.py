"""The simulated workspace: users, channels, messages, views and files, in Slack's documented shapes."""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass, field
from typing import Any

# Every scope a method in METHODS can need; a workspace made by add_workspace() holds them all.
DEFAULT_BOT_SCOPES = (
    "chat:write",
    "chat:write.customize",
    "channels:history",
    "groups:history",
    "channels:manage",
    "groups:write",
    "channels:read",
    "groups:read",
    "channels:join",
    "commands",
    "files:read",
    "files:write",
    "reactions:write",
    "users:read",
    "im:write",
    "links:read",
    "links:write",
)


@dataclass
class User:
    id: str
    team_id: str
    name: str
    real_name: str
    is_admin: bool = False
    is_owner: bool = False
    is_primary_owner: bool = False
    is_bot: bool = False
    bot_id: str | None = None
    app_id: str | None = None
    deleted: bool = False
    updated: int = 0

    def to_api(self) -> dict[str, Any]:
        """The ``user`` object users.info returns."""
        digest = hashlib.md5(self.id.encode()).hexdigest()  # noqa: S324 - an avatar hash, not security
        profile: dict[str, Any] = {
            "title": "",
            "phone": "",
            "skype": "",
            "real_name": self.real_name,
            "real_name_normalized": self.real_name,
            "display_name": "" if self.is_bot else self.name,
            "display_name_normalized": "" if self.is_bot else self.name,
            "fields": None,
            "status_text": "",
            "status_emoji": "",
            "status_expiration": 0,
            "avatar_hash": digest[:12],
            "first_name": self.real_name.split(" ")[0],
            "last_name": " ".join(self.real_name.split(" ")[1:]),
            "image_24": f"https://avatars.example.invalid/{digest}_24.png",
            "image_48": f"https://avatars.example.invalid/{digest}_48.png",
            "image_72": f"https://avatars.example.invalid/{digest}_72.png",
            "team": self.team_id,
        }
        if self.is_bot:
            profile.update({"bot_id": self.bot_id, "api_app_id": self.app_id, "always_active": True})
        return {
            "id": self.id,
            "team_id": self.team_id,
            "name": self.name,
            "deleted": self.deleted,
            "color": digest[:6],
            "real_name": self.real_name,
            "tz": "Europe/Amsterdam",
            "tz_label": "Central European Time",
            "tz_offset": 3600,
            "profile": profile,
            "is_admin": self.is_admin,
            "is_owner": self.is_owner,
            "is_primary_owner": self.is_primary_owner,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "updated": self.updated,
        }


@dataclass
class Message:
    """A message in a channel; ``body`` is the Slack message object without its reactions."""

    channel_id: str
    body: dict[str, Any]
    reactions: dict[str, list[str]] = field(default_factory=dict)  # name -> users, in order added
    ephemeral_for: str | None = None

    @property
    def ts(self) -> str:
        return str(self.body["ts"])

    def to_api(self) -> dict[str, Any]:
        out = copy.deepcopy(self.body)
        if self.reactions:
            out["reactions"] = [
                {"name": name, "users": list(users), "count": len(users)}
                for name, users in self.reactions.items()
            ]
        return out


@dataclass
class Channel:
    id: str
    name: str
    team_id: str
    created: int
    creator: str
    is_private: bool = False
    is_im: bool = False
    im_user: str | None = None
    is_archived: bool = False
    is_general: bool = False
    members: list[str] = field(default_factory=list)
    messages: dict[str, Message] = field(default_factory=dict)  # ts -> message, in posting order
    ephemeral: list[Message] = field(default_factory=list)
    topic: str = ""
    purpose: str = ""

    def to_api(self, viewer_id: str, *, include_num_members: bool = False) -> dict[str, Any]:
        """The conversation object conversations.* return, seen by ``viewer_id``."""
        if self.is_im:
            return {
                "id": self.id,
                "created": self.created,
                "is_archived": False,
                "is_im": True,
                "is_org_shared": False,
                "context_team_id": self.team_id,
                "updated": self.created * 1000,
                "user": self.im_user,
                "is_user_deleted": False,
                "priority": 0,
            }
        legacy_group = self.id.startswith("G")
        out: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "is_channel": not legacy_group,
            "is_group": legacy_group,
            "is_im": False,
            "is_mpim": False,
            "is_private": self.is_private,
            "created": self.created,
            "is_archived": self.is_archived,
            "is_general": self.is_general,
            "unlinked": 0,
            "name_normalized": self.name,
            "is_shared": False,
            "is_org_shared": False,
            "is_pending_ext_shared": False,
            "pending_shared": [],
            "context_team_id": self.team_id,
            "updated": self.created * 1000,
            "parent_conversation": None,
            "creator": self.creator,
            "is_ext_shared": False,
            "shared_team_ids": [self.team_id],
            "pending_connected_team_ids": [],
            "is_member": viewer_id in self.members,
            "topic": {"value": self.topic, "creator": "", "last_set": 0},
            "purpose": {"value": self.purpose, "creator": "", "last_set": 0},
            "previous_names": [],
        }
        if include_num_members:
            out["num_members"] = len(self.members)
        return out


@dataclass
class View:
    """A published Home tab or an open modal; ``spec`` holds the view as the app sent it."""

    id: str
    team_id: str
    user_id: str
    app_id: str
    bot_id: str
    spec: dict[str, Any]
    hash: str
    root_view_id: str
    previous_view_id: str | None = None
    state_values: dict[str, Any] = field(default_factory=dict)

    @property
    def type(self) -> str:
        return str(self.spec.get("type"))

    def replace_spec(self, spec: dict[str, Any], new_hash: str) -> None:
        """The app updated the view: Slack keeps a person's entries only for elements with the same block_id
        and action_id in the new view (docs: "Preserving input entry")."""
        present: set[tuple[str, str]] = set()
        for block in spec.get("blocks") or []:
            elements = [block.get("element"), block.get("accessory"), *(block.get("elements") or [])]
            present |= {(block.get("block_id"), e["action_id"]) for e in elements
                        if isinstance(e, dict) and "action_id" in e and block.get("block_id")}
        kept = {block_id: {a: v for a, v in actions.items() if (block_id, a) in present}
                for block_id, actions in self.state_values.items()}
        self.spec, self.hash, self.state_values = spec, new_hash, {b: a for b, a in kept.items() if a}

    def to_api(self) -> dict[str, Any]:
        """The ``view`` object views.* return and interactivity payloads carry."""
        spec = self.spec
        out: dict[str, Any] = {
            "id": self.id,
            "team_id": self.team_id,
            "type": self.type,
            "blocks": copy.deepcopy(spec.get("blocks", [])),
            "private_metadata": spec.get("private_metadata", ""),
            "callback_id": spec.get("callback_id", ""),
            "state": {"values": copy.deepcopy(self.state_values)},
            "hash": self.hash,
            "clear_on_close": bool(spec.get("clear_on_close", False)),
            "notify_on_close": bool(spec.get("notify_on_close", False)),
            "close": copy.deepcopy(spec.get("close")),
            "submit": copy.deepcopy(spec.get("submit")),
            "previous_view_id": self.previous_view_id,
            "root_view_id": self.root_view_id,
            "app_id": self.app_id,
            "external_id": spec.get("external_id", ""),
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        if self.type == "modal":
            out["title"] = copy.deepcopy(spec.get("title"))
        else:
            out["title"] = copy.deepcopy(spec.get("title", {"type": "plain_text", "text": "View Title"}))
        return out


@dataclass
class StoredFile:
    id: str
    team_id: str
    user_id: str
    name: str
    created: int
    declared_length: int | None = None
    title: str = ""
    mimetype: str = "application/octet-stream"
    content: bytes | None = None  # None until the upload URL received the bytes
    completed: bool = False
    shares: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # channel -> share records
    submitted_to_app: bool = False  # picked in a modal's file_input: the app may download it (Slack's docs)

    @property
    def filetype(self) -> str:
        return self.name.rsplit(".", 1)[-1].lower() if "." in self.name else "binary"

    def to_api(self, public_url: str, channels: dict[str, Channel]) -> dict[str, Any]:
        """The file object files.info and files.completeUploadExternal return."""
        public_shares: dict[str, Any] = {}
        private_shares: dict[str, Any] = {}
        for channel_id, records in self.shares.items():
            channel = channels.get(channel_id)
            target = (
                private_shares if channel is None or channel.is_private or channel.is_im else public_shares
            )
            target[channel_id] = copy.deepcopy(records)
        base = f"{public_url}/_sim/slack"
        out: dict[str, Any] = {
            "id": self.id,
            "created": self.created,
            "timestamp": self.created,
            "name": self.name,
            "title": self.title or self.name,
            "mimetype": self.mimetype,
            "filetype": self.filetype,
            "pretty_type": self.filetype.upper(),
            "user": self.user_id,
            "user_team": self.team_id,
            "editable": False,
            "size": len(self.content or b""),
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": bool(public_shares),
            "public_url_shared": False,
            "display_as_bot": False,
            "username": "",
            "url_private": f"{base}/files-pri/{self.team_id}-{self.id}/{self.name}",
            "url_private_download": f"{base}/files/{self.id}/{self.name}",
            "permalink": f"{public_url}/_sim/slack/files/{self.id}/{self.name}?permalink=1",
            "permalink_public": f"{public_url}/_sim/slack/public/{self.team_id}-{self.id}",
            "channels": [c for c in public_shares if c.startswith("C")],
            "groups": [c for c in private_shares if not c.startswith("D")],
            "ims": [c for c in private_shares if c.startswith("D")],
            "comments_count": 0,
            "has_rich_preview": False,
            "file_access": "visible",
        }
        if public_shares or private_shares:
            out["shares"] = {k: v for k, v in (("public", public_shares), ("private", private_shares)) if v}
        return out


@dataclass
class Workspace:
    """One installation of our app: its team, bot identity, token and everything inside the team."""

    team_id: str
    name: str
    domain: str
    team_number: int
    app_id: str
    bot_token: str
    bot_user_id: str
    bot_id: str
    scopes: tuple[str, ...] = DEFAULT_BOT_SCOPES
    active: bool = True
    admin_user_id: str = ""
    owner_user_id: str = ""
    member_user_id: str = ""
    public_channel_id: str = ""
    nobot_channel_id: str = ""
    private_channel_id: str = ""
    users: dict[str, User] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)
    views: dict[str, View] = field(default_factory=dict)
    home_views: dict[str, str] = field(default_factory=dict)  # user -> view id
    modal_stacks: dict[str, list[str]] = field(default_factory=dict)  # user -> view ids, root first
    files: dict[str, StoredFile] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"https://{self.domain}.slack.com/"

    def channel_by_name(self, name: str) -> Channel | None:
        return next((c for c in self.channels.values() if c.name == name and not c.is_im), None)

    def bot_profile(self) -> dict[str, Any]:
        """The ``bot_profile`` object Slack attaches to messages our bot posts."""
        icon = "https://avatars.example.invalid/bot_{}.png"
        return {
            "id": self.bot_id,
            "deleted": False,
            "name": "WA Bridge",
            "updated": 1700000000,
            "app_id": self.app_id,
            "team_id": self.team_id,
            "icons": {f"image_{n}": icon.format(n) for n in (36, 48, 72)},
        }
