"""Case audits in a line manager's weekly picture: per person in a team, counts only (never a
case reference): audits open, reflections still to write, actions open, and how many are late."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, case, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from storage._core import run
from storage.models import Action, Allocation, AuditRecord, Person, Reflection


@dataclass(frozen=True)
class Outstanding:
    """How many of one thing a person has outstanding, and how many of them are late."""

    person_id: int
    name: str
    manager_id: int
    count: int
    late: int = 0


def _late(column: InstrumentedAttribute[dt.date], today: dt.date) -> ColumnElement[int]:
    return func.sum(case((column < today, 1), else_=0))


async def open_audits(session: AsyncSession, today: dt.date) -> list[Outstanding]:
    """Audits allocated and not yet recorded, by practitioner."""
    query = (
        select(Person.id, Person.name, Person.manager_id, func.count(Allocation.id),
               _late(Allocation.due_on, today))
        .join(Allocation, Allocation.practitioner_id == Person.id)
        .where(Allocation.status == "allocated", Person.active.is_(True),
               Person.manager_id.is_not(None))
        .group_by(Person.id, Person.name, Person.manager_id)
    )  # fmt: skip
    return [Outstanding(*row) for row in await run(session, query)]


async def reflections_to_write(session: AsyncSession, since: dt.datetime) -> list[Outstanding]:
    """Audits recorded since `since` whose practitioner has saved no reflection, by practitioner."""
    saved = exists().where(
        Reflection.allocation_id == Allocation.id,
        Reflection.person_id == Allocation.practitioner_id,
    )
    query = (
        select(Person.id, Person.name, Person.manager_id, func.count(Allocation.id))
        .join(Allocation, Allocation.practitioner_id == Person.id)
        .join(AuditRecord, AuditRecord.allocation_id == Allocation.id)
        .where(AuditRecord.recorded_at >= since, ~saved, Person.active.is_(True),
               Person.manager_id.is_not(None))
        .group_by(Person.id, Person.name, Person.manager_id)
    )  # fmt: skip
    return [Outstanding(*row) for row in await run(session, query)]


async def open_actions(session: AsyncSession, today: dt.date) -> list[Outstanding]:
    """Open actions (from audits or observations), by owner."""
    query = (
        select(Person.id, Person.name, Person.manager_id, func.count(Action.id),
               _late(Action.due_on, today))
        .join(Action, Action.owner_id == Person.id)
        .where(Action.status == "open", Person.active.is_(True), Person.manager_id.is_not(None))
        .group_by(Person.id, Person.name, Person.manager_id)
    )  # fmt: skip
    return [Outstanding(*row) for row in await run(session, query)]
