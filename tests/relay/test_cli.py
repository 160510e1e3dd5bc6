"""The `waslack` command as an operator meets it: one clear line per problem, never a traceback."""

import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
SECRET = "cli-secret-value-4711"


def run(*args, env=None, cwd=None):
    base = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp")}
    base.update(env or {})
    return subprocess.run([sys.executable, "-m", "relay.cli", *args], capture_output=True, text=True,
                          env={**base, "PYTHONPATH": str(ROOT)}, cwd=cwd or ROOT, timeout=60)


def test_serve_with_missing_settings_exits_with_one_line_per_variable(tmp_path):
    result = run("serve", env={"META_APP_SECRET": SECRET, "PUBLIC_BASE_URL": "nope"}, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert "Traceback" not in result.stderr
    assert any(line.startswith("waslack: META_APP_ID: ") for line in lines)
    assert any(line.startswith("waslack: PUBLIC_BASE_URL: ") for line in lines)
    assert any(line.startswith("waslack: SLACK_SIGNING_SECRET: ") for line in lines)
    assert SECRET not in result.stderr + result.stdout


def test_serve_refuses_an_outdated_schema(tmp_path):
    env = {
        "META_APP_ID": "1", "META_APP_SECRET": SECRET, "META_CONFIG_ID": "c", "META_WEBHOOK_VERIFY_TOKEN": "v",
        "SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-1", "PUBLIC_BASE_URL": "https://x.example",
        "WASLACK_ENCRYPTION_KEYS": Fernet.generate_key().decode(), "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite",
    }
    result = run("serve", env=env, cwd=tmp_path)
    assert result.returncode == 3
    assert "waslack db upgrade" in result.stderr and "Traceback" not in result.stderr
    assert SECRET not in result.stderr


def test_db_upgrade_then_keys_rotate(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite",
           "WASLACK_ENCRYPTION_KEYS": Fernet.generate_key().decode()}
    upgraded = run("db", "upgrade", env=env, cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "database at revision" in upgraded.stdout
    rotated = run("keys", "rotate", env=env, cwd=tmp_path)
    assert rotated.returncode == 0, rotated.stderr
    assert "examined 0 secrets" in rotated.stdout


def test_keys_rotate_with_a_bad_key_names_the_variable(tmp_path):
    result = run("keys", "rotate", env={"WASLACK_ENCRYPTION_KEYS": "junk," + SECRET}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("waslack: WASLACK_ENCRYPTION_KEYS: ")
    assert SECRET not in result.stderr


def test_keys_generate_prints_a_fernet_key():
    result = run("keys", "generate")
    Fernet(result.stdout.strip().encode())


def test_help_is_useful_for_each_command():
    top = run("--help")
    for command in ("serve", "db", "keys", "sandbox", "manifest"):
        assert command in top.stdout
    assert "--scenario" in run("sandbox", "--help").stdout
    assert "--base-url" in run("manifest", "--help").stdout
    assert "rotate" in run("keys", "--help").stdout
