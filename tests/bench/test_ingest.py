"""The ingest benchmark cannot rot: its pieces run in a tiny mode and say what they measured. No timing is
asserted here: the numbers belong to `python -m bench.ingest` on a quiet machine."""

from __future__ import annotations

import json

import pytest
from cryptography.fernet import Fernet

from bench.bursts import burst_floor
from bench.ingest import measure, targets_met
from bench.load import drive, free_port, parse_wrk, wrk_available
from bench.processes import ceiling_command, serving
from bench.traffic import Candidate, signed_messages
from relay.runtime import build_relay
from relay.settings import load_settings
from whatsapp.signature import verify_signature

# wrk 4.1's report for `--latency`, the lines parse_wrk reads
WRK_REPORT = """Running 10s test @ http://127.0.0.1:8000/webhooks/whatsapp
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.21ms  512.00us  19.80ms   91.20%
    Req/Sec    19.95k     1.02k   21.30k    80.00%
  Latency Distribution
     50%    3.10ms
     75%    3.40ms
     90%    3.80ms
     99%    1.20s
  198512 requests in 10.00s, 28.97MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:  19851.20
Transfer/sec:      2.90MB
"""


def test_wrk_report_is_read_in_milliseconds_with_every_kind_of_error():
    assert parse_wrk(WRK_REPORT) == {"rps": 19851.2, "requests": 198512, "errors": 7, "p50_ms": 3.1,
                                     "p99_ms": 1200.0, "generator": "wrk"}


def test_burst_floor_comes_from_the_simulators_per_channel_limit_or_says_why_not():
    assert burst_floor({"enabled": True, "per_channel_per_second": 1.0, "burst": 3}, 66) == (63.0, None)
    assert burst_floor({"enabled": True, "per_channel_per_second": 2.0, "burst": 1}, 5) == (2.0, None)
    floor, reason = burst_floor(None, 66)
    assert floor is None and "no rate-limit configuration" in reason
    floor, reason = burst_floor({"enabled": True, "tiers": True}, 66)
    assert floor is None and "no per-channel chat.postMessage limit" in reason


def test_bodies_are_signed_unique_one_line_meta_payloads():
    people = [Candidate("106540352242922", "C1", "212600000001", "Ana"), Candidate("106540352242922", "C1",
                                                                                    "212600000002", "Bo")]
    bodies = signed_messages(people, 3, "secret", tag="T")
    assert len(bodies) == 6
    texts = []
    for body, signature in bodies:
        assert b"\n" not in body and verify_signature(body, signature, "secret")
        change = json.loads(body)["entry"][0]["changes"][0]["value"]
        texts.append(change["messages"][0]["text"]["body"])
    assert len(set(texts)) == 6 and texts[0] == "T c0000 m000000" and texts[1] == "T c0001 m000000"


def test_targets_are_reported_not_asserted():
    met = targets_met({"ratio": 0.7, "p99_ms": 80, "e2e_msgs_per_s": None, "e2e_p99_ms": 100, "rss_mb": 150,
                       "burst_s": 70, "burst_floor_s": 63})
    assert met == {"ratio": True, "p99_ms": False, "e2e_msgs_per_s": None, "e2e_p99_ms": True, "rss_mb": True,
                   "burst_s": True}


def test_channel_pacing_switch_reaches_the_outbox_worker(tmp_path):
    base = {"META_APP_ID": "1", "META_APP_SECRET": "s", "META_CONFIG_ID": "c", "META_WEBHOOK_VERIFY_TOKEN": "v",
            "SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-1", "PUBLIC_BASE_URL": "https://relay.example",
            "WASLACK_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}"}
    paced = build_relay(load_settings(base, env_file=None), run_jobs=False)
    unpaced = build_relay(load_settings({**base, "SLACK_CHANNEL_PACING": "off"}, env_file=None), run_jobs=False)
    assert paced.inbound.outbox_worker.pacer.rate == 1.0
    assert unpaced.inbound.outbox_worker.pacer.rate is None


@pytest.mark.skipif(not wrk_available(), reason="Debian's wrk is not installed")
async def test_wrk_sends_every_body_in_turn_to_the_bare_ceiling():
    port = free_port()
    people = [Candidate("1", "C1", "212600000001", "Ana")]
    async with serving(ceiling_command(port), port, None, ready_path="/readyz") as bare:
        result = await drive(f"{bare.url}/webhooks/whatsapp", signed_messages(people, 5, "s", tag="W"),
                             seconds=1, connections=4, use_wrk=True)
    assert result["generator"] == "wrk" and result["errors"] == 0 and result["requests"] > 5


async def test_every_phase_runs_in_a_tiny_mode_with_the_python_generator():
    result = await measure("sqlite", 1.0, use_wrk=False, connections=4, numbers=2, conversations=4,
                           latency_rate=20, burst_candidates=2, burst_per_candidate=2)
    for key in ("acks_per_s", "p50_ms", "p99_ms", "ceiling_acks_per_s", "ratio", "e2e_msgs_per_s", "e2e_p50_ms",
                "e2e_p99_ms", "burst_s", "rss_mb", "web_only_acks_per_s", "web_only_p99_ms", "web_only_ratio"):
        assert isinstance(result[key], int | float) and result[key] > 0, (key, result)
    acks = result["detail"]["acks"]
    assert result["generator"] == "python" and acks["errors"] == 0
    assert acks["mirrored"] >= acks["requests"] and acks["duplicates"] == 0  # in-flight ones may land too
    assert result["detail"]["latency"]["missing"] == 0 and result["detail"]["web_only"]["errors"] == 0
    # 2 candidates × (2 replies + 1 thread parent) at the simulator's 1/s with a burst of 3
    assert result["burst_posts"] == 6 and result["burst_floor_s"] == 3.0 and result["burst_in_order"] is True
    assert set(result["targets_met"]) == {"ratio", "p99_ms", "e2e_msgs_per_s", "e2e_p99_ms", "rss_mb", "burst_s"}
    json.dumps(result)  # one JSON line
