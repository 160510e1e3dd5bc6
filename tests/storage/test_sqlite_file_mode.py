"""The SQLite database holds encrypted tokens and every conversation: its file, and the -wal and -shm files
SQLite adds beside it, are readable by the relay's user only, whatever the umask."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime

import pytest

from storage.database import Database
from storage.migrate import current_revision, upgrade
from storage.repositories import RateLimitRepository


@pytest.fixture
def permissive_umask():
    previous = os.umask(0o002)  # group-writable, world-readable files unless we say otherwise
    yield
    os.umask(previous)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


async def test_the_file_and_its_wal_and_shm_are_0600(tmp_path, permissive_umask):
    path = tmp_path / "var" / "waslack.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    assert mode(path) == 0o600
    database = Database(url)
    try:
        async with database.session() as session:  # a write in WAL mode: -wal and -shm appear
            await RateLimitRepository(session).count_hit("b", datetime(2030, 1, 1, tzinfo=UTC))
            await session.commit()
            wal, shm = path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")
            assert wal.exists() and shm.exists()
            assert (mode(wal), mode(shm)) == (0o600, 0o600)
    finally:
        await database.dispose()


@pytest.mark.parametrize("first_touch", ["engine", "schema check"])
async def test_whoever_touches_a_fresh_database_first_creates_it_0600(tmp_path, permissive_umask, first_touch):
    path = tmp_path / "waslack.db"
    url = f"sqlite:///{path}"
    if first_touch == "engine":
        await Database(url).dispose()
    else:
        assert current_revision(url) is None
    assert mode(path) == 0o600
