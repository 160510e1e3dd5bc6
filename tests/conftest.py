"""Shared fixtures: database URLs (SQLite always, PostgreSQL when TEST_DATABASE_URL is set)."""

from __future__ import annotations

import os
import uuid
from collections import Counter

import pytest

from storage.testing import postgres_schema_url

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")

DATABASE_KINDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=DATABASE_KINDS)
def database_url(request, tmp_path):
    """A fresh, empty database: a SQLite file, or a private schema in the real PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'waslack.db'}"
        return
    if not TEST_DATABASE_URL:
        pytest.skip("TEST_DATABASE_URL is not set: the PostgreSQL half is skipped (see README, Tests)")
    with postgres_schema_url(TEST_DATABASE_URL, f"t_{uuid.uuid4().hex[:12]}") as url:
        yield url


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    """One line per reason tests were skipped, however many tests it covers (never a silent skip)."""
    reasons: Counter[str] = Counter()
    for report in terminalreporter.stats.get("skipped", []):
        if isinstance(report.longrepr, tuple):
            reasons[str(report.longrepr[2]).removeprefix("Skipped: ")] += 1
    for reason, count in reasons.most_common():
        terminalreporter.write_line(f"skipped {count} {'test' if count == 1 else 'tests'}: {reason}")
