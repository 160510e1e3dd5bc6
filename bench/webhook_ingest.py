"""Webhook ingest: signed Meta POSTs per second the relay acknowledges (signature check on raw bytes, size
limit, JSON parse), beside a bare Starlette endpoint on the same server stack — the machine's ceiling."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
import tempfile

from cryptography.fernet import Fernet

from bench.load import closed_loop, served, wrk_available, wrk_post
from storage.migrate import upgrade

APP_SECRET = secrets.token_hex(16)


def payload(i: int) -> bytes:
    return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{
        "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550001111", "phone_number_id": "106540352242922"},
            "contacts": [{"profile": {"name": "Candidate"}, "wa_id": "212600000001"}],
            "messages": [{"from": "212600000001", "id": f"wamid.BENCH{i}", "timestamp": "1763700000",
                          "type": "text", "text": {"body": "Bonjour, je suis disponible demain à 10h."}}]}}]}]},
    ).encode()


def request_maker():
    counter = iter(range(10**9))

    def make() -> tuple[bytes, dict[str, str]]:
        body = payload(next(counter))
        signature = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
        return body, {"Content-Type": "application/json", "X-Hub-Signature-256": signature}

    return make


def run(seconds: float = 5.0, workers: int = 16) -> dict:
    workdir = tempfile.mkdtemp(prefix="waslack-bench-")
    database_url = f"sqlite:///{workdir}/bench.db"
    upgrade(database_url)
    settings = {
        "META_APP_ID": "1", "META_APP_SECRET": APP_SECRET, "META_CONFIG_ID": "c", "META_WEBHOOK_VERIFY_TOKEN": "v",
        "SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-bench", "PUBLIC_BASE_URL": "https://127.0.0.1",
        "WASLACK_ENCRYPTION_KEYS": Fernet.generate_key().decode(), "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
    }
    def load(url: str) -> dict:
        if wrk_available():  # the same signed body each time: ingest does not dedupe at this layer
            body, headers = request_maker()()
            return wrk_post(url, body, headers, seconds=int(seconds), connections=workers * 2)
        return asyncio.run(closed_loop(url, request_maker(), workers=workers, seconds=seconds))

    with served("bare_app") as url:
        ceiling = load(url + "/webhooks/whatsapp")
    with served("relay_app", {"BENCH_SETTINGS": json.dumps(settings)}) as url:
        relay = load(url + "/webhooks/whatsapp")
    return {
        "benchmark": "webhook_ingest",
        "unit": "signed webhook POSTs acknowledged per second",
        "workers": workers,
        "seconds": seconds,
        "relay": relay,
        "ceiling_bare_starlette": ceiling,
        "ratio_of_ceiling": round(relay["rps"] / ceiling["rps"], 3) if ceiling["rps"] else None,
    }


if __name__ == "__main__":
    print(json.dumps(run()))
