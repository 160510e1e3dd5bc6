"""manifest.yml against Slack's official manifest schema, and against what the code actually uses."""

import copy
import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from relay.manifest import PLACEHOLDER, load_manifest, render_manifest

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_DIR = Path(__file__).parent / "manifest_schema"  # Slack's schema, vendored (see its README.md)


@pytest.fixture(scope="module")
def validator():
    schema = json.loads((SCHEMA_DIR / "manifest.schema.1.0.0.json").read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def test_manifest_is_valid_against_slacks_schema(validator):
    errors = sorted(validator.iter_errors(load_manifest()), key=str)
    assert errors == []


def test_the_validator_accepts_slacks_sample_and_really_rejects_bad_manifests(validator):
    valid = json.loads((SCHEMA_DIR / "manifest.valid.json").read_text())
    assert list(validator.iter_errors(valid)) == []
    invalid = json.loads((SCHEMA_DIR / "manifest.invalid.json").read_text())
    assert list(validator.iter_errors(invalid))
    broken = copy.deepcopy(load_manifest())
    broken["features"]["app_home"]["messages_tab"] = True  # not a key Slack knows
    assert list(validator.iter_errors(broken))


def test_base_url_fills_every_placeholder():
    text = render_manifest("https://waslack.acme.example/")
    assert PLACEHOLDER not in text
    manifest = yaml.safe_load(text)
    base = "https://waslack.acme.example"
    assert manifest["settings"]["event_subscriptions"]["request_url"] == f"{base}/slack/events"
    assert manifest["settings"]["interactivity"]["request_url"] == f"{base}/slack/events"
    assert manifest["oauth_config"]["redirect_urls"] == [f"{base}/slack/oauth_redirect"]
    assert manifest["features"]["slash_commands"][0]["url"] == f"{base}/slack/events"
    with pytest.raises(ValueError):
        render_manifest("waslack.acme.example")


def test_product_features_are_declared():
    manifest = load_manifest()
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/template"]
    shortcut = manifest["features"]["shortcuts"][0]
    assert (shortcut["type"], shortcut["callback_id"]) == ("message", "send_template_from_message")
    assert manifest["oauth_config"].get("scopes", {}).get("user") in (None, [])


def test_every_scope_and_event_is_one_the_code_uses():
    from bot.app import BOT_EVENTS, BOT_SCOPES

    manifest = load_manifest()
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == sorted(BOT_SCOPES)
    assert sorted(manifest["settings"]["event_subscriptions"]["bot_events"]) == sorted(BOT_EVENTS)
    code = "\n".join(p.read_text() for p in (ROOT / "bot").rglob("*.py"))
    for event in BOT_EVENTS:
        assert re.search(rf"""["']{re.escape(event)}["']""", code), f"no listener for {event}"
    # each scope is needed by a Web API method the bot calls
    needs = {
        "chat:write": ["chat_postMessage", "chat_postEphemeral"],
        "commands": ['"/template"'],
        "users:read": ["users_info"],
        "channels:manage": ["conversations_create"],
        "groups:write": ["conversations_create", "conversations_invite"],
        "channels:join": ["conversations_join"],
        "channels:read": ["conversations_info"],
        "groups:read": ["conversations_info"],
        "chat:write.customize": ["icon_emoji="],
        "channels:history": ["conversations_history", "conversations_replies"],
        "groups:history": ["conversations_history", "conversations_replies"],
        "files:write": ["files_upload_v2"],
        "files:read": ["url_private_download"],
        "reactions:write": ["reactions_add", "reactions_remove"],
    }
    for scope in BOT_SCOPES:
        assert scope in needs, f"scope {scope} is not justified by this test's map"
        assert any(call in code for call in needs[scope]), f"{scope} is listed but no code calls {needs[scope]}"
