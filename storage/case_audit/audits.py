"""Case audits in the database: rounds, allocations with their people, ticks and reflections.

Every loader returns plain rows (never ORM objects) with a fixed number of queries, so a
council-sized round or sweep costs the same few round trips as a small one. People live in
storage/audit_people.py, what follows a record in storage/audit_followups.py, and what
allocation reads in storage/allocation_inputs.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, insert, literal_column, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage._core import either, run
from storage.case_audit.people import PersonRef, person_columns
from storage.models import (
    Allocation,
    AuditRound,
    Case,
    ChecklistTick,
    Person,
)
from storage.outbox import never_sent


@dataclass(frozen=True)
class AllocationView:
    """One allocation with its case and both people, ready for a message or a rule."""

    id: int
    round_id: int
    activity: str
    period: str
    status: str
    due_on: dt.date
    case_ref: str
    case_type: str
    auditor: PersonRef
    practitioner: PersonRef
    ticked: frozenset[str] = frozenset()
    # ticked items the worker marked not applicable, with a reason (they count as settled)
    not_applicable: frozenset[str] = frozenset()
    theme: str | None = None  # the round's theme, for a themed round
    # the day and time the auditor and the worker agreed to meet, once one of them has set it
    agreed_on: dt.date | None = None
    agreed_time: dt.time | None = None


@dataclass(frozen=True)
class NewAllocation:
    auditor_staff_id: str
    practitioner_staff_id: str
    case_ref: str
    reason: str


async def find_round(session: AsyncSession, activity: str, period: str) -> AuditRound | None:
    return await session.scalar(
        select(AuditRound).where(AuditRound.activity == activity, AuditRound.period == period)
    )


async def rounds_made(session: AsyncSession, periods: Collection[str]) -> set[tuple[str, str]]:
    """(activity, period) of each round already made for these periods (YYYY-MM), in one query."""
    if not periods:
        return set()
    found = await run(session, _ROUNDS_MADE, {"periods": list(periods)})
    return {(row[0], row[1]) for row in found}


_ROUNDS_MADE = select(AuditRound.activity, AuditRound.period).where(
    AuditRound.period.in_(bindparam("periods", expanding=True))
)


async def create_round(session: AsyncSession, new: AuditRound) -> bool:
    """Store a round; False (and nothing stored) if its activity and period already have one."""
    try:
        async with session.begin_nested():
            session.add(new)
            await session.flush()
    except IntegrityError:
        return False
    return True


async def add_allocations(
    session: AsyncSession,
    round_id: int,
    rows: Iterable[NewAllocation],
    *,
    due_on: dt.date,
    now: dt.datetime,
) -> int:
    """Insert a round's allocations in one statement, resolving staff ids and case refs."""
    rows = list(rows)
    people = await _ids(session, Person.staff_id, Person.id, {r.auditor_staff_id for r in rows})
    people |= await _ids(
        session, Person.staff_id, Person.id, {r.practitioner_staff_id for r in rows}
    )
    cases = await _ids(session, Case.case_ref, Case.id, {r.case_ref for r in rows})
    values = [
        {
            "round_id": round_id,
            "auditor_id": people[r.auditor_staff_id],
            "practitioner_id": people[r.practitioner_staff_id],
            "case_id": cases[r.case_ref],
            "due_on": due_on,
            "status": "allocated",
            "reason": r.reason,
            "created_at": now,
        }
        for r in rows
    ]
    if values:
        await run(session, _ADD_ALLOCATIONS, values)
    return len(values)


_ADD_ALLOCATIONS = insert(Allocation)


async def _ids(
    session: AsyncSession, key: Any, value: Any, wanted: Collection[str]
) -> dict[str, int]:
    if not wanted:
        return {}
    rows = (await session.execute(select(key, value).where(key.in_(list(wanted))))).all()
    return {row[0]: row[1] for row in rows}


# Built once, so each query shape is compiled once and served from SQLAlchemy's cache.
_AUDITOR = aliased(Person, name="auditor")
_WORKER = aliased(Person, name="worker")


