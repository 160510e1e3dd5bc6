"""Key rotation, and proof from the raw database that no token or PIN is stored in plain text."""

import sqlite3
from pathlib import Path

from sqlalchemy import create_engine, text

from storage.cipher import TokenCipher, generate_key
from storage.database import sync_url
from storage.models import ENCRYPTED_COLUMNS
from storage.repositories import AccountRepository, InstallationRepository, TenantRepository
from storage.rotation import rotate_keys

BOT_TOKEN = "xoxb-PLAINTEXT-BOT-TOKEN-7781"
BUSINESS_TOKEN = "EAAG-PLAINTEXT-BUSINESS-TOKEN-4410"
PIN = "918273"


async def seed(database, cipher, accounts_count=3):
    async with database.session() as session:
        await InstallationRepository(session, cipher).save(team_id="T1", bot_token=BOT_TOKEN)
        tenant = await TenantRepository(session).get_or_create("T1")
        repo = AccountRepository(session, cipher)
        for i in range(accounts_count):
            account, _ = await repo.upsert(tenant_id=tenant.id, waba_id=f"W{i}", business_token=BUSINESS_TOKEN)
            number = await repo.upsert_number(account, phone_number_id=f"P{i}")
            await repo.save_number(number, pin=PIN)
        await session.commit()


def raw_dump(url) -> str:
    """Every row of every table as text, read around our code."""
    engine = create_engine(sync_url(url))
    chunks = []
    with engine.connect() as connection:
        for table in ("slack_installations", "whatsapp_accounts", "phone_numbers", "tenants", "audit_log"):
            for row in connection.execute(text(f"SELECT * FROM {table}")):
                chunks.append(repr(tuple(row)))
    engine.dispose()
    return "\n".join(chunks)


async def test_no_secret_is_stored_in_plain_text(database, cipher, database_url):
    await seed(database, cipher)
    dump = raw_dump(database_url)
    assert "W0" in dump  # the dump really holds the rows
    for secret in (BOT_TOKEN, BUSINESS_TOKEN, PIN):
        assert secret not in dump
    if database_url.startswith("sqlite:///"):
        # and not in the file's bytes either (e.g. a page left over from a rewrite)
        path = database_url.removeprefix("sqlite:///")
        sqlite3.connect(path).execute("PRAGMA wal_checkpoint(FULL)").close()
        data = Path(path).read_bytes()  # noqa: ASYNC240
        for secret in (BOT_TOKEN, BUSINESS_TOKEN, PIN):
            assert secret.encode() not in data


async def test_rotate_reencrypts_everything_and_can_be_rerun(database, database_url):
    old = generate_key()
    await seed(database, TokenCipher([old]), accounts_count=5)
    new_key = generate_key()
    new_cipher = TokenCipher([new_key, old])
    report = await rotate_keys(database, new_cipher, batch_size=2)
    assert report.rotated == report.examined == 1 + 5 + 5
    again = await rotate_keys(database, new_cipher, batch_size=2)
    assert again.examined == 11 and again.rotated == 0
    only_new = TokenCipher([new_key])
    async with database.session() as session:
        from sqlmodel import select

        for model, column in ENCRYPTED_COLUMNS:
            for row in (await session.exec(select(model))).all():
                value = getattr(row, column)
                assert only_new.decrypt(value) in (BOT_TOKEN, BUSINESS_TOKEN, PIN)


async def test_rotation_resumes_after_an_interruption(database):
    old = generate_key()
    await seed(database, TokenCipher([old]), accounts_count=4)
    new_key = generate_key()
    rotating = TokenCipher([new_key, old])

    class Interrupted(Exception):
        pass

    calls = {"n": 0}
    original = rotating.rotate

    def flaky_rotate(value):
        calls["n"] += 1
        if calls["n"] == 4:
            raise Interrupted
        return original(value)

    rotating.rotate = flaky_rotate
    try:
        await rotate_keys(database, rotating, batch_size=2)
    except Interrupted:
        pass
    rotating.rotate = original
    report = await rotate_keys(database, rotating, batch_size=2)
    assert report.examined == 9 and 0 < report.rotated < 9  # the first batches were kept
    async with database.session() as session:
        from sqlmodel import select

        for model, column in ENCRYPTED_COLUMNS:
            for row in (await session.exec(select(model))).all():
                assert TokenCipher([new_key]).decrypt(getattr(row, column))

