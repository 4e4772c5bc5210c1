"""The staff observations track, with what their cadence reads: ASYE start and last observed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage._core import run
from storage.models import AuditLogEntry, Person


@dataclass(frozen=True)
class Staff:
    """One member of staff as observation tracking sees them."""

    id: int
    staff_id: str
    name: str
    role: str
    manager_id: int | None
    away_until: dt.date | None
    active: bool
    asye_start: dt.date | None = None
    last_observed: dt.date | None = None


_STAFF = select(
    Person.id, Person.staff_id, Person.name, Person.role, Person.manager_id, Person.away_until,
    Person.active, Person.asye_start, Person.last_observed,
)  # fmt: skip


async def everyone(session: AsyncSession) -> dict[int, Staff]:
    """Every person, leavers included (a leaver may still sit in someone's line of management)."""
    return {row[0]: Staff(*row) for row in await run(session, _STAFF)}


async def tracking_since(session: AsyncSession) -> dt.datetime | None:
    """When qabot first knew the staff list: the first roster import, if there was one."""
    query = select(func.min(AuditLogEntry.at)).where(AuditLogEntry.action == "roster.imported")
    found: dt.datetime | None = await session.scalar(query)
    return found
