import re
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from relay.settings import Settings, SettingsError, load_settings, load_storage_settings

ROOT = Path(__file__).resolve().parents[2]
SECRET = "s3cr3t-value-that-must-not-leak"


def valid_env(**overrides):
    env = {
        "META_APP_ID": "1234", "META_APP_SECRET": SECRET, "META_CONFIG_ID": "cfg",
        "META_WEBHOOK_VERIFY_TOKEN": "verify-" + SECRET, "SLACK_SIGNING_SECRET": "sign-" + SECRET,
        "SLACK_BOT_TOKEN": "xoxb-" + SECRET, "PUBLIC_BASE_URL": "https://relay.example.com/",
        "WASLACK_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    }
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def problems_of(env):
    with pytest.raises(SettingsError) as excinfo:
        load_settings(env, env_file=None)
    return excinfo.value.problems


def test_valid_settings_and_defaults():
    settings = load_settings(valid_env(), env_file=None)
    assert settings.META_API_VERSION == "v24.0"
    assert settings.PUBLIC_BASE_URL == "https://relay.example.com"
    assert settings.webhook_url == "https://relay.example.com/webhooks/whatsapp"
    assert settings.DATABASE_URL.startswith("sqlite:///")
    assert settings.META_GRAPH_URL == "https://graph.facebook.com"
    assert settings.SLACK_API_URL == "https://slack.com/api/"
    assert not settings.slack_oauth_enabled


def test_each_missing_variable_gets_its_own_line():
    problems = problems_of({})
    for name in ("META_APP_ID", "META_APP_SECRET", "META_CONFIG_ID", "META_WEBHOOK_VERIFY_TOKEN",
                 "SLACK_SIGNING_SECRET", "PUBLIC_BASE_URL", "WASLACK_ENCRYPTION_KEYS"):
        assert sum(line.startswith(f"{name}: ") for line in problems) == 1, (name, problems)
    assert all("\n" not in line for line in problems)


@pytest.mark.parametrize(
    ("override", "variable", "fragment"),
    [
        ({"META_API_VERSION": "24"}, "META_API_VERSION", "v24.0"),
        ({"PUBLIC_BASE_URL": "relay.example.com"}, "PUBLIC_BASE_URL", "http(s) URL"),
        ({"WASLACK_ENCRYPTION_KEYS": "not-a-key"}, "WASLACK_ENCRYPTION_KEYS", "not a valid Fernet key"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL", "sqlite"),
        ({"META_APP_SECRET": "   "}, "META_APP_SECRET", "never switched off"),
        ({"SLACK_SIGNING_SECRET": "  "}, "SLACK_SIGNING_SECRET", "never switched off"),
        ({"WASLACK_MODE": "dev"}, "WASLACK_MODE", "production"),
        ({"META_TIMEOUT_SECONDS": "0"}, "META_TIMEOUT_SECONDS", "greater than 0"),
    ],
)
def test_malformed_values_name_the_variable(override, variable, fragment):
    problems = problems_of(valid_env(**override))
    assert len(problems) == 1 and problems[0].startswith(f"{variable}: ") and fragment in problems[0]


def test_slack_mode_must_be_one_or_the_other():
    both = problems_of(valid_env(SLACK_CLIENT_ID="1.2", SLACK_CLIENT_SECRET="x"))
    assert both[0].startswith("SLACK_BOT_TOKEN: ") and "not both" in both[0]
    neither = problems_of(valid_env(SLACK_BOT_TOKEN=None))
    assert "SLACK_CLIENT_ID" in neither[0]
    half = problems_of(valid_env(SLACK_BOT_TOKEN=None, SLACK_CLIENT_ID="1.2"))
    assert half[0].startswith("SLACK_CLIENT_ID: ")
    oauth = load_settings(valid_env(SLACK_BOT_TOKEN=None, SLACK_CLIENT_ID="1.2", SLACK_CLIENT_SECRET="x"),
                          env_file=None)
    assert oauth.slack_oauth_enabled


def test_secrets_never_appear_in_repr_or_errors():
    settings = load_settings(valid_env(), env_file=None)
    assert SECRET not in repr(settings) and SECRET not in str(settings)
    problems = problems_of(valid_env(PUBLIC_BASE_URL="nope", META_API_VERSION="x"))
    assert SECRET not in " ".join(problems)
    assert all(s for s in settings.secret_values)
    assert SECRET in settings.secret_values


def test_env_file_is_read_and_environment_wins(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("\n".join(f"{k}={v}" for k, v in valid_env(META_APP_ID="from-file").items()))
    assert load_settings({}, env_file=env_file).META_APP_ID == "from-file"
    assert load_settings({"META_APP_ID": "from-env"}, env_file=env_file).META_APP_ID == "from-env"


def test_sandbox_mode_trusts_the_simulator_origin_only_in_sandbox():
    production = load_settings(valid_env(META_WEB_URL="http://127.0.0.1:8001"), env_file=None)
    assert production.allowed_signup_origins == ("https://www.facebook.com", "https://web.facebook.com")
    sandbox = load_settings(valid_env(META_WEB_URL="http://127.0.0.1:8001", WASLACK_MODE="sandbox"), env_file=None)
    assert "http://127.0.0.1:8001" in sandbox.allowed_signup_origins


def test_storage_settings_for_db_commands():
    assert load_storage_settings({}, None, need_keys=False).DATABASE_URL.startswith("sqlite")
    with pytest.raises(SettingsError) as excinfo:
        load_storage_settings({"WASLACK_ENCRYPTION_KEYS": "bad"}, None)
    assert excinfo.value.problems[0].startswith("WASLACK_ENCRYPTION_KEYS: ")


def test_env_example_and_readme_document_every_variable():
    example = (ROOT / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"^([A-Z_]+)=", example, flags=re.M))
    assert documented == set(Settings.field_names())
    for name in Settings.field_names():
        assert f"`{name}`" in readme, f"README's configuration table lacks {name}"


def test_every_problem_is_reported_at_once_field_and_cross_field_alike():
    problems = problems_of(valid_env(META_APP_ID=None, META_API_VERSION="24", SLACK_CLIENT_ID="1.2",
                                     PUBLIC_BASE_URL="http://relay.example.com", META_WABA_ID="9"))
    starts = [line.split(":", 1)[0] for line in problems]
    assert starts.count("META_APP_ID") == 1 and starts.count("META_API_VERSION") == 1
    assert any(line.startswith("SLACK_BOT_TOKEN: ") and "not both" in line for line in problems)
    assert any(line.startswith("PUBLIC_BASE_URL: ") and "https" in line for line in problems)
    assert sum(line.startswith("META_WABA_ID: ") for line in problems) == 2
    assert len(problems) == len(set(problems))


def test_plain_http_base_url_only_in_sandbox_mode():
    problems = problems_of(valid_env(PUBLIC_BASE_URL="http://relay.example.com"))
    assert problems == ["PUBLIC_BASE_URL: must be an https:// URL (Slack and Meta call only https); "
                        "plain http is allowed with WASLACK_MODE=sandbox only"]
    sandbox = load_settings(valid_env(PUBLIC_BASE_URL="http://127.0.0.1:8000", WASLACK_MODE="sandbox"), env_file=None)
    assert sandbox.PUBLIC_BASE_URL == "http://127.0.0.1:8000"
    with pytest.raises(ValueError, match="PUBLIC_BASE_URL"):
        Settings.model_validate(valid_env(PUBLIC_BASE_URL="http://relay.example.com"))
