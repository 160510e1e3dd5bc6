"""The outbound benchmark cannot rot: it runs in a tiny mode against a real `waslack serve` and says what it
measured. No timing is asserted here: the numbers belong to `python -m bench.outbound` on a quiet machine."""

from __future__ import annotations

import json

from bench.outbound import measure, targets_met


def test_targets_are_reported_not_asserted():
    met = targets_met({"reply_p99_ms": 120, "bulk_msgs_per_s": 70, "bulk_throttled": 0, "duplicates": None})
    assert met == {"reply_p99_ms": True, "bulk_msgs_per_s": False, "bulk_throttled": True, "duplicates": None}


async def test_both_phases_run_in_a_tiny_mode_and_nothing_is_sent_twice():
    result = await measure("sqlite", 2.0, bulk=100, conversations=20, reply_rate=10)
    for key in ("reply_p50_ms", "reply_p99_ms", "bulk_msgs_per_s"):
        assert isinstance(result[key], int | float) and result[key] > 0, (key, result)
    assert result["duplicates"] == 0 and result["bulk_throttled"] == 0
    assert result["detail"]["replies"]["missing"] == 0 and result["detail"]["replies"]["acked"] == 20
    assert result["detail"]["bulk"]["received"] == 100
    assert set(result["targets_met"]) == {"reply_p99_ms", "bulk_msgs_per_s", "bulk_throttled", "duplicates"}
    json.dumps(result)  # one JSON line
