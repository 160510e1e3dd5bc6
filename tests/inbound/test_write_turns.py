"""SQLite's one writer, taken in turns in the event loop (acks first), and group commit: measured fixes from
bench.ingest, each checked here for what it promises, never for how fast it is."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from relay.inbound import write_turns
from relay.inbound.group_commit import GroupCommit
from relay.inbound.write_turns import WriteTurns
from storage.database import Database
from storage.migrate import upgrade


@pytest.fixture
async def database(database_url):  # type: ignore[no-untyped-def]
    upgrade(database_url)
    db = Database(database_url)
    yield db
    await db.dispose()


async def test_sqlite_writers_take_turns_and_an_ack_goes_before_waiting_workers(database):
    if not database.is_sqlite:
        pytest.skip("PostgreSQL needs no turns")
    turns = WriteTurns(database)
    order: list[str] = []
    inside = 0
    release = asyncio.Event()

    async def write(name: str, *, urgent: bool = False, hold: asyncio.Event | None = None) -> None:
        nonlocal inside
        async with turns.session(urgent=urgent) as session:
            inside += 1
            assert inside == 1, "two writers at once"
            order.append(name)
            await session.execute(text("SELECT 1"))
            if hold is not None:
                await hold.wait()
            inside -= 1

    first = asyncio.create_task(write("worker 1", hold=release))
    await asyncio.sleep(0.01)
    others = [asyncio.create_task(write("worker 2")), asyncio.create_task(write("worker 3"))]
    await asyncio.sleep(0.01)
    ack = asyncio.create_task(write("ack", urgent=True))
    await asyncio.sleep(0.01)
    assert order == ["worker 1"]
    release.set()
    await asyncio.gather(first, ack, *others)
    assert order == ["worker 1", "ack", "worker 2", "worker 3"]


async def test_a_writer_cancelled_while_waiting_does_not_keep_the_turn(database):
    if not database.is_sqlite:
        pytest.skip("PostgreSQL needs no turns")
    turns = WriteTurns(database)
    release = asyncio.Event()

    async def hold() -> None:
        async with turns.session():
            await release.wait()

    holder = asyncio.create_task(hold())
    await asyncio.sleep(0.01)
    waiter = asyncio.create_task(hold())
    await asyncio.sleep(0.01)
    waiter.cancel()
    release.set()
    await holder
    with pytest.raises(asyncio.CancelledError):
        await waiter
    async with asyncio.timeout(2):
        async with turns.session() as session:  # the turn is free again
            await session.execute(text("SELECT 1"))


async def test_postgres_transactions_run_side_by_side(database):
    if database.is_sqlite:
        pytest.skip("SQLite has one writer")
    turns = WriteTurns(database)
    both_inside = asyncio.Event()
    inside = 0

    async def write() -> None:
        nonlocal inside
        async with turns.session() as session:
            await session.execute(text("SELECT 1"))
            inside += 1
            if inside == 2:
                both_inside.set()
            async with asyncio.timeout(5):
                await both_inside.wait()

    await asyncio.gather(write(), write())


async def test_group_commit_shares_commits_and_answers_each_caller(database):
    commits: list[int] = []

    async def write(session, batch: list[int]) -> list[int]:  # type: ignore[no-untyped-def]
        await session.execute(text("SELECT 1"))
        commits.append(len(batch))
        return [value * 10 for value in batch]

    group: GroupCommit[int, int] = GroupCommit("test", WriteTurns(database), write)
    results = await asyncio.gather(*(group.submit(i) for i in range(50)))
    assert results == [i * 10 for i in range(50)]
    assert sum(commits) == 50 and len(commits) <= 2  # the first caller's commit, then everyone who came meanwhile


async def test_group_commit_failure_reaches_every_caller_of_that_commit_only(database):
    calls = 0

    async def write(session, batch: list[str]) -> list[str]:  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("disk full")
        return batch

    group: GroupCommit[str, str] = GroupCommit("test", WriteTurns(database), write)
    first = asyncio.create_task(group.submit("a"))
    await asyncio.sleep(0)  # "a" starts the first commit alone
    with pytest.raises(RuntimeError, match="disk full"):
        await first
    assert await group.submit("b") == "b"


class FakeTime:
    """The write turns' clock and pauses: a pause moves the clock on and is recorded."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.now = 1000.0
        self.pauses: list[float] = []
        monkeypatch.setattr(write_turns, "clock", lambda: self.now)
        monkeypatch.setattr(write_turns, "pause_for", self.pause)

    async def pause(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.now += seconds


async def hold_turn(turns: WriteTurns, fake: FakeTime, seconds: float, *, urgent: bool = False,
                    acks_meanwhile: int = 0) -> None:
    """A turn held ``seconds``, at the end of which a group commit of ``acks_meanwhile`` acks ran."""
    async with turns.session(urgent=urgent) as session:
        await session.execute(text("SELECT 1"))
        fake.now += seconds
        if acks_meanwhile:
            turns.note_batch(acks_meanwhile)


async def test_without_contending_acks_workers_write_back_to_back(database, monkeypatch):
    fake = FakeTime(monkeypatch)
    turns = WriteTurns(database, worker_share=0.25)
    few = write_turns.CONTENDED_BATCH - 1  # a few acks in one commit: no queue
    await hold_turn(turns, fake, 0.03, acks_meanwhile=few)
    await hold_turn(turns, fake, 0.03, acks_meanwhile=few)
    assert fake.pauses == []


async def test_while_acks_contend_a_workers_turn_is_followed_by_a_pause_for_them(database, monkeypatch):
    fake = FakeTime(monkeypatch)
    turns = WriteTurns(database, worker_share=0.25)
    queued = write_turns.CONTENDED_BATCH
    # a worker held its turn 20 ms while acks queued: it owes them 60 ms at a 25% share
    await hold_turn(turns, fake, 0.02, acks_meanwhile=queued)
    await hold_turn(turns, fake, 0.0, urgent=True, acks_meanwhile=queued)  # an ack never waits
    assert fake.pauses == []
    await hold_turn(turns, fake, 0.0)
    assert sum(fake.pauses) == pytest.approx(0.06)


async def test_a_worker_never_waits_longer_than_the_longest_pause(database, monkeypatch):
    fake = FakeTime(monkeypatch)
    turns = WriteTurns(database, worker_share=0.1)
    await hold_turn(turns, fake, 5.0, acks_meanwhile=500)  # a long turn would owe 45 s
    await hold_turn(turns, fake, 0.0)
    assert 0 < sum(fake.pauses) <= write_turns.MAX_PAUSE


async def test_a_group_commit_of_queued_acks_makes_the_workers_yield(database):
    async def write(session, batch: list[int]) -> list[int]:  # type: ignore[no-untyped-def]
        return batch

    workers = WriteTurns(database)
    await asyncio.gather(*(GroupCommit("worker", workers, write).submit(i) for i in range(50)))
    assert not workers.acks_contending()  # the workers' own commits are no acks
    acks = WriteTurns(database)
    group: GroupCommit[int, int] = GroupCommit("acks", acks, write, urgent=True)
    await asyncio.gather(*(group.submit(i) for i in range(50)))  # the first alone, the other 49 queued behind it
    assert acks.acks_contending()
