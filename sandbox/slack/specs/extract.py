"""Regenerate ``required_arguments.json`` and ``response_schemas.json`` from Slack's official Web API OpenAPI file.

Usage: ``python -m sandbox.slack.specs.extract <path to slack_web_openapi_v2_without_examples.json>`` (the file
from slackapi/slack-api-specs, see README.md). Only what the simulator and its tests use is kept: every method's
required argument names, and the success-response schema of each method the simulator answers together with
the definitions those schemas reference (verbatim, MIT, see LICENSE).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).parent
REQUIRED_OUT = HERE / "required_arguments.json"
RESPONSES_OUT = HERE / "response_schemas.json"
SOURCE = "slackapi/slack-api-specs web-api/slack_web_openapi_v2_without_examples.json @ bc08db4"
DEFINITION_REF = "#/definitions/"


def extract(spec: dict) -> dict[str, list[str]]:
    """Method name → names of its required arguments (the token excepted: auth checks it)."""
    required: dict[str, list[str]] = {}
    for path, operations in sorted(spec["paths"].items()):
        names = [
            p["name"]
            for op in operations.values()
            for p in op.get("parameters", [])
            if p.get("required") and p["name"] != "token"
        ]
        required[path.lstrip("/")] = list(dict.fromkeys(names))
    return required


def _refs(node: object) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"].removeprefix(DEFINITION_REF)} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_refs(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(value) for value in node))
    return set()


def extract_responses(spec: dict, methods: list[str]) -> dict:
    """The 200 schema of each of ``methods`` the spec describes, plus the closure of their definitions."""
    responses = {}
    for method in sorted(methods):
        operations = spec["paths"].get("/" + method)
        if operations:
            responses[method] = next(iter(operations.values()))["responses"]["200"]["schema"]
    wanted: set[str] = set()
    todo = list(_refs(responses))
    while todo:
        name = todo.pop()
        if name not in wanted:
            wanted.add(name)
            todo.extend(_refs(spec["definitions"][name]) - wanted)
    definitions = {name: spec["definitions"][name] for name in sorted(wanted)}
    return {"source": SOURCE, "responses": responses, "definitions": definitions}


def main(argv: list[str]) -> int:
    """Write both files next to this script from the spec file named on the command line."""
    from sandbox.slack.methods import METHODS

    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    spec = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    REQUIRED_OUT.write_text(json.dumps({"source": SOURCE, "required": extract(spec)}, indent=1, sort_keys=True)
                            + "\n")
    RESPONSES_OUT.write_text(json.dumps(extract_responses(spec, list(METHODS)), indent=1, sort_keys=True) + "\n")
    print(f"wrote {REQUIRED_OUT.name} and {RESPONSES_OUT.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
