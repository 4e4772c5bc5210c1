"""Shared fixtures: the same storage tests run on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from storage import Sessions, make_engine, make_sessions, upgrade

POSTGRES_URL = os.environ.get("QABOT_TEST_POSTGRES_URL", "")


def _postgres_reachable() -> bool:
    if not POSTGRES_URL:
        return False
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


def pytest_sessionstart(session: pytest.Session) -> None:
    if os.environ.get("CI") == "true" and not _postgres_reachable():
        raise pytest.UsageError(
            "CI=true but PostgreSQL is unreachable at QABOT_TEST_POSTGRES_URL "
            f"({POSTGRES_URL or 'unset'}): the storage tests must run on PostgreSQL too"
        )


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'qabot.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh schema-isolated database on the machine's PostgreSQL."""
    if not _postgres_reachable():
        pytest.skip("PostgreSQL not reachable (set QABOT_TEST_POSTGRES_URL)")
    name = f"qabot_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    base = POSTGRES_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """A migrated, empty database: SQLite and PostgreSQL in turn."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(fixture)
    upgrade(url)
    return url


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[Sessions]:
    engine = make_engine(database_url)
    try:
        yield make_sessions(engine)
    finally:
        await engine.dispose()


@pytest.fixture
async def sqlite_sessions(sqlite_url: str) -> AsyncIterator[Sessions]:
    """SQLite only, for tests of rules rather than of storage."""
    upgrade(sqlite_url)
    engine = make_engine(sqlite_url)
    try:
        yield make_sessions(engine)
    finally:
        await engine.dispose()
