"""Case audits in the database: rounds, allocations, ticks and the follow-up rows, read in bulk.

Every loader returns plain rows (never ORM objects) with a fixed number of queries, so a
council-sized round or sweep costs the same few round trips as a small one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVarTuple

from sqlalchemy import Row, Select, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage._core import run
from storage.models import (
    Action,
    Allocation,
    AuditRecord,
    AuditRound,
    Case,
    ChecklistTick,
    Moderation,
    Person,
    Reflection,
    Service,
    Snooze,
    Team,
)

Columns = TypeVarTuple("Columns")


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


@dataclass(frozen=True)
class PersonRef:
    id: int
    staff_id: str
    name: str
    role: str
    manager_id: int | None
    away_until: dt.date | None
    active: bool = True  # False for a leaver: kept on their audits, never sent reminders


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


@dataclass(frozen=True)
class NewAllocation:
    auditor_staff_id: str
    practitioner_staff_id: str
    case_ref: str
    reason: str


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
            await _plain_rows(session, query)
        )
    ]


async def load_open_cases(session: AsyncSession) -> list[CaseRow]:
    query = (
        select(Case.id, Case.case_ref, Person.staff_id, Case.case_type, Case.opened_on, Case.themes)
        .join(Person, Case.practitioner_id == Person.id)
        .where(Case.status == "open")
    )
    return [
        CaseRow(i, ref, worker, kind, opened, tuple(filter(None, themes.split(";"))))
        for i, ref, worker, kind, opened, themes in await _plain_rows(session, query)
    ]


async def _plain_rows(session: AsyncSession, query: Select[*Columns]) -> Sequence[Row[*Columns]]:
    """Columns only, run on the session's connection: the ORM's row handling doubles the cost."""
    await session.flush()
    return (await (await session.connection()).execute(query)).all()


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


async def find_round(session: AsyncSession, activity: str, period: str) -> AuditRound | None:
    return await session.scalar(
        select(AuditRound).where(AuditRound.activity == activity, AuditRound.period == period)
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
        await session.execute(insert(Allocation), values)
    return len(values)


async def _ids(
    session: AsyncSession, key: Any, value: Any, wanted: Collection[str]
) -> dict[str, int]:
    if not wanted:
        return {}
    rows = (await session.execute(select(key, value).where(key.in_(list(wanted))))).all()
    return {row[0]: row[1] for row in rows}


def _ref(person: Person) -> PersonRef:
    return PersonRef(person.id, person.staff_id, person.name, person.role, person.manager_id,
                     person.away_until, person.active)  # fmt: skip


# Built once, so each query shape is compiled once and served from SQLAlchemy's cache.
_AUDITOR = aliased(Person, name="auditor")
_WORKER = aliased(Person, name="worker")


def _person_columns(person: Any) -> tuple[Any, ...]:
    return (person.id, person.staff_id, person.name, person.role, person.manager_id,
            person.away_until, person.active)  # fmt: skip


_COLUMNS = (
    Allocation.id, Allocation.round_id, AuditRound.activity, AuditRound.period,
    Allocation.status, Allocation.due_on, Case.case_ref, Case.case_type,
    *_person_columns(_AUDITOR), *_person_columns(_WORKER),
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
_PERSON_REFS = select(*_person_columns(Person))
_PEOPLE_BY_ID = _PERSON_REFS.where(Person.id.in_(bindparam("ids", expanding=True)))
_PEOPLE_BY_STAFF_ID = _PERSON_REFS.where(
    Person.staff_id.in_(bindparam("staff_ids", expanding=True)), Person.active
)
_PEOPLE_WITH_ROLES = _PERSON_REFS.where(
    Person.role.in_(bindparam("roles", expanding=True)), Person.active
).order_by(Person.staff_id)
_TICKED = select(ChecklistTick.allocation_id, ChecklistTick.item).where(
    ChecklistTick.allocation_id.in_(bindparam("ids", expanding=True)),
    ChecklistTick.done.is_(True),
)


async def allocations(
    session: AsyncSession,
    *,
    ids: Collection[int] | None = None,
    round_id: int | None = None,
    statuses: Collection[str] | None = None,
    since: dt.date | None = None,
    due_before: dt.date | None = None,
    manager_id: int | None = None,
) -> list[AllocationView]:
    """Allocations with case and people in one query, and their ticked items in one more."""
    query = _ALLOCATIONS
    if ids is not None:
        query = query.where(Allocation.id.in_(list(ids)))
    if round_id is not None:
        query = query.where(Allocation.round_id == round_id)
    if statuses is not None:
        query = query.where(Allocation.status.in_(list(statuses)))
    if since is not None:
        query = query.where(Allocation.due_on >= since)
    if due_before is not None:
        query = query.where(Allocation.due_on < due_before)
    if manager_id is not None:
        query = query.where(_WORKER.manager_id == manager_id)
    return await _views(session, (await run(session, query)).all())


async def allocation(session: AsyncSession, allocation_id: int) -> AllocationView | None:
    rows = (await run(session, _ONE_ALLOCATION, {"allocation_id": allocation_id})).all()
    found = await _views(session, rows)
    return found[0] if found else None


async def _views(session: AsyncSession, rows: Sequence[Any]) -> list[AllocationView]:
    ticked = await ticked_items(session, [row[0] for row in rows])
    return [
        AllocationView(
            row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7],
            PersonRef(*row[8:15]), PersonRef(*row[15:22]), frozenset(ticked.get(row[0], ())),
        )
        for row in rows
    ]  # fmt: skip


async def count_allocations(session: AsyncSession, round_id: int) -> int:
    query = select(func.count()).where(Allocation.round_id == round_id)
    return int((await session.execute(query)).scalar_one())


async def ticked_items(session: AsyncSession, ids: Collection[int]) -> dict[int, set[str]]:
    """The items ticked done on each allocation's checklist."""
    if not ids:
        return {}
    found: dict[int, set[str]] = {}
    for allocation_id, item in (await run(session, _TICKED, {"ids": list(ids)})).all():
        found.setdefault(allocation_id, set()).add(item)
    return found


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
    .values(done=bindparam("done_"), by_id=bindparam("by_id"), at=bindparam("at"))
)


