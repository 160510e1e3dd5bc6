"""Argument strictness: required arguments from Slack's OpenAPI file, typed reads of form/JSON arguments."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from .world import SlackApiFailure

REQUIRED_PATH = Path(__file__).parent / "specs" / "required_arguments.json"  # see specs/README.md

# Required by Slack's method pages (docs.slack.dev/reference/methods/...) although the 2021 spec marks them
# optional, plus the upload methods the spec predates (docs.slack.dev/reference/methods/files.getUploadURLExternal).
SUPPLEMENTARY_REQUIRED: dict[str, tuple[str, ...]] = {
    "conversations.create": ("name",),
    "conversations.info": ("channel",),
    "conversations.join": ("channel",),
    "conversations.members": ("channel",),
    "conversations.invite": ("channel", "users"),
    "conversations.history": ("channel",),
    "conversations.replies": ("channel", "ts"),
    "users.info": ("user",),
    "files.info": ("file",),
    "views.update": ("view",),
    "files.getUploadURLExternal": ("filename", "length"),
    "files.completeUploadExternal": ("files",),
}


@lru_cache(maxsize=1)
def spec_required_arguments() -> dict[str, tuple[str, ...]]:
    """Method name -> the parameters the official spec marks required (the token excepted: auth checks it)."""
    data = json.loads(REQUIRED_PATH.read_text(encoding="utf-8"))
    return {method: tuple(names) for method, names in data["required"].items()}


def required_arguments(method: str) -> tuple[str, ...]:
    from_spec = spec_required_arguments().get(method, ())
    return tuple(dict.fromkeys(from_spec + SUPPLEMENTARY_REQUIRED.get(method, ())))


def check_required(method: str, args: dict[str, Any]) -> None:
    """Raise invalid_arguments naming every missing required argument, as Slack does."""
    missing = [name for name in required_arguments(method) if args.get(name) in (None, "")]
    if missing:
        raise SlackApiFailure(
            "invalid_arguments",
            response_metadata={"messages": [f"[ERROR] missing required field: {name}" for name in missing]},
        )


def invalid_argument(name: str, problem: str) -> SlackApiFailure:
    return SlackApiFailure(
        "invalid_arguments", response_metadata={"messages": [f"[ERROR] {problem} [json-pointer:/{name}]"]}
    )


def text_arg(args: dict[str, Any], name: str) -> str | None:
    value = args.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, (dict, list)):
        raise invalid_argument(name, "must be a string")
    return str(value)


def bool_arg(args: dict[str, Any], name: str, default: bool = False) -> bool:
    value = args.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    return str(value).lower() in ("1", "true", "yes")


def int_arg(args: dict[str, Any], name: str, default: int | None = None) -> int | None:
    value = args.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise invalid_argument(name, "must be an integer") from None


def json_arg(args: dict[str, Any], name: str, *, error: str = "invalid_arguments") -> Any:
    """An argument that is JSON: an object in a JSON body, or a JSON-encoded string in a form body."""
    value = args.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, (dict, list)):
        return value
    try:
        return json.loads(str(value))
    except ValueError:
        if error == "invalid_arguments":
            raise invalid_argument(name, "must be valid JSON") from None
        raise SlackApiFailure(error) from None


def csv_arg(args: dict[str, Any], name: str) -> list[str]:
    value = args.get(name)
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [part.strip() for part in str(value).split(",") if part.strip()]
