"""A running `waslack serve` never writes a credential from a URL into its log (uvicorn's access lines included)."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
from cryptography.fernet import Fernet

from tests.relay.serve_process import running_serve

ROOT = Path(__file__).resolve().parents[2]

# values a browser, Slack or Meta puts in a query string; none is a configured secret, so only the
# query scrubbing can hide them
IN_URLS = {
    "connect": "/connect?token=linktoken-4711.sig-abcdef",
    "status": "/connect/status?token=statustoken-4712.sig-abcdef",
    "callback": "/connect/callback?code=AQBmetacode-4713&state=oauthstate-4714.sig",
    "oauth_redirect": "/slack/oauth_redirect?code=slackcode-4715.99&state=slackstate-4716",
    "webhook_check": "/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=guessedverify-4717&hub.challenge=31337",
    "retry": "/connect?retry_token=retrytoken-4718&token=second-4719",
}
SECRET_VALUES = ["linktoken-4711", "statustoken-4712", "AQBmetacode-4713", "oauthstate-4714", "slackcode-4715",
                 "slackstate-4716", "guessedverify-4717", "retrytoken-4718", "second-4719"]


def test_serve_logs_requests_without_the_credentials_in_their_query_strings(tmp_path):
    env = {
        "PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "PYTHONPATH": str(ROOT),
        "META_APP_ID": "1234", "META_APP_SECRET": "app-secret-configured", "META_CONFIG_ID": "cfg",
        "META_WEBHOOK_VERIFY_TOKEN": "verify-configured", "SLACK_SIGNING_SECRET": "signing-configured",
        "SLACK_CLIENT_ID": "111.222", "SLACK_CLIENT_SECRET": "client-secret-configured",
        "PUBLIC_BASE_URL": "https://relay.example.com", "WASLACK_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "DATABASE_URL": f"sqlite:///{tmp_path}/waslack.db", "LOG_LEVEL": "INFO",
    }
    command = [sys.executable, "-m", "relay.cli"]
    upgraded = subprocess.run([*command, "db", "upgrade"], env=env, cwd=tmp_path, capture_output=True, timeout=60)
    assert upgraded.returncode == 0, upgraded.stderr
    log_path = tmp_path / "serve.log"
    with running_serve(env, tmp_path, log_path, stop=signal.SIGINT) as base:
        statuses = {name: httpx.get(base + path, timeout=10).status_code for name, path in IN_URLS.items()}
    log = log_path.read_text()
    assert all(status < 500 for status in statuses.values()), (statuses, log)
    # the requests were logged (so the check below looks at real access lines) ...
    for path in ("/connect?token=***", "/connect/status?token=***", "/connect/callback?code=***&state=***",
                 "/slack/oauth_redirect?code=***&state=***", "hub.verify_token=***&hub.challenge=31337"):
        assert path in log, log
    # ... and not one credential from a URL is in the log
    leaked = [value for value in SECRET_VALUES if value in log]
    assert leaked == [], log