async def add_reflections(
    session: AsyncSession,
    allocation_id: int,
    person_id: int,
    answers: dict[str, str],
    now: dt.datetime,
) -> None:
    """Store a person's first answers to the prompts, in one statement."""
    rows = [
        {"allocation_id": allocation_id, "person_id": person_id, "prompt": prompt,
         "answer": answer, "created_at": now, "updated_at": now}
        for prompt, answer in answers.items()
    ]  # fmt: skip
    if rows:
        await run(session, insert(Reflection), rows)


async def people_by_id(session: AsyncSession, ids: Collection[int]) -> dict[int, PersonRef]:
    if not ids:
        return {}
    found = await run(session, _PEOPLE_BY_ID, {"ids": list(ids)})
    return {row[0]: PersonRef(*row) for row in found}


async def people_by_staff_id(
    session: AsyncSession, staff_ids: Collection[str]
) -> dict[str, PersonRef]:
    """Active people by staff id, in one query."""
    if not staff_ids:
        return {}
    found = await run(session, _PEOPLE_BY_STAFF_ID, {"staff_ids": list(staff_ids)})
    return {row[1]: PersonRef(*row) for row in found}


async def people_with_roles(session: AsyncSession, roles: Collection[str]) -> list[PersonRef]:
    """Active people holding any of these roles, by staff id."""
    found = await run(session, _PEOPLE_WITH_ROLES, {"roles": list(roles)})
    return [PersonRef(*row) for row in found]


async def person_by_staff_id(session: AsyncSession, staff_id: str) -> PersonRef | None:
    found = (await run(session, _PEOPLE_BY_STAFF_ID, {"staff_ids": [staff_id]})).first()
    return PersonRef(*found) if found is not None else None


async def people_named(session: AsyncSession, name: str) -> list[PersonRef]:
    """Active people whose name is exactly this (ignoring case), to resolve an action's owner."""
    query = select(Person).where(func.lower(Person.name) == name.strip().lower(), Person.active)
    return [_ref(p) for p in await session.scalars(query)]


async def moderation_counts(
    session: AsyncSession, moderator_ids: Collection[int], since: dt.datetime
) -> dict[int, tuple[str, int]]:
    """Each candidate's service and how many moderations they were asked for since `since`."""
    if not moderator_ids:
        return {}
    found = await run(session, _MODERATION_COUNTS, {"ids": list(moderator_ids), "since": since})
    return {row[0]: (row[1], row[2]) for row in found}


