"""What allocation reads from the database: staff, open cases and who was audited when.

Plain rows (named tuples and frozen dataclasses, never ORM objects) in a fixed number of
queries, so a council of 10,000 practitioners loads in the same few round trips as a small one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage._core import run
from storage.models import Allocation, AuditRound, Case, Person, Service, Team


@dataclass(frozen=True)
class StaffRow:
    """A person as allocation and messages need them; ids are HR staff ids."""

    id: int
    staff_id: str
    name: str
    role: str
    team: str
    service: str
    manager_staff_id: str | None
    fte: float
    active: bool
    away_until: dt.date | None


class CaseRow(NamedTuple):
    """An open case by reference; a named tuple, as a council loads tens of thousands at once."""

    id: int
    case_ref: str
    practitioner_staff_id: str
    case_type: str
    opened_on: dt.date
    themes: tuple[str, ...]


async def load_staff(session: AsyncSession) -> list[StaffRow]:
    """Everyone on the roster (leavers too, so a plan can say why they were left out)."""
    manager = aliased(Person)
    query = (
        select(
            Person.id, Person.staff_id, Person.name, Person.role, Team.name, Service.name,
            manager.staff_id, Person.fte, Person.active, Person.away_until,
        )
        .join(Team, Person.team_id == Team.id)
        .join(Service, Team.service_id == Service.id)
        .outerjoin(manager, Person.manager_id == manager.id)
    )  # fmt: skip
    return [
        StaffRow(i, staff_id, name, role, team, service, boss, fte, active, away)
        for i, staff_id, name, role, team, service, boss, fte, active, away in (
            (await run(session, query)).all()
        )
    ]


async def load_open_cases(session: AsyncSession) -> list[CaseRow]:
    query = (
        select(Case.id, Case.case_ref, Person.staff_id, Case.case_type, Case.opened_on, Case.themes)
        .join(Person, Case.practitioner_id == Person.id)
        .where(Case.status == "open")
    )
    # a council's cases share a few dozen combinations of themes: each is split once
    split: dict[str, tuple[str, ...]] = {}
    return [
        CaseRow(i, ref, worker, kind, opened, split.get(themes) or _split(split, themes))
        for i, ref, worker, kind, opened, themes in (await run(session, query)).all()
    ]


def _split(seen: dict[str, tuple[str, ...]], themes: str) -> tuple[str, ...]:
    found = seen[themes] = tuple(filter(None, themes.split(";")))
    return found


async def load_history(
    session: AsyncSession, activity: str
) -> tuple[dict[str, dt.date], dict[str, dt.date]]:
    """When each practitioner (by staff id) and each case (by ref) was last allocated for audit."""
    last = func.max(Allocation.due_on)
    of_activity = select(AuditRound.id).where(AuditRound.activity == activity)
    by_worker = (
        select(Person.staff_id, last)
        .join(Person, Allocation.practitioner_id == Person.id)
        .where(Allocation.round_id.in_(of_activity))
        .group_by(Person.staff_id)
    )
    by_case = (
        select(Case.case_ref, last)
        .join(Case, Allocation.case_id == Case.id)
        .where(Allocation.round_id.in_(of_activity))
        .group_by(Case.case_ref)
    )
    workers = {row[0]: row[1] for row in (await session.execute(by_worker)).all()}
    cases = {row[0]: row[1] for row in (await session.execute(by_case)).all()}
    return workers, cases


async def load_completed(session: AsyncSession, activity: str) -> dict[str, dt.date]:
    """When each practitioner's last recorded audit of this activity was due: coverage counts
    audits done, not audits allocated."""
    of_activity = select(AuditRound.id).where(AuditRound.activity == activity)
    query = (
        select(Person.staff_id, func.max(Allocation.due_on))
        .join(Person, Allocation.practitioner_id == Person.id)
        .where(Allocation.round_id.in_(of_activity), Allocation.status == "recorded")
        .group_by(Person.staff_id)
    )
    return {row[0]: row[1] for row in (await session.execute(query)).all()}


async def cases_in_period(session: AsyncSession, period: str, other_than: str) -> set[str]:
    """The case references already in another activity's round of this period (one case is
    never in two rounds of the same month)."""
    query = (
        select(Case.case_ref)
        .join(Allocation, Allocation.case_id == Case.id)
        .join(AuditRound, Allocation.round_id == AuditRound.id)
        .where(AuditRound.period == period, AuditRound.activity != other_than)
    )
    return set((await session.execute(query)).scalars().all())
