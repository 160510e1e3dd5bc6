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


def serve_env(tmp_path, **overrides):
    env = {
        "META_APP_ID": "1", "META_APP_SECRET": SECRET, "META_CONFIG_ID": "c", "META_WEBHOOK_VERIFY_TOKEN": "v",
        "SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-1", "PUBLIC_BASE_URL": "https://x.example",
        "WASLACK_ENCRYPTION_KEYS": Fernet.generate_key().decode(), "LOG_LEVEL": "INFO",
    }
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def test_serve_in_a_fresh_directory_says_in_one_line_to_run_db_upgrade(tmp_path):
    served = run("serve", env=serve_env(tmp_path), cwd=tmp_path)  # default DATABASE_URL: ./var/waslack.db
    assert served.returncode == 3
    assert served.stderr.splitlines() == [
        "waslack: DATABASE_URL: there is no database at ./var/waslack.db yet; run `waslack db upgrade` to create it"
    ]
    assert not (tmp_path / "var").exists()  # serve creates nothing
    upgraded = run("db", "upgrade", env=serve_env(tmp_path), cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    assert (tmp_path / "var" / "waslack.db").is_file()


def test_serve_on_an_outdated_schema_prints_one_line_and_no_alembic_chatter(tmp_path):
    from storage.migrate import head_revision, upgrade

    url = f"sqlite:///{tmp_path}/db.sqlite"
    upgrade(url, "0001")
    result = run("serve", env=serve_env(tmp_path, DATABASE_URL=url), cwd=tmp_path)
    assert result.returncode == 3
    assert result.stderr.splitlines() == [
        f"waslack: DATABASE_URL: found schema revision 0001, this version of waslack needs {head_revision()}; "
        "run `waslack db upgrade`"
    ]


def test_database_that_cannot_be_opened_is_one_line(tmp_path):
    (tmp_path / "afile").write_text("")
    env = serve_env(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path}/afile/waslack.db")
    upgraded = run("db", "upgrade", env=env, cwd=tmp_path)
    assert upgraded.returncode == 4 and len(upgraded.stderr.splitlines()) == 1, upgraded.stderr
    assert upgraded.stderr.startswith("waslack: DATABASE_URL: cannot create the folder ")
    unreachable = run("serve", env=serve_env(tmp_path, DATABASE_URL="postgresql+psycopg://u:pw-4711@127.0.0.1:9/x"),
                      cwd=tmp_path)
    assert unreachable.returncode == 4 and len(unreachable.stderr.splitlines()) == 1, unreachable.stderr
    assert unreachable.stderr.startswith("waslack: DATABASE_URL: cannot open the database (")
    assert "pw-4711" not in unreachable.stderr


def test_serve_refuses_to_trust_forwarded_headers_from_anyone(tmp_path):
    url = f"sqlite:///{tmp_path}/db.sqlite"
    for value in ("*", "10.0.0.5, *"):
        result = run("serve", "--forwarded-allow-ips", value, env=serve_env(tmp_path, DATABASE_URL=url), cwd=tmp_path)
        assert result.returncode == 2
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("waslack: --forwarded-allow-ips: '*' ")
        assert "proxy" in lines[0]
    # reported together with the settings' problems
    both = run("serve", "--forwarded-allow-ips", "*", env={"META_APP_ID": "1"}, cwd=tmp_path)
    assert both.returncode == 2
    assert "--forwarded-allow-ips" in both.stderr and "META_APP_SECRET: " in both.stderr


def test_serve_refuses_a_plain_http_base_url_outside_sandbox_mode(tmp_path):
    result = run("serve", env=serve_env(tmp_path, PUBLIC_BASE_URL="http://x.example"), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "waslack: PUBLIC_BASE_URL: must be an https:// URL (Slack and Meta call only https); "
        "plain http is allowed with WASLACK_MODE=sandbox only"
    ]


def test_manifest_refuses_plain_http_like_serve():
    result = run("manifest", "--base-url", "http://waslack.example")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("waslack: --base-url must be an https:// URL")
    assert run("manifest", "--base-url", "https://waslack.example").returncode == 0


def test_every_command_has_a_description():
    import argparse

    from relay.cli import build_parser

    def commands(parser, path=()):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    yield (*path, name), sub
                    yield from commands(sub, (*path, name))

    found = dict(commands(build_parser()))
    assert {" ".join(p) for p in found} >= {"serve", "db", "db upgrade", "keys", "keys generate", "keys rotate",
                                             "sandbox", "manifest"}
    assert [" ".join(p) for p, sub in found.items() if not sub.description] == []
    assert "pending Alembic migration" in run("db", "upgrade", "--help").stdout


def test_a_web_only_serve_stores_webhooks_and_leaves_them_for_the_workers_elsewhere(tmp_path):
    """`serve --no-workers` acknowledges (every 200 after its commit) and processes nothing; it says so once."""
    import asyncio
    import json
    import time

    import httpx

    from storage.database import Database
    from storage.repositories.inbox import InboxRepository
    from tests.relay.serve_process import running_serve
    from whatsapp.signature import sign

    env = serve_env(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path}/waslack.db")
    assert run("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
    full_env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "PYTHONPATH": str(ROOT), **env}
    log_path = tmp_path / "serve.log"
    with running_serve(full_env, tmp_path, log_path, "--no-workers") as base:
        body = json.dumps({"object": "whatsapp_business_account", "entry": []}).encode()
        answer = httpx.post(f"{base}/webhooks/whatsapp", content=body,
                            headers={"X-Hub-Signature-256": sign(body, SECRET)}, timeout=10)
        assert answer.status_code == 200
        time.sleep(1.5)  # a worker would have taken it within milliseconds (it is woken by the store)

    async def counts() -> dict[str, int]:
        database = Database(env["DATABASE_URL"])
        try:
            async with database.session() as session:
                return await InboxRepository(session).counts()
        finally:
            await database.dispose()

    assert asyncio.run(counts()) == {"pending": 1}
    assert log_path.read_text().count("--no-workers: webhooks and replies are stored here") == 1