_ASKED = (
    select(func.count())
    .where(Moderation.moderator_id == Person.id, Moderation.requested_at >= bindparam("since"))
    .scalar_subquery()
)
_MODERATION_COUNTS = (
    select(Person.id, Service.name, _ASKED)
    .join(Team, Team.id == Person.team_id)
    .join(Service, Service.id == Team.service_id)
    .where(Person.id.in_(bindparam("ids", expanding=True)))
)


async def open_moderation_load(
    session: AsyncSession, moderator_ids: Collection[int]
) -> dict[int, int]:
    """How many moderations each candidate still has open, to spread the load."""
    if not moderator_ids:
        return {}
    found = await run(session, _OPEN_MODERATIONS, {"ids": list(moderator_ids)})
    return {row[0]: row[1] for row in found}


_OPEN_MODERATIONS = (
    select(Moderation.moderator_id, func.count())
    .where(
        Moderation.moderator_id.in_(bindparam("ids", expanding=True)),
        Moderation.completed_at.is_(None),
    )
    .group_by(Moderation.moderator_id)
)


async def moderation_outcomes(
    session: AsyncSession, activity: str, first_period: str, last_period: str
) -> list[bool]:
    """Agreed or not, for each completed moderation of rounds in the periods given (YYYY-MM)."""
    query = (
        select(Moderation.agrees)
        .join(AuditRecord, Moderation.audit_record_id == AuditRecord.id)
        .join(Allocation, AuditRecord.allocation_id == Allocation.id)
        .join(AuditRound, Allocation.round_id == AuditRound.id)
        .where(
            AuditRound.activity == activity,
            AuditRound.period >= first_period,
            AuditRound.period <= last_period,
            Moderation.completed_at.is_not(None),
        )
    )
    return [bool(v) for v in (await session.scalars(query)).all() if v is not None]


class OpenAction(NamedTuple):
    """An action still open, as the sweeps read it (no ORM object: they read hundreds daily)."""

    id: int
    source: str
    source_id: int
    description: str
    owner_id: int
    due_on: dt.date
    flagged: bool


async def open_actions(session: AsyncSession) -> list[tuple[OpenAction, PersonRef]]:
    """Every open action with its owner."""
    return [
        (OpenAction(*row[:7]), PersonRef(*row[7:])) for row in await run(session, _OPEN_ACTIONS)
    ]


_ACTION_COLUMNS = (
    Action.id, Action.source, Action.source_id, Action.description, Action.owner_id,
    Action.due_on, Action.flagged,
)  # fmt: skip
_OPEN_ACTIONS = (
    select(*_ACTION_COLUMNS, *_person_columns(Person))
    .join(Person, Action.owner_id == Person.id)
    .where(Action.status == "open")
    .order_by(Action.id)
)


async def action_case_refs(session: AsyncSession, record_ids: Collection[int]) -> dict[int, str]:
    """The case reference behind each audit record, to say where an action came from in a DM."""
    if not record_ids:
        return {}
    query = (
        select(AuditRecord.id, Case.case_ref)
        .join(Allocation, AuditRecord.allocation_id == Allocation.id)
        .join(Case, Allocation.case_id == Case.id)
        .where(AuditRecord.id.in_(list(record_ids)))
    )
    return {row[0]: row[1] for row in (await session.execute(query)).all()}


async def snoozed_until(session: AsyncSession, since: dt.date) -> dict[tuple[int, str], dt.date]:
    """Each (person, item) snooze still holding on or ending after `since`, by its last day."""
    query = select(Snooze.person_id, Snooze.item, Snooze.until).where(Snooze.until >= since)
    rows = (await session.execute(query)).all()
    return {(row[0], row[1]): row[2] for row in rows}


async def set_snooze(session: AsyncSession, person_id: int, item: str, until: dt.date) -> None:
    """Hold reminders about `item` for this person up to and including `until`."""
    found = await session.scalar(
        select(Snooze).where(Snooze.person_id == person_id, Snooze.item == item)
    )
    if found is None:
        session.add(Snooze(person_id=person_id, item=item, until=until))
    else:
        found.until = until
