"""The migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, select

from storage import Sessions, upgrade
from storage.database import sync_url
from storage.models import AuditLogEntry, Base


def test_migrations_match_models(empty_database_url: str) -> None:
    """Alembic itself, from nothing to the newest revision (other tests copy a template)."""
    upgrade(empty_database_url)
    engine = create_engine(sync_url(empty_database_url))
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert diff == []


async def test_aware_datetimes_round_trip_as_utc(sessions: Sessions) -> None:
    london = dt.timezone(dt.timedelta(hours=1))
    at = dt.datetime(2027, 6, 1, 10, 0, tzinfo=london)
    async with sessions.begin() as session:
        session.add(AuditLogEntry(at=at, actor="S0001", action="test", detail={"n": 1}))
    async with sessions() as session:
        entry = (await session.execute(select(AuditLogEntry))).scalar_one()
    assert entry.at == at
    assert entry.at.tzinfo == dt.UTC
