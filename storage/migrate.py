"""Schema migrations with Alembic: `waslack db upgrade`, and the start-up check that refuses an outdated schema."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from storage.database import create_private_sqlite_file, ensure_sqlite_folder, sync_url

MIGRATIONS = Path(__file__).parent / "migrations"


class SchemaOutdatedError(Exception):
    """The database is not at the schema this code expects."""


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", sync_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` (default: the newest)."""
    ensure_sqlite_folder(url)
    create_private_sqlite_file(url)
    command.upgrade(alembic_config(url), revision)


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def current_revision(url: str) -> str | None:
    create_private_sqlite_file(url)  # connecting would create a missing file with the umask's mode
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def check_schema(url: str) -> None:
    """Raise ``SchemaOutdatedError`` unless the database is at the newest migration."""
    current, head = current_revision(url), head_revision()
    if current != head:
        found = "an empty database" if current is None else f"schema revision {current}"
        raise SchemaOutdatedError(
            f"DATABASE_URL: found {found}, this version of waslack needs {head}; run `waslack db upgrade`"
        )