# the items ticked done, comma-joined (item ids are slugs): read with the row, not after it;
# the separator is written into the SQL, as a parameter would be re-rendered on every run
_COMMA: Any = literal_column("','")
_TICKED = (
    select(func.aggregate_strings(ChecklistTick.item, _COMMA))
    .where(ChecklistTick.allocation_id == Allocation.id, ChecklistTick.done.is_(True))
    .scalar_subquery()
)
_NOT_APPLICABLE = (
    select(func.aggregate_strings(ChecklistTick.item, _COMMA))
    .where(
        ChecklistTick.allocation_id == Allocation.id,
        ChecklistTick.done.is_(True),
        ChecklistTick.not_applicable.is_not(None),
    )
    .scalar_subquery()
)
_COLUMNS = (
    Allocation.id, Allocation.round_id, AuditRound.activity, AuditRound.period,
    Allocation.status, Allocation.due_on, Case.case_ref, Case.case_type,
    *person_columns(_AUDITOR), *person_columns(_WORKER), _TICKED, _NOT_APPLICABLE, AuditRound.theme,
    Allocation.agreed_on, Allocation.agreed_time,
)  # fmt: skip
_ALLOCATIONS = (
    select(*_COLUMNS)
    .select_from(Allocation)
    .join(AuditRound, Allocation.round_id == AuditRound.id)
    .join(Case, Allocation.case_id == Case.id)
    .join(_AUDITOR, Allocation.auditor_id == _AUDITOR.id)
    .join(_WORKER, Allocation.practitioner_id == _WORKER.id)
    .order_by(Allocation.id)
)
_ONE_ALLOCATION = _ALLOCATIONS.where(Allocation.id == bindparam("allocation_id"))


async def allocations(
    session: AsyncSession,
    *,
    ids: Collection[int] | None = None,
    round_id: int | None = None,
    statuses: Collection[str] | None = None,
    since: dt.date | None = None,
    due_before: dt.date | None = None,
    manager_id: int | None = None,
    unsent: str | None = None,
    due_in: Collection[dt.date] | None = None,
    or_ids: Collection[int] = (),
    staff_id: str | None = None,
) -> list[AllocationView]:
    """Allocations with their case, people and ticked items, in one query.

    `unsent` keeps only those no outbox message is keyed `<unsent><id>` for yet; `due_in`
    only those due, or agreed to be held, on one of these days or, whatever their dates, one of
    `or_ids`; `staff_id` only those this person is the auditor or the worker of.
    """
    query = _ALLOCATIONS
    if ids is not None:
        query = query.where(Allocation.id.in_(list(ids)))
    if round_id is not None:
        query = query.where(Allocation.round_id == round_id)
    if staff_id is not None:
        query = query.where(or_(_AUDITOR.staff_id == staff_id, _WORKER.staff_id == staff_id))
    if statuses is not None:
        query = query.where(Allocation.status.in_(list(statuses)))
    if since is not None:
        query = query.where(Allocation.due_on >= since)
    if due_before is not None:
        query = query.where(Allocation.due_on < due_before)
    if manager_id is not None:
        query = query.where(_WORKER.manager_id == manager_id)
    if unsent is not None:
        query = query.where(never_sent(unsent, Allocation.id))
    if due_in is not None:
        agreed = Allocation.agreed_on.in_(list(due_in))
        query = query.where(or_(either(Allocation.due_on, due_in, Allocation.id, or_ids), agreed))
    return _views((await run(session, query)).all())


async def earliest_due(session: AsyncSession, statuses: Collection[str]) -> dt.date | None:
    """The earliest due date, or agreed day to meet, of the allocations in these statuses;
    None when there are none."""
    found = (await run(session, _EARLIEST_DUE, {"statuses": list(statuses)})).one()
    days: list[dt.date] = [day for day in found if day is not None]
    return min(days, default=None)


