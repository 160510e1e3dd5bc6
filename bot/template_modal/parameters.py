"""What a template needs filled in, derived from its cached components (Meta's template definition), and the
Graph ``components`` of a send built from the values (Meta's template send payload, reference 2.1).

Definition side (``GET /{waba}/message_templates``): HEADER (format TEXT with ``{{1}}`` or ``{{name}}``, or
IMAGE/VIDEO/DOCUMENT), BODY with positional ``{{1}}`` or named ``{{first_name}}`` variables, BUTTONS with URL
buttons whose url ends in ``{{1}}`` (a dynamic suffix), COPY_CODE (a coupon code) and QUICK_REPLY (nothing to
fill). Send side: ``{"type": "header"|"body", "parameters": [...]}`` and ``{"type": "button", "sub_type": "url"|
"copy_code", "index": "<n>", "parameters": [...]}``; named templates add ``parameter_name`` to text parameters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from storage.repositories.templates import ApprovedTemplate

POSITIONAL = re.compile(r"\{\{\s*(\d+)\s*\}\}")
NAMED = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")
MEDIA_FORMATS = {"IMAGE": "image", "VIDEO": "video", "DOCUMENT": "document"}
# Meta refuses text parameters with a newline or tab, or more than four consecutive spaces (error 132018)
FORBIDDEN_WHITESPACE = re.compile(r"[\n\r\t]| {5,}")
HEADER_TEXT_LIMIT = 60  # a whole TEXT header
COUPON_CODE_LIMIT = 15
TEXT_PARAMETER_LIMIT = 1024


@dataclass(frozen=True)
class TemplateInput:
    """One value the recruiter fills in. ``key`` names it in block ids and CSV columns ("body.1",
    "body.first_name", "header.1", "header.media", "button.0", "code.1")."""

    key: str
    part: str  # header_text | header_media | body | button_url | copy_code
    name: str  # the variable: "1", "first_name"; the media kind for header_media
    example: str | None = None
    button_index: int | None = None
    button_text: str | None = None
    url_prefix: str | None = None  # a URL button's fixed part

    @property
    def column_names(self) -> tuple[str, ...]:
        """The CSV column names that fill this input (case-insensitive): the key, and for body variables the
        bare variable name too."""
        names = [self.key]
        if self.part == "body":
            names.append(self.name)
        return tuple(names)


@dataclass(frozen=True)
class TemplateShape:
    template: ApprovedTemplate
    inputs: tuple[TemplateInput, ...]
    unsupported: str | None = None  # a header format the modal cannot fill (LOCATION, ...)

    @property
    def named(self) -> bool:
        return self.template.parameter_format.upper() == "NAMED"


def component(template: ApprovedTemplate, kind: str) -> Mapping[str, Any] | None:
    return next((c for c in template.components if str(c.get("type", "")).upper() == kind), None)


def placeholders(text: str, named: bool) -> list[str]:
    """The variables in ``text`` in first-appearance order, each once."""
    seen: list[str] = []
    for found in (NAMED if named else POSITIONAL).findall(text or ""):
        if found not in seen:
            seen.append(found)
    return seen


def _named_examples(component_: Mapping[str, Any], key: str) -> dict[str, str]:
    found = (component_.get("example") or {}).get(key) or []
    return {str(e.get("param_name")): str(e.get("example")) for e in found if isinstance(e, Mapping)}


def _positional_examples(values: Any) -> list[str]:
    if isinstance(values, list) and values and isinstance(values[0], list):
        values = values[0]
    return [str(v) for v in values] if isinstance(values, list) else []


def _examples(component_: Mapping[str, Any], names: list[str], named: bool, part: str) -> dict[str, str]:
    if named:
        return _named_examples(component_, f"{part}_text_named_params")
    listed = _positional_examples((component_.get("example") or {}).get(f"{part}_text"))
    return {name: listed[i] for i, name in enumerate(names) if i < len(listed)}


def shape_of(template: ApprovedTemplate) -> TemplateShape:
    """Every input the template needs, in the order the candidate reads them: header, body, buttons."""
    named = template.parameter_format.upper() == "NAMED"
    inputs: list[TemplateInput] = []
    unsupported = None
    header = component(template, "HEADER")
    if header is not None:
        fmt = str(header.get("format") or "TEXT").upper()
        if fmt == "TEXT":
            names = placeholders(str(header.get("text") or ""), named)
            examples = _examples(header, names, named, "header")
            inputs += [TemplateInput(f"header.{n}", "header_text", n, examples.get(n)) for n in names]
        elif fmt in MEDIA_FORMATS:
            inputs.append(TemplateInput("header.media", "header_media", MEDIA_FORMATS[fmt]))
        else:
            unsupported = fmt.lower()
    body = component(template, "BODY")
    if body is not None:
        names = placeholders(str(body.get("text") or ""), named)
        examples = _examples(body, names, named, "body")
        inputs += [TemplateInput(f"body.{n}", "body", n, examples.get(n)) for n in names]
    for index, button in enumerate((component(template, "BUTTONS") or {}).get("buttons") or []):
        kind = str(button.get("type", "")).upper()
        if kind == "URL" and POSITIONAL.search(str(button.get("url") or "")):
            url = str(button.get("url"))
            example = (button.get("example") or [None])[0]
            prefix = POSITIONAL.split(url)[0]
            suffix_example = example[len(prefix):] if isinstance(example, str) and example.startswith(prefix) else None
            inputs.append(TemplateInput(f"button.{index}", "button_url", "1", suffix_example, index,
                                        str(button.get("text") or ""), prefix))
        elif kind == "COPY_CODE":
            example = button.get("example")
            inputs.append(TemplateInput(f"code.{index}", "copy_code", "1",
                                        example if isinstance(example, str) else None, index))
    return TemplateShape(template, tuple(inputs), unsupported)


def _otp_button_indexes(template: ApprovedTemplate) -> list[int]:
    """Authentication templates' OTP buttons: Meta wants the code (body {{1}}) again as a url parameter."""
    buttons = (component(template, "BUTTONS") or {}).get("buttons") or []
    return [i for i, b in enumerate(buttons) if str(b.get("type", "")).upper() == "OTP"
            and str(b.get("otp_type", "COPY_CODE")).upper() in ("COPY_CODE", "ONE_TAP")]


