"""Regenerate ``subset.json``: the schemas of Meta's official OpenAPI that the simulator validates against.

Usage: ``python -m sandbox.meta.openapi.extract <business-messaging-api_v23.0.yaml>``. The subset keeps the
closure of the send-message, registration and webhook-payload schemas verbatim (MIT, see LICENSE); the
simulator's deliberate deviations from it live in ``sandbox/meta/strict.py``, not in this file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

ROOTS = (
    "Message",
    "WhatsAppBusinessPhoneNumberRegistrationRequest",
    "WebhookPayload",
    "BaseMessageProperties_1",  # the webhook message base the generator orphaned (see strict.py)
    "ErrorResponse",
)
SOURCE = "facebook/openapi business-messaging-api_v23.0.yaml @ ecba623 (2025-11-21), MIT (see LICENSE)"


def _refs(node: object) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            found.add(ref.rsplit("/", 1)[1])
        mapping = (
            node.get("discriminator", {}).get("mapping", {})
            if isinstance(node.get("discriminator"), dict)
            else {}
        )
        found.update(target.rsplit("/", 1)[1] for target in mapping.values())
        for value in node.values():
            found |= _refs(value)
    elif isinstance(node, list):
        for value in node:
            found |= _refs(value)
    return found


def extract(spec: dict) -> dict:
    """The closure of ROOTS under ``$ref`` and discriminator mappings, as a components-only document."""
    schemas = spec["components"]["schemas"]
    wanted, todo = set(), list(ROOTS)
    while todo:
        name = todo.pop()
        if name in wanted:
            continue
        wanted.add(name)
        todo.extend(_refs(schemas[name]) - wanted)
    return {"_source": SOURCE, "components": {"schemas": {name: schemas[name] for name in sorted(wanted)}}}


def main(argv: list[str]) -> None:
    spec = yaml.load(
        Path(argv[1]).read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    )
    out = Path(__file__).with_name("subset.json")
    out.write_text(json.dumps(extract(spec), indent=1, sort_keys=True, default=str) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv)