_EARLIEST_DUE = select(func.min(Allocation.due_on), func.min(Allocation.agreed_on)).where(
    Allocation.status.in_(bindparam("statuses", expanding=True))
)


async def set_agreed(
    session: AsyncSession, allocation_id: int, day: dt.date, time: dt.time
) -> None:
    """Store when the auditor and the worker meet for this audit (replacing any earlier)."""
    await run(session, _SET_AGREED, {"allocation_id": allocation_id, "day": day, "time": time})


_SET_AGREED = (
    update(Allocation)
    .where(Allocation.id == bindparam("allocation_id"))
    .values(agreed_on=bindparam("day"), agreed_time=bindparam("time"))
)


async def allocation(session: AsyncSession, allocation_id: int) -> AllocationView | None:
    found = _views((await run(session, _ONE_ALLOCATION, {"allocation_id": allocation_id})).all())
    return found[0] if found else None


def _views(rows: Sequence[Any]) -> list[AllocationView]:
    return [
        AllocationView(
            row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7],
            PersonRef(*row[8:15]), PersonRef(*row[15:22]),
            _items(row[22]), _items(row[23]), row[24], row[25], row[26],
        )
        for row in rows
    ]  # fmt: skip


def _items(joined: str | None) -> frozenset[str]:
    return frozenset(joined.split(",")) if joined else frozenset()


async def count_allocations(session: AsyncSession, round_id: int) -> int:
    query = select(func.count()).where(Allocation.round_id == round_id)
    return int((await session.execute(query)).scalar_one())


async def set_ticks(
    session: AsyncSession,
    allocation_id: int,
    changes: dict[str, bool],
    *,
    by_id: int,
    at: dt.datetime,
) -> None:
    """Record each changed item's state with who changed it and when (one statement each for
    the items ticked before and the items new to this checklist)."""
    found = await run(session, _TICKS_OF, {"allocation_id": allocation_id})
    existing = {item: tick_id for tick_id, item in found}
    stamp = {"by_id": by_id, "at": at}
    updates = [{**stamp, "tick_id": existing[item], "done_": done}
               for item, done in changes.items() if item in existing]  # fmt: skip
    inserts = [{**stamp, "allocation_id": allocation_id, "item": item, "done": done}
               for item, done in changes.items() if item not in existing]  # fmt: skip
    if updates:
        await run(session, _UPDATE_TICK, updates)
    if inserts:
        await run(session, insert(ChecklistTick), inserts)


_TICKS_OF = select(ChecklistTick.id, ChecklistTick.item).where(
    ChecklistTick.allocation_id == bindparam("allocation_id")
)
_UPDATE_TICK = (
    update(ChecklistTick)
    .where(ChecklistTick.id == bindparam("tick_id"))
    .values(done=bindparam("done_"), by_id=bindparam("by_id"), at=bindparam("at"),
            not_applicable=None)
)  # fmt: skip


async def mark_not_applicable(
    session: AsyncSession,
    allocation_id: int,
    item: str,
    reason: str,
    *,
    by_id: int,
    at: dt.datetime,
) -> None:
    """The worker says an item does not apply to this case, and why: it is settled."""
    found = {
        i: tick_id for tick_id, i in await run(session, _TICKS_OF, {"allocation_id": allocation_id})
    }
    values = {"by_id": by_id, "at": at, "reason": reason}
    if item in found:
        await run(session, _MARK_NA, {**values, "tick_id": found[item]})
    else:
        await run(
            session,
            insert(ChecklistTick),
            [
                {
                    "allocation_id": allocation_id,
                    "item": item,
                    "done": True,
                    "by_id": by_id,
                    "at": at,
                    "not_applicable": reason,
                }
            ],
        )


_MARK_NA = (
    update(ChecklistTick)
    .where(ChecklistTick.id == bindparam("tick_id"))
    .values(done=True, by_id=bindparam("by_id"), at=bindparam("at"),
            not_applicable=bindparam("reason"))
)  # fmt: skip
