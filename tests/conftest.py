"""Shared fixtures: the same storage tests run on SQLite and on PostgreSQL.

Alembic runs once per session on each engine, into a template; every test gets its own copy of
it (a file copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL), which costs a fraction
of migrating again. tests/storage/test_migrations.py still migrates empty databases itself.
"""

from __future__ import annotations

import functools
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from storage import Sessions, make_engine, make_sessions, upgrade

POSTGRES_URL = os.environ.get("QABOT_TEST_POSTGRES_URL", "")


@functools.cache
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


def _database_at(name: str) -> str:
    return f"{POSTGRES_URL.rsplit('/', 1)[0]}/{name}"


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Engine]:
    """One connection pool for creating and dropping the session's databases."""
    if not _postgres_reachable():
        pytest.skip("PostgreSQL not reachable (set QABOT_TEST_POSTGRES_URL)")
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    yield admin
    admin.dispose()


@pytest.fixture(scope="session")
def postgres_template(postgres_admin: Engine) -> Iterator[str]:
    """A database migrated once for the session, copied for each test.

    CREATE DATABASE ... TEMPLATE needs nobody connected to the template: upgrade() disposes
    its engine, and nothing else here ever connects to it.
    """
    name = f"qabot_template_{uuid.uuid4().hex[:12]}"
    with postgres_admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        upgrade(_database_at(name))
        yield name
    finally:
        with postgres_admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _postgres_database(admin: Engine, template: str | None) -> Iterator[str]:
    name = f"qabot_test_{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    try:
        yield _database_at(name)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def postgres_url(postgres_admin: Engine) -> Iterator[str]:
    """A fresh, empty (not migrated) database on the machine's PostgreSQL."""
    yield from _postgres_database(postgres_admin, None)


@pytest.fixture
def migrated_postgres_url(postgres_admin: Engine, postgres_template: str) -> Iterator[str]:
    """A fresh database with the newest schema, copied from the session's template."""
    yield from _postgres_database(postgres_admin, postgres_template)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh, empty (not migrated) SQLite file."""
    return f"sqlite:///{tmp_path / 'qabot.db'}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once for the session (no WAL: the one file is the whole database)."""
    path = tmp_path_factory.mktemp("template") / "qabot.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def migrated_sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """A fresh SQLite file with the newest schema, copied from the session's template."""
    path = tmp_path / "qabot.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


ENGINES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest) -> str:
    """A migrated, empty database: SQLite and PostgreSQL in turn."""
    fixture = "migrated_sqlite_url" if request.param == "sqlite" else "migrated_postgres_url"
    url: str = request.getfixturevalue(fixture)
    return url


@pytest.fixture(params=ENGINES)
def empty_database_url(request: pytest.FixtureRequest) -> str:
    """An empty database with no schema at all: SQLite and PostgreSQL in turn."""
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[Sessions]:
    engine = make_engine(database_url)
    try:
        yield make_sessions(engine)
    finally:
        await engine.dispose()


@pytest.fixture
async def sqlite_sessions(migrated_sqlite_url: str) -> AsyncIterator[Sessions]:
    """SQLite only, for tests of rules rather than of storage."""
    engine = make_engine(migrated_sqlite_url)
    try:
        yield make_sessions(engine)
    finally:
        await engine.dispose()
