"""Template rules: which template a send names, whether it may be sent, and whether its parameters fit."""

from __future__ import annotations

import re

from .errors import MetaError, invalid_parameter
from .state import MetaWorld, Template, Waba

TEMPLATE_STATUSES = frozenset(
    {
        "APPROVED",
        "PENDING",
        "REJECTED",
        "PAUSED",
        "DISABLED",
        "IN_APPEAL",
        "PENDING_DELETION",
        "DELETED",
        "ARCHIVED",
    }
)
_POSITIONAL = re.compile(r"\{\{\s*(\d+)\s*\}\}")
_NAMED = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")
_MEDIA_HEADERS = {"IMAGE": "image", "VIDEO": "video", "DOCUMENT": "document"}
_BUTTON_SUB_TYPES = {"QUICK_REPLY": "quick_reply", "URL": "url", "COPY_CODE": "copy_code", "FLOW": "flow"}


def find_template(world: MetaWorld, waba: Waba, name: str, language: str) -> Template:
    """The sendable template for (name, language) on the WABA, or 132001 / 132015 / 132016."""
    match = next(
        (t for t in world.waba_templates(waba.id) if t.name == name and t.language == language), None
    )
    if match is None or match.status not in ("APPROVED", "PAUSED", "DISABLED"):
        # Meta only sees approved translations: missing, pending and rejected all read as "does not exist".
        raise MetaError(132001, details=f"template name ({name}) does not exist in {language}")
    if match.status == "PAUSED":
        raise MetaError(132015, details=f"Template {name} ({language}) is paused due to low quality.")
    if match.status == "DISABLED":
        raise MetaError(132016, details=f"Template {name} ({language}) has been disabled.")
    return match


def _placeholders(text: str, parameter_format: str) -> list[str]:
    pattern = _NAMED if parameter_format == "NAMED" else _POSITIONAL
    seen: list[str] = []
    for found in pattern.findall(text or ""):
        if found not in seen:
            seen.append(found)
    return seen


def _component(template: Template, kind: str) -> dict | None:
    return next((c for c in template.components if c.get("type") == kind), None)


def _sent(components: list[dict], kind: str) -> list[dict]:
    return [c for c in components if str(c.get("type", "")).lower() == kind]


def _check_body(template: Template, components: list[dict]) -> None:
    body = _component(template, "BODY") or {}
    expected = _placeholders(body.get("text", ""), template.parameter_format)
    sent_bodies = _sent(components, "body")
    if len(sent_bodies) > 1:
        raise invalid_parameter("Only one body component may be sent.")
    params = sent_bodies[0].get("parameters", []) if sent_bodies else []
    if len(params) != len(expected):
        raise MetaError(
            132000,
            details=f"body: number of localizable_params ({len(params)}) does not match the expected number "
            f"of params ({len(expected)})",
        )
    for index, param in enumerate(params):
        if param.get("type") == "text" and not str(param.get("text", "")).strip():
            raise MetaError(131008, details=f"body parameter {index + 1}: text must not be empty")
    if template.parameter_format == "NAMED":
        names = [p.get("parameter_name") for p in params]
        if sorted(n for n in names if n) != sorted(expected) or None in names:
            raise MetaError(
                132000,
                details=f"body: parameter names {names} do not match the template's named params {expected}",
            )
    elif any("parameter_name" in p for p in params):
        raise invalid_parameter("parameter_name is only valid for templates with parameter_format NAMED.")


def _check_header(template: Template, components: list[dict]) -> None:
    header = _component(template, "HEADER")
    sent = _sent(components, "header")
    params = sent[0].get("parameters", []) if sent else []
    fmt = (header or {}).get("format", "TEXT")
    if header is not None and fmt in _MEDIA_HEADERS:
        wanted = _MEDIA_HEADERS[fmt]
        if len(params) != 1 or params[0].get("type") != wanted:
            raise MetaError(
                132012, details=f"header: format mismatch, expected a {wanted} parameter, got {params}"
            )
        return
    expected = _placeholders((header or {}).get("text", ""), template.parameter_format)
    if len(params) != len(expected):
        raise MetaError(
            132000,
            details=f"header: number of localizable_params ({len(params)}) does not match the expected "
            f"number of params ({len(expected)})",
        )


def _check_buttons(template: Template, components: list[dict]) -> None:
    buttons = (_component(template, "BUTTONS") or {}).get("buttons", [])
    sent = {int(c.get("index", -1)): c for c in _sent(components, "button")}
    for index, component in sent.items():
        if not 0 <= index < len(buttons):
            raise MetaError(132000, details=f"buttons: the template has no button at index {index}")
        wanted = _BUTTON_SUB_TYPES.get(buttons[index]["type"])
        if str(component.get("sub_type", "")).lower() != wanted:
            raise MetaError(
                132012, details=f"buttons: button {index} is {wanted}, not {component.get('sub_type')}"
            )
    for index, button in enumerate(buttons):
        dynamic = button["type"] == "URL" and _POSITIONAL.search(button.get("url", ""))
        if dynamic and index not in sent:
            raise MetaError(
                132000, details=f"buttons: button {index} has a dynamic URL and needs a text parameter"
            )


def check_template_send(world: MetaWorld, waba: Waba, template_object: dict) -> Template:
    """Everything Meta checks about a template send after the schema: existence, status, parameters."""
    template = find_template(world, waba, template_object["name"], template_object["language"]["code"])
    components = template_object.get("components") or []
    _check_header(template, components)
    _check_body(template, components)
    _check_buttons(template, components)
    return template
