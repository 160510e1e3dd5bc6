"""Request validation against Meta's official OpenAPI (a vendored subset, openapi/subset.json).

The spec is generated: its Message branches combine ``allOf`` parts that each forbid extra keys, so the
simulator validates the type-specific object (``text``, ``template``, ...) against the schema its branch
gives it and checks the envelope's keys itself. Discriminators are turned into if/then dispatch so that
template components and parameters are checked against their concrete schemas. Where the spec is stricter
or looser than the live API as the reference documents it, ``_apply_exceptions`` says so, one by one.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from .errors import MetaError, unexpected_key

BASE = "urn:meta:business-messaging-api:v23.0"
SUBSET = Path(__file__).parent / "openapi" / "subset.json"
# Schemas whose discriminator must pick the concrete schema (jsonschema ignores `discriminator`).
DISPATCHED = ("TemplateComponent", "ParameterObject", "ButtonParameterObject")
ENVELOPE_EXTRAS = {"biz_opaque_callback_data", "recipient"}  # reference 2.1 / 2.8, absent from the spec


def _apply_exceptions(schemas: dict) -> None:
    """Deliberate deviations from the spec, each following Meta's Cloud API documentation."""
    # 1. The spec requires template.language.policy (long deprecated); reference 2.1 sends {"code"} only.
    schemas["LanguageObject"]["required"] = ["code"]
    # 2. The spec types latitude/longitude as strings; reference 2.1 (and the live API) send numbers.
    location = schemas["LocationMessage"]["allOf"][1]["properties"]["location"]
    for key in ("latitude", "longitude"):
        location["properties"][key] = {"type": ["number", "string"]}
    location["required"] = ["latitude", "longitude"]  # the live API needs both; the spec requires neither
    # 3. The spec's button index pattern `^[2-6, 11-14]$` is a malformed character class that rejects "0";
    #    reference 2.1 sends "index": "0" and Meta's own examples send the integer 0.
    index = {
        "anyOf": [{"type": "string", "pattern": "^[0-9]$"}, {"type": "integer", "minimum": 0, "maximum": 9}]
    }
    schemas["TemplateComponent"]["properties"]["index"] = index
    schemas["ButtonComponent"]["allOf"][1]["properties"]["index"] = index
    # 4. sub_type is case-insensitive in practice (the spec's own catalog example sends "CATALOG").
    sub_types = ["quick_reply", "url", "catalog", "copy_code", "flow"]
    sub_type = {"type": "string", "enum": sub_types + [s.upper() for s in sub_types]}
    schemas["TemplateComponent"]["properties"]["sub_type"] = sub_type
    schemas["ButtonComponent"]["allOf"][1]["properties"]["sub_type"] = sub_type
    # 5. The spec does not require text.body; the live API does ("The parameter text['body'] is required").
    schemas["TextMessage"]["allOf"][1]["properties"]["text"]["required"] = ["body"]
    # 6. A reaction needs the message it reacts to and an emoji ("" removes it) per reference 2.1.
    schemas["ReactionMessage"]["allOf"][1]["properties"]["reaction"]["required"] = ["message_id", "emoji"]
    # 7. A copy-code (coupon) button takes {"type": "coupon_code", "coupon_code": "..."}, at most 15 characters,
    #    as Meta's coupon-code template guide sends it; the spec lists only payload and text parameters.
    buttons = schemas["ButtonParameterObject"]
    buttons["properties"]["type"]["enum"] = [*buttons["properties"]["type"]["enum"], "coupon_code"]
    buttons["discriminator"]["mapping"]["coupon_code"] = "#/components/schemas/ButtonCouponCodeParameter"
    schemas["ButtonCouponCodeParameter"] = {"allOf": [
        {"$ref": "#/components/schemas/ButtonParameterObject"},
        {"type": "object", "required": ["coupon_code"], "properties": {
            "type": {"enum": ["coupon_code"]}, "coupon_code": {"type": "string", "minLength": 1, "maxLength": 15}}},
    ]}


# Webhook message types whose own schema the generator lost to a same-named send schema, with the fields
# reference 3.5 documents as always present.
_LOST_WEBHOOK_TYPES = {
    "text": ["body"],
    "image": ["mime_type", "sha256", "id"],
    "video": ["mime_type", "sha256", "id"],
    "audio": ["mime_type", "sha256", "id"],
    "document": ["mime_type", "sha256", "id"],
    "sticker": ["mime_type", "sha256", "id"],
    "location": ["latitude", "longitude"],
    "reaction": ["message_id"],
}
_KEPT_WEBHOOK_TYPES = {
    "button": "ButtonMessage",
    "contacts": "ContactSharingMessage",
    "interactive": "InteractiveMessageReply",
    "order": "OrderMessage",
    "system": "SystemMessage",
    "unsupported": "UnsupportedMessage",
}


