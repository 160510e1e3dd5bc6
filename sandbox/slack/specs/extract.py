"""Regenerate ``required_arguments.json`` from Slack's official Web API OpenAPI file.

Usage: ``python -m sandbox.slack.specs.extract <slack_web_openapi_v2_without_examples.json>``.
Only facts are kept (method name → names of its required arguments); the full file stays in ../shared/specs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

OUT = Path(__file__).parent / "required_arguments.json"
SOURCE = "slackapi/slack-api-specs web-api/slack_web_openapi_v2_without_examples.json @ bc08db4"


def extract(spec: dict) -> dict[str, list[str]]:
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


def main(argv: list[str]) -> int:
    spec = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    OUT.write_text(json.dumps({"source": SOURCE, "required": extract(spec)}, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
