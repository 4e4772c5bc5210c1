"""What is on one person's plate: their audits, observations and actions, as plain rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import Action, Allocation, Case, ChecklistTick, Observation, Person


@dataclass(frozen=True)
class QaItem:
    """One thing allocated to or due from a person, ready for a template."""

    kind: str
    due_on: dt.date
    case_ref: str = ""
    other: str = ""
    detail: str = ""


async def items_for(session: AsyncSession, person_id: int) -> list[QaItem]:
    """Open audits (as auditor or practitioner), observations and actions, soonest first."""
    items = [
        *await _audits(session, person_id),
        *await _observations(session, person_id),
        *await _actions(session, person_id),
    ]
    return sorted(items, key=lambda item: (item.due_on, item.kind))


async def _audits(session: AsyncSession, person_id: int) -> list[QaItem]:
    auditor, practitioner = aliased(Person), aliased(Person)
    ticked = (
        select(func.count())
        .where(ChecklistTick.allocation_id == Allocation.id, ChecklistTick.done.is_(True))
        .scalar_subquery()
    )
    rows = await session.execute(
        select(Allocation, Case.case_ref, auditor.name, practitioner.name, ticked)
        .join(Case, Case.id == Allocation.case_id)
        .join(auditor, auditor.id == Allocation.auditor_id)
        .join(practitioner, practitioner.id == Allocation.practitioner_id)
        .where(
            (Allocation.auditor_id == person_id) | (Allocation.practitioner_id == person_id),
            Allocation.status.in_(("allocated", "recorded")),
        )
    )
    items = []
    for allocation, case_ref, auditor_name, practitioner_name, done in rows:
        as_auditor = allocation.auditor_id == person_id
        items.append(
            QaItem(
                kind="audit_as_auditor" if as_auditor else "audit_as_practitioner",
                due_on=allocation.due_on,
                case_ref=case_ref,
                other=practitioner_name if as_auditor else auditor_name,
                detail=allocation.status if as_auditor else f"{done} ticked",
            )
        )
    return items


async def _observations(session: AsyncSession, person_id: int) -> list[QaItem]:
    observee = aliased(Person)
    rows = await session.execute(
        select(Observation, observee.name)
        .join(observee, observee.id == Observation.practitioner_id)
        .where(
            (Observation.observer_id == person_id) | (Observation.practitioner_id == person_id),
            Observation.completed_on.is_(None),
        )
    )
    return [
        QaItem(
            kind="observation_to_do" if obs.observer_id == person_id else "observation_of_me",
            due_on=obs.due_on,
            other=name,
        )
        for obs, name in rows
    ]


async def _actions(session: AsyncSession, person_id: int) -> list[QaItem]:
    rows = await session.scalars(
        select(Action).where(Action.owner_id == person_id, Action.status == "open")
    )
    return [QaItem(kind="action", due_on=a.due_on, detail=a.description) for a in rows]
