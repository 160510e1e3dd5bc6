"""The vendored extracts of Slack's Web API description cover the simulator and come from the extract script."""

import json
from pathlib import Path

import sandbox.slack
from sandbox.slack.methods import METHODS
from sandbox.slack.specs.extract import extract, extract_responses

SPECS = Path(sandbox.slack.__file__).parent / "specs"


def test_every_method_the_simulator_answers_has_its_response_schema_when_the_spec_knows_it():
    required = json.loads((SPECS / "required_arguments.json").read_text())["required"]
    responses = json.loads((SPECS / "response_schemas.json").read_text())
    assert set(responses["responses"]) == {m for m in METHODS if m in required}
    assert "chat.postMessage" in responses["responses"]
    assert {"objs_message", "objs_conversation", "defs_ts"} <= set(responses["definitions"])


def test_licences_sit_beside_the_vendored_files():
    assert "MIT License" in (SPECS / "LICENSE").read_text()
    assert "MIT License" in (Path(__file__).parents[1] / "relay" / "manifest_schema" / "LICENSE").read_text()


def test_the_extract_keeps_the_closure_of_the_referenced_definitions_and_nothing_else():
    spec = {
        "paths": {
            "/a.b": {"post": {"parameters": [{"name": "token", "required": True}, {"name": "x", "required": True},
                                             {"name": "y"}],
                              "responses": {"200": {"schema": {"$ref": "#/definitions/one"}}}}},
            "/c.d": {"get": {"parameters": [], "responses": {"200": {"schema": {"type": "object"}}}}},
        },
        "definitions": {
            "one": {"properties": {"k": {"items": [{"$ref": "#/definitions/two"}]}}},
            "two": {"type": "string"},
            "unused": {"type": "integer"},
        },
    }
    assert extract(spec) == {"a.b": ["x"], "c.d": []}
    out = extract_responses(spec, ["a.b", "not.in.spec"])
    assert out["responses"] == {"a.b": {"$ref": "#/definitions/one"}}
    assert sorted(out["definitions"]) == ["one", "two"]
