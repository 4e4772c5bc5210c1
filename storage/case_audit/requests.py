"""Audit follow-ups still waiting for an answer: reflections not yet shared, moderations not done.

Read in bulk for the reminder sweep, a fixed number of queries however many are open.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage._core import run
from storage.case_audit.people import PersonRef
from storage.models import AuditRecord, Moderation, Person, Reflection


@dataclass(frozen=True)
class OpenModeration:
    """A moderation asked of an active moderator and not yet saved."""

    id: int
    allocation_id: int
    grade: str
    requested_at: dt.datetime
    moderator: PersonRef


async def recorded_since(
    session: AsyncSession, since: dt.datetime | None
) -> dict[int, dt.datetime]:
    """When each audit recorded at or after `since` (None: ever) was recorded, by allocation id."""
    query = select(AuditRecord.allocation_id, AuditRecord.recorded_at)
    if since is not None:
        query = query.where(AuditRecord.recorded_at >= since)
    return {row[0]: row[1] for row in (await run(session, query)).all()}


async def recorded_at(session: AsyncSession, allocation_id: int) -> dt.datetime | None:
    """When this allocation's audit was recorded; None while it is not."""
    query = select(AuditRecord.recorded_at).where(AuditRecord.allocation_id == allocation_id)
    found: dt.datetime | None = (await run(session, query)).scalar()
    return found


async def reflected(session: AsyncSession, allocation_ids: Collection[int]) -> set[tuple[int, int]]:
    """(allocation id, person id) for each person who has saved reflections on these audits."""
    if not allocation_ids:
        return set()
    query = (
        select(Reflection.allocation_id, Reflection.person_id)
        .where(Reflection.allocation_id.in_(list(allocation_ids)))
        .distinct()
    )
    return {(row[0], row[1]) for row in (await run(session, query)).all()}


async def open_moderations(
    session: AsyncSession, since: dt.datetime | None
) -> list[OpenModeration]:
    """Moderations requested at or after `since` (None: ever), not yet saved, whose moderator is
    active."""
    query = (
        select(
            Moderation.id, AuditRecord.allocation_id, AuditRecord.grade, Moderation.requested_at,
            Person.id, Person.staff_id, Person.name, Person.role, Person.manager_id,
            Person.away_until,
        )
        .join(AuditRecord, Moderation.audit_record_id == AuditRecord.id)
        .join(Person, Moderation.moderator_id == Person.id)
        .where(Moderation.completed_at.is_(None), Person.active.is_(True))
        .order_by(Moderation.id)
    )  # fmt: skip
    if since is not None:
        query = query.where(Moderation.requested_at >= since)
    return [
        OpenModeration(m, allocation, grade, at, PersonRef(*person))
        for m, allocation, grade, at, *person in (await run(session, query)).all()
    ]
