"""A sent template as the candidate's phone shows it: the WABA's template with the send's parameters filled in,
as header, body, footer and buttons (what the console draws, and what a quick-reply tap answers with)."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from .state import MetaWorld, Template

_POSITIONAL = re.compile(r"\{\{\s*(\d+)\s*\}\}")
_NAMED = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")
_MEDIA = {"IMAGE": "image", "VIDEO": "video", "DOCUMENT": "document"}
COPY_CODE_LABEL = "Copy code"  # WhatsApp's own label: COPY_CODE buttons carry no text of their own


def parameter_text(param: dict) -> str:
    """What a text-like parameter shows: its text, or the fallback of a currency or date_time."""
    kind = param.get("type")
    if kind in ("currency", "date_time"):
        return str((param.get(kind) or {}).get("fallback_value", ""))
    if kind == "payload":
        return str(param.get("payload", ""))
    if kind == "coupon_code":
        return str(param.get("coupon_code", ""))
    return str(param.get("text", ""))


def fill(text: str, params: list[dict], parameter_format: str) -> str:
    """``text`` with its ``{{1}}`` (or ``{{name}}``) placeholders replaced by the parameters sent."""
    if parameter_format == "NAMED":
        named = {p.get("parameter_name"): parameter_text(p) for p in params}
        return _NAMED.sub(lambda m: named.get(m.group(1), m.group(0)), text)

    def positional(match: re.Match) -> str:
        index = int(match.group(1)) - 1
        return parameter_text(params[index]) if 0 <= index < len(params) else match.group(0)

    return _POSITIONAL.sub(positional, text)


def _sent_parameters(components: list[dict], kind: str) -> list[dict]:
    found = next((c for c in components if str(c.get("type", "")).lower() == kind), None)
    return list((found or {}).get("parameters") or [])


def _media_name(world: MetaWorld, kind: str, media: dict) -> str:
    """The name a media header shows: the document's filename, the uploaded file's name, or the link's."""
    if media.get("filename"):
        return str(media["filename"])
    if media.get("id"):
        uploaded = world.media.get(str(media["id"]))
        return getattr(uploaded, "filename", None) or f"{kind} {media['id']}"
    path = urlsplit(str(media.get("link", ""))).path
    return unquote(path.rstrip("/").rsplit("/", 1)[-1]) or kind


def _header(world: MetaWorld, template: Template, components: list[dict]) -> dict | None:
    spec = next((c for c in template.components if c.get("type") == "HEADER"), None)
    if spec is None:
        return None
    params = _sent_parameters(components, "header")
    fmt = spec.get("format", "TEXT")
    if fmt in _MEDIA:
        kind = _MEDIA[fmt]
        media = (params[0].get(kind) if params else None) or {}
        return {"type": kind, "name": _media_name(world, kind, media), "link": media.get("link"),
                "caption": media.get("caption")}  # fmt: skip
    if fmt == "TEXT":
        return {"type": "text", "text": fill(spec.get("text", ""), params, template.parameter_format)}
    return {"type": fmt.lower()}  # LOCATION and the like: shown by kind


def _buttons(template: Template, components: list[dict]) -> list[dict]:
    spec = next((c for c in template.components if c.get("type") == "BUTTONS"), None)
    sent = {int(c.get("index", -1)): c.get("parameters") or []
            for c in components if str(c.get("type", "")).lower() == "button"}  # fmt: skip
    out = []
    for index, button in enumerate((spec or {}).get("buttons", [])):
        kind = button.get("type", "")
        params = sent.get(index, [])
        shown: dict = {"index": index, "type": kind, "text": button.get("text") or ""}
        if kind == "QUICK_REPLY":
            # without a payload in the send, Meta's webhook carries the button's text as the payload
            shown["payload"] = parameter_text(params[0]) if params else shown["text"]
        elif kind == "URL":
            shown["url"] = fill(button.get("url", ""), params, "POSITIONAL")
        elif kind == "PHONE_NUMBER":
            shown["phone_number"] = button.get("phone_number", "")
        elif kind == "COPY_CODE":
            shown["text"] = shown["text"] or COPY_CODE_LABEL
            shown["code"] = parameter_text(params[0]) if params else ""
        out.append(shown)
    return out


def find_sent_template(world: MetaWorld, phone_number_id: str, template_object: dict) -> Template | None:
    """The WABA's template a send named (any status: a template paused since still shows as it was sent)."""
    number = world.numbers.get(phone_number_id)
    if number is None or not isinstance(template_object, dict):
        return None
    name = template_object.get("name")
    language = (template_object.get("language") or {}).get("code")
    return next((t for t in world.waba_templates(number.waba_id) if t.name == name and t.language == language),
                None)  # fmt: skip


def render_sent_template(world: MetaWorld, sent: dict) -> dict | None:
    """The template message the candidate sees for a recorded send, or None if its template is gone."""
    template_object = sent.get("template") or {}
    template = find_sent_template(world, sent["phone_number_id"], template_object)
    if template is None:
        return None
    components = template_object.get("components") or []
    body = next((c for c in template.components if c.get("type") == "BODY"), {})
    footer = next((c for c in template.components if c.get("type") == "FOOTER"), None)
    return {
        "name": template.name,
        "language": template.language,
        "category": template.category,
        "header": _header(world, template, components),
        "body": fill(body.get("text", ""), _sent_parameters(components, "body"), template.parameter_format),
        "footer": footer.get("text") if footer else None,
        "buttons": _buttons(template, components),
    }
