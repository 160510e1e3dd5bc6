"""The pace of template sends on a clock we move: even spacing a little under the number's throughput, a
bounded catch-up after a busy moment, each number on its own, and the pair rate per candidate."""

from __future__ import annotations

from relay.template_sends.pacing import HEADROOM, PAIR_RATE_SECONDS, SendPacer
from sandbox.meta.sending import TokenBucket


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _meta_accepts_all(leaves: list[float], rate: float = 80) -> bool:
    """Meta's throughput as the simulator models it: a bucket of one second at ``rate``."""
    bucket = TokenBucket(rate, rate, rate, leaves[0])
    for at in sorted(leaves):
        if not bucket.available(at):
            return False
        bucket.take()
    return True


def test_sends_are_spaced_under_the_throughput_so_meta_never_refuses_one():
    clock = Clock()
    pacer = SendPacer(80, clock=clock)
    leaves = [clock.now + pacer.reserve("N1") for _ in range(400)]
    assert _meta_accepts_all(leaves)
    assert leaves[-1] - leaves[0] <= 400 / (80 * HEADROOM)  # close to the rate: not slower than needed
    for busy in (0.1, 0.5, 2.0):  # after a pause the pace simply goes on
        clock.now = leaves[-1] + busy
        later = [clock.now + pacer.reserve("N1") for _ in range(200)]
        assert _meta_accepts_all(leaves + later)


def test_a_busy_moment_is_not_caught_up_on_in_a_burst_and_numbers_do_not_share_a_pace():
    clock = Clock()
    pacer = SendPacer(80, clock=clock)
    pacer.reserve("N1")
    clock.now += 5  # the process was busy: five seconds of slots went by unused
    immediate = 0
    while pacer.reserve("N1") == 0:
        immediate += 1
    assert immediate == 1  # one now, the next a slot later
    assert pacer.reserve("N2") == 0  # another number is not held up by the first


def test_a_candidate_is_not_sent_to_twice_within_the_pair_rate():
    clock = Clock()
    pacer = SendPacer(80, clock=clock)
    assert pacer.pair_wait("N1", "4915100000001") == 0
    pacer.sent_to("N1", "4915100000001")
    assert pacer.pair_wait("N1", "4915100000001") == PAIR_RATE_SECONDS
    assert pacer.pair_wait("N1", "4915100000002") == 0 and pacer.pair_wait("N2", "4915100000001") == 0
    clock.now += PAIR_RATE_SECONDS
    assert pacer.pair_wait("N1", "4915100000001") == 0


async def test_sends_booked_before_a_stall_do_not_leave_together_when_it_ends():
    clock = Clock()
    pacer = SendPacer(80, clock=clock)
    leaves: list[float] = []

    async def sleep(seconds: float) -> None:  # one in four sleeps overslept: the process was busy
        clock.now += seconds + (1.5 if len(leaves) % 4 == 0 else 0.0)

    for _ in range(300):
        await pacer.wait_turn("N1", sleep)
        leaves.append(clock.now)
    assert _meta_accepts_all(leaves)
    assert all(b - a >= pacer.interval * 0.99 for a, b in zip(leaves, leaves[1:], strict=False))  # never bunched
