"""Test support: a private PostgreSQL schema per test, so suites never see each other's rows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

from sqlalchemy import create_engine, text

from storage.database import sync_url


@contextmanager
def postgres_schema_url(base_url: str, schema: str) -> Iterator[str]:
    """Create ``schema`` in the database at ``base_url`` and yield a URL whose search_path is that schema."""
    engine = create_engine(sync_url(base_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base_url else "?"
    try:
        yield f"{base_url}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with engine.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()
