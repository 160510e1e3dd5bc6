"""SQLite's one writer, taken in turns in the event loop (acks first), and group commit: measured fixes from
bench.ingest, each checked here for what it promises, never for how fast it is."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

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
