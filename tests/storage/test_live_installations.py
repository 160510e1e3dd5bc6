"""The bot token cache every Slack event and write reads through: a query per token at most every few seconds,
never a revoked token after this process revoked it, and a fresh install seen at once."""

from __future__ import annotations

from storage.repositories.installations import InstallationRepository, LiveInstallations


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def save(database, cipher, token: str) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        await InstallationRepository(session, cipher).save(team_id="T1", bot_token=token, bot_user_id="UBOT")
        await session.commit()


async def revoke(database, cipher) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        await InstallationRepository(session, cipher).revoke("T1")
        await session.commit()


async def test_a_token_is_read_once_per_ttl_and_again_after_it(database, cipher):
    clock = Clock()
    live = LiveInstallations(database, cipher, ttl=10.0, clock=clock)
    await save(database, cipher, "xoxb-1")
    assert (await live.find("T1"))[1] == "xoxb-1"  # type: ignore[index]
    await save(database, cipher, "xoxb-2")  # another instance reinstalled
    clock.now += 5
    assert (await live.find("T1"))[1] == "xoxb-1"  # type: ignore[index]  (within the ttl: not read again)
    clock.now += 6
    assert (await live.find("T1"))[1] == "xoxb-2"  # type: ignore[index]


async def test_forget_drops_a_revoked_token_at_once(database, cipher):
    live = LiveInstallations(database, cipher, ttl=10.0, clock=Clock())
    await save(database, cipher, "xoxb-1")
    assert await live.find("T1") is not None
    await revoke(database, cipher)
    live.forget("T1")
    assert await live.find("T1") is None


async def test_a_workspace_without_an_installation_is_looked_up_every_time(database, cipher):
    live = LiveInstallations(database, cipher, ttl=10.0, clock=Clock())
    assert await live.find("T1") is None
    await save(database, cipher, "xoxb-1")  # installed just now
    assert (await live.find("T1"))[1] == "xoxb-1"  # type: ignore[index]


async def test_a_read_that_raced_a_forget_is_not_kept(database, cipher, monkeypatch):
    live = LiveInstallations(database, cipher, ttl=10.0, clock=Clock())
    await save(database, cipher, "xoxb-1")
    find = InstallationRepository.find

    async def slow_find(self, team_id):  # type: ignore[no-untyped-def]
        row = await find(self, team_id)
        live.forget(team_id)  # revoked (and forgotten) while this read was under way
        return row

    monkeypatch.setattr(InstallationRepository, "find", slow_find)
    assert await live.find("T1") is not None  # this caller still gets what it read
    monkeypatch.setattr(InstallationRepository, "find", find)
    await revoke(database, cipher)
    assert await live.find("T1") is None  # but it was not kept for the next one