def _text(value: str, name: str, named: bool) -> dict[str, Any]:
    parameter: dict[str, Any] = {"type": "text", "text": value}
    if named:
        parameter["parameter_name"] = name
    return parameter


def _media(kind: str, link: str) -> dict[str, Any]:
    media: dict[str, Any] = {"link": link}
    if kind == "document":
        filename = urlsplit(link).path.rsplit("/", 1)[-1]
        if "." in filename:
            media["filename"] = filename
    return {"type": kind, kind: media}


def graph_components(shape: TemplateShape, values: Mapping[str, str]) -> tuple[dict[str, Any], ...]:
    """The send's ``components``, every input taken from ``values`` (by key); components without inputs are
    left out, as Meta expects."""
    header: list[dict[str, Any]] = []
    body: list[dict[str, Any]] = []
    buttons: list[dict[str, Any]] = []
    for item in shape.inputs:
        value = values.get(item.key, "")
        if item.part == "header_text":
            header.append(_text(value, item.name, shape.named))
        elif item.part == "header_media":
            header.append(_media(item.name, value))
        elif item.part == "body":
            body.append(_text(value, item.name, shape.named))
        elif item.part == "button_url":
            buttons.append({"type": "button", "sub_type": "url", "index": str(item.button_index),
                            "parameters": [{"type": "text", "text": value}]})
        elif item.part == "copy_code":
            buttons.append({"type": "button", "sub_type": "copy_code", "index": str(item.button_index),
                            "parameters": [{"type": "coupon_code", "coupon_code": value}]})
    code = next((p["text"] for p in body), None)
    for index in _otp_button_indexes(shape.template):
        if code is not None:
            buttons.append({"type": "button", "sub_type": "url", "index": str(index),
                            "parameters": [{"type": "text", "text": code}]})
    out: list[dict[str, Any]] = []
    if header:
        out.append({"type": "header", "parameters": header})
    if body:
        out.append({"type": "body", "parameters": body})
    out += sorted(buttons, key=lambda b: int(b["index"]))
    return tuple(out)


def value_problem(item: TemplateInput, value: str) -> str | None:
    """Why Meta would refuse ``value`` for ``item`` (a key of bot.template_modal_wording.PARAMETER_PROBLEMS), or
    None. An empty value is "missing"."""
    if not value.strip():
        return "missing"
    if item.part == "header_media":
        parts = urlsplit(value.strip())
        if parts.scheme != "https" or not parts.netloc or " " in value.strip():
            return "not_https"
        return None
    if FORBIDDEN_WHITESPACE.search(value):
        return "whitespace"
    if item.part == "header_text" and len(value) > HEADER_TEXT_LIMIT:
        return "header_too_long"
    if item.part == "copy_code" and len(value) > COUPON_CODE_LIMIT:
        return "code_too_long"
    if item.part == "button_url" and " " in value:
        return "url_space"
    if len(value) > TEXT_PARAMETER_LIMIT:
        return "too_long"
    return None


def problems(shape: TemplateShape, values: Mapping[str, str]) -> dict[str, str]:
    """Each input whose value Meta would refuse: key -> problem."""
    found = {}
    for item in shape.inputs:
        problem = value_problem(item, values.get(item.key, ""))
        if problem:
            found[item.key] = problem
    return found


def find_template(templates: Sequence[ApprovedTemplate], key: str | None) -> ApprovedTemplate | None:
    """The template an option value (``name|language``) names."""
    if not key or "|" not in key:
        return None
    name, language = key.rsplit("|", 1)
    return next((t for t in templates if t.name == name and t.language == language), None)


def template_key(template: ApprovedTemplate) -> str:
    return f"{template.name}|{template.language}"
