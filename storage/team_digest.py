"""What the weekly manager digest reads and keeps: the line managers and their teams, and the
weeks it has already gone out (so the job composes it once a week, not every minute)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage._core import run
from storage.models import AuditLogEntry, Person

SENT = "team_digest.sent"


@dataclass(frozen=True)
class Manager:
    id: int
    staff_id: str
    name: str
    away_until: dt.date | None


async def line_managers(session: AsyncSession) -> dict[int, Manager]:
    """Everyone still here who manages at least one person still here, by person id."""
    member = select(Person.manager_id).where(
        Person.active.is_(True), Person.manager_id.is_not(None)
    )
    query = select(Person.id, Person.staff_id, Person.name, Person.away_until).where(
        Person.active.is_(True), Person.id.in_(member)
    )
    return {row[0]: Manager(*row) for row in await run(session, query)}


async def manages_anyone(session: AsyncSession, person_id: int) -> bool:
    """Whether the person is the line manager of anyone still here."""
    query = select(Person.id).where(Person.active.is_(True), Person.manager_id == person_id)
    return (await run(session, query.limit(1))).first() is not None


async def sent_for(session: AsyncSession, week: str) -> bool:
    query = select(AuditLogEntry.id).where(
        AuditLogEntry.action == SENT, AuditLogEntry.subject == week
    )
    return (await run(session, query)).first() is not None


async def mark_sent(session: AsyncSession, week: str, now: dt.datetime, count: int) -> None:
    session.add(AuditLogEntry(at=now, actor="qabot", action=SENT, subject=week,
                              detail={"managers": count}))  # fmt: skip
