"""SQLite statements run in the event loop's thread (storage/sqlite_inline.py); what may wait does not: a commit,
and a write that meets another process's lock, which waits in aiosqlite's thread while the loop goes on."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from storage.database import Database


@pytest.fixture
async def database(tmp_path):  # type: ignore[no-untyped-def]
    db = Database(f"sqlite:///{tmp_path}/inline.db")
    async with db.session() as session:
        await session.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"))
        await session.commit()
    yield db
    await db.dispose()


async def raw(session):  # type: ignore[no-untyped-def]
    connection = await (await session.connection()).get_raw_connection()
    return connection.driver_connection


async def test_statements_run_in_the_loops_thread_and_commits_in_aiosqlites(database):
    threads: dict[str, set[int]] = {"statements": set(), "commits": set()}
    async with database.session() as session:
        driver = await raw(session)
        driver._conn.set_trace_callback(lambda sql: threads["commits" if sql == "COMMIT" else "statements"].add(
            threading.get_ident()))
        await session.execute(text("INSERT INTO notes (body) VALUES ('first')"))
        await session.execute(text("SELECT count(*) FROM notes"))
        await session.commit()
        driver._conn.set_trace_callback(None)
    assert threads["statements"] == {threading.get_ident()}
    assert threads["commits"] and threading.get_ident() not in threads["commits"], "the fsync stays off the loop"


async def test_a_write_behind_another_process_lock_waits_without_stopping_the_loop(database, tmp_path):
    other = sqlite3.connect(f"{tmp_path}/inline.db", check_same_thread=False, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock ...
    released = threading.Timer(0.6, lambda: other.execute("COMMIT"))  # ... for 0.6 s
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    beating = asyncio.create_task(ticker())
    started = time.monotonic()
    released.start()
    try:
        async with database.session() as session:
            await session.execute(text("INSERT INTO notes (body) VALUES ('waited')"))
            await session.commit()
    finally:
        beating.cancel()
        released.join()
        other.close()
    waited = time.monotonic() - started
    assert waited >= 0.5, "the insert waited for the lock"
    assert ticks >= 20, f"the loop ran meanwhile ({ticks} ticks in {waited:.2f} s)"
    async with database.session() as session:
        bodies = (await session.execute(text("SELECT body FROM notes"))).scalars().all()
    assert bodies == ["waited"]


async def test_other_sqlite_errors_are_raised_as_they_were(database):
    async with database.session() as session:
        with pytest.raises(OperationalError, match="no such table"):
            await session.execute(text("SELECT * FROM missing"))