def _repair_webhook_schemas(schemas: dict) -> None:
    """The spec merged same-named send and webhook schemas, so its own webhook examples fail it. Repair:

    incoming message schemas extend the webhook base (``BaseMessageProperties_1``: from, id, timestamp)
    instead of the send base; ``IncomingMessage`` dispatches on ``type`` to webhook schemas (reference 3.5
    where the spec lost them); unsupported-message errors use the webhook error shape; statuses accept
    ``played`` (reference 3.6) and interactive replies ``nfm_reply`` (3.5).
    """
    base = {"$ref": "#/components/schemas/BaseMessageProperties_1"}
    for name in _KEPT_WEBHOOK_TYPES.values():
        schemas[name]["allOf"][0] = dict(base)
    schemas["UnsupportedMessage"]["allOf"][1]["properties"]["errors"]["items"] = {
        "$ref": "#/components/schemas/StatusError"
    }
    branches = []
    for kind, required in _LOST_WEBHOOK_TYPES.items():
        part = {"required": ["type", kind], "properties": {kind: {"type": "object", "required": required}}}
        branches.append({"if": _type_is(kind), "then": {"allOf": [dict(base), part]}})
    for kind, name in _KEPT_WEBHOOK_TYPES.items():
        branches.append({"if": _type_is(kind), "then": {"$ref": f"#/components/schemas/{name}"}})
    kinds = [*_LOST_WEBHOOK_TYPES, *_KEPT_WEBHOOK_TYPES]
    schemas["IncomingMessage"] = {
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"enum": kinds}},
        "allOf": branches,
    }
    # Shared contact cards use the send-side ContactObject, whose phone types (HOME|WORK) reject the
    # webhook's MOBILE, CELL, ... (the spec's own example fails); webhook cards are not specified further.
    schemas["ContactSharingMessage"]["allOf"][1]["properties"]["contacts"]["items"] = {"type": "object"}
    schemas["Statuses"]["properties"]["status"]["enum"].append("played")
    reply = schemas["InteractiveMessageReply"]["allOf"][1]["properties"]["interactive"]
    reply["properties"]["type"]["enum"].append("nfm_reply")  # Flows replies (reference 3.5)


def _type_is(kind: str) -> dict:
    return {"properties": {"type": {"const": kind}}, "required": ["type"]}


def _dispatch(schemas: dict) -> None:
    """Add ``<Name>__dispatch`` schemas and point every non-allOf reference to them."""
    for name in DISPATCHED:
        discriminator = schemas[name]["discriminator"]
        prop = discriminator["propertyName"]
        branches = [
            {"if": {"properties": {prop: {"const": value}}, "required": [prop]}, "then": {"$ref": target}}
            for value, target in discriminator["mapping"].items()
        ]
        schemas[f"{name}__dispatch"] = {"allOf": [{"$ref": f"#/components/schemas/{name}"}, *branches]}

    targets = {
        f"#/components/schemas/{name}": f"#/components/schemas/{name}__dispatch" for name in DISPATCHED
    }

    def walk(node: object, in_all_of: bool = False) -> None:
        if isinstance(node, dict):
            if not in_all_of and node.get("$ref") in targets:
                node["$ref"] = targets[node["$ref"]]
            for key, value in node.items():
                if key == "allOf" and isinstance(value, list):
                    for item in value:
                        walk(item, in_all_of=True)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for name, schema in schemas.items():
        if not name.endswith("__dispatch"):
            walk(schema)


@cache
def _document() -> dict:
    raw = json.loads(SUBSET.read_text(encoding="utf-8"))
    schemas = copy.deepcopy(raw["components"]["schemas"])
    _apply_exceptions(schemas)
    _repair_webhook_schemas(schemas)
    _dispatch(schemas)
    return {"components": {"schemas": schemas}}


@cache
def _registry() -> Registry:
    return Registry().with_resource(BASE, Resource(contents=_document(), specification=DRAFT202012))


@cache
def _validator(pointer: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": f"{BASE}#{pointer}"}, registry=_registry())


def schemas() -> dict:
    """The patched component schemas (read-only use)."""
    return _document()["components"]["schemas"]


@cache
def message_branches() -> dict[str, str]:
    """Message type -> the name of its branch schema (TextMessage, TemplateMessage, ...)."""
    mapping = schemas()["Message"]["discriminator"]["mapping"]
    return {kind: target.rsplit("/", 1)[1] for kind, target in mapping.items()}


@cache
def envelope_keys(kind: str) -> frozenset[str]:
    """Top-level keys a message of this type may carry."""
    base = schemas()["BaseMessageProperties"]["properties"]
    branch = schemas()[message_branches()[kind]]["allOf"][1]["properties"]
    return frozenset(base) | frozenset(branch) | ENVELOPE_EXTRAS


def _path(root: str, error: ValidationError) -> str:
    return root + "".join(f"[{p}]" if isinstance(p, int) else f"['{p}']" for p in error.absolute_path)


def _to_meta_error(root: str, error: ValidationError) -> MetaError:
    where = _path(root, error)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - allowed)
        return unexpected_key(extra[0] if extra else "?", where)
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = next((k for k in error.validator_value if k not in error.instance), "?")
        return MetaError(
            100,
            f"(#100) The parameter {where}['{missing}'] is required.",
            details=f"{where}['{missing}'] is required",
        )
    return MetaError(100, details=f"Param {where} is invalid: {error.message}")


def validate(pointer: str, instance: object, root: str) -> None:
    """Raise Meta's code-100 error for the most relevant schema violation, if any."""
    error = best_match(_validator(pointer).iter_errors(instance))
    if error is not None:
        raise _to_meta_error(root, error)


def check_message_object(kind: str, value: object) -> None:
    """Validate ``body[kind]`` against the schema the spec's ``<Kind>Message`` branch gives it."""
    branch = message_branches()[kind]
    validate(f"/components/schemas/{branch}/allOf/1/properties/{kind}", value, kind)


def check_registration(body: dict) -> None:
    """``POST /{pnid}/register`` body: the spec's schema, and no keys beyond it."""
    schema = schemas()["WhatsAppBusinessPhoneNumberRegistrationRequest"]
    for key in body:
        if key not in schema["properties"]:
            raise unexpected_key(key, "")
    validate("/components/schemas/WhatsAppBusinessPhoneNumberRegistrationRequest", body, "")


def webhook_payload_errors(payload: dict) -> list[str]:
    """Violations of the spec's WebhookPayload schema (for tests checking what the simulator sends)."""
    return [e.message for e in _validator("/components/schemas/WebhookPayload").iter_errors(payload)]
