"""Inbound event ids already seen, so a platform's retry never records a tick or answer twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import InboundEvent


def _insert(session: AsyncSession) -> Any:
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


async def first_time(session: AsyncSession, platform: str, event_id: str, now: dt.datetime) -> bool:
    """Record the event; True the first time it is seen, False for any repeat."""
    if not event_id:
        raise ValueError("an inbound event needs an id to be deduplicated")
    statement = (
        _insert(session)(InboundEvent)
        .values(platform=platform, event_id=event_id, received_at=now)
        .on_conflict_do_nothing(index_elements=["platform", "event_id"])
        .returning(InboundEvent.id)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None


async def purge_before(session: AsyncSession, cutoff: dt.datetime) -> int:
    """Forget events received before `cutoff` (platforms stop retrying within minutes)."""
    result = await session.execute(
        delete(InboundEvent)
        .where(InboundEvent.received_at < cutoff)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
