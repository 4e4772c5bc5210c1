"""What follows an audit record in the database: moderators' load, agreement, open actions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Row, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage._core import either, run
from storage.case_audit.people import PersonRef, person_columns
from storage.models import (
    Action,
    Allocation,
    AuditRecord,
    AuditRound,
    Case,
    Moderation,
    Person,
    Service,
    Team,
)
from storage.outbox import never_sent


@dataclass(frozen=True)
class ModeratorStanding:
    """A possible moderator: their service, how many moderations they have been asked for since
    a date, and how many they still have open."""

    person: PersonRef
    service: str
    asked: int
    open: int


async def moderator_standings(
    session: AsyncSession, roles: Collection[str], since: dt.datetime
) -> list[ModeratorStanding]:
    """Every active person holding one of these roles, by staff id, with their standing."""
    found = await run(session, _STANDINGS, {"roles": list(roles), "since": since})
    return [ModeratorStanding(PersonRef(*row[:7]), row[7] or "", row[8], row[9]) for row in found]


_ASKED_COUNTS = (
    select(Person.role, Service.name, _asked := func.count(Moderation.id))
    .outerjoin(Team, Team.id == Person.team_id)
    .outerjoin(Service, Service.id == Team.service_id)
    .outerjoin(
        Moderation,
        (Moderation.moderator_id == Person.id) & (Moderation.requested_at >= bindparam("since")),
    )
    .where(Person.role.in_(bindparam("roles", expanding=True)), Person.active)
    .group_by(Person.id, Person.role, Service.name)
)


async def moderations_asked(
    session: AsyncSession, roles: Collection[str], since: dt.datetime
) -> list[tuple[str, str, int]]:
    """(role, service, moderations asked since) for every active person in these roles: the
    light look that says whether anyone is still short of their monthly number."""
    found = await run(session, _ASKED_COUNTS, {"roles": list(roles), "since": since})
    return [(row[0], row[1] or "", row[2]) for row in found]


_ASKED = (
    select(func.count())
    .where(Moderation.moderator_id == Person.id, Moderation.requested_at >= bindparam("since"))
    .scalar_subquery()
)
_OPEN = (
    select(func.count())
    .where(Moderation.moderator_id == Person.id, Moderation.completed_at.is_(None))
    .scalar_subquery()
)
_STANDINGS = (
    select(*person_columns(Person), Service.name, _ASKED, _OPEN)
    .outerjoin(Team, Team.id == Person.team_id)
    .outerjoin(Service, Service.id == Team.service_id)
    .where(Person.role.in_(bindparam("roles", expanding=True)), Person.active)
    .order_by(Person.staff_id)
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
    evidence: str | None = None  # what the owner did, once they say it is done


async def open_actions(
    session: AsyncSession,
    *,
    due_before: dt.date | None = None,
    unsent: str | None = None,
    due_in: Collection[dt.date] | None = None,
    or_ids: Collection[int] = (),
    unclaimed: bool = False,
) -> list[tuple[OpenAction, PersonRef]]:
    """Every open action with its owner; only those due before `due_before` if given, only
    those no outbox message is keyed `<unsent><id>` for yet, only those due on one of the
    days `due_in` or, whatever their due date, one of `or_ids`, and, if `unclaimed`, only those
    whose owner has not yet said what they did (the rest wait for their manager's word)."""
    query = _OPEN_ACTIONS
    if unclaimed:
        query = query.where(Action.evidence.is_(None))
    if due_before is not None:
        query = query.where(Action.due_on < due_before)
    if unsent is not None:
        query = query.where(never_sent(unsent, Action.id))
    if due_in is not None:
        query = query.where(either(Action.due_on, due_in, Action.id, or_ids))
    return _with_owners(await run(session, query))


def _with_owners(rows: Iterable[Row[Any]]) -> list[tuple[OpenAction, PersonRef]]:
    n = len(_ACTION_COLUMNS)
    return [(OpenAction(*row[:n]), PersonRef(*row[n:])) for row in rows]


_ACTION_COLUMNS = (
    Action.id, Action.source, Action.source_id, Action.description, Action.owner_id,
    Action.due_on, Action.flagged, Action.evidence,
)  # fmt: skip
_OPEN_ACTIONS = (
    select(*_ACTION_COLUMNS, *person_columns(Person))
    .join(Person, Action.owner_id == Person.id)
    .where(Action.status == "open")
    .order_by(Action.id)
)


async def action(session: AsyncSession, action_id: int) -> tuple[OpenAction, str] | None:
    """The action and its status (`open` or `done`); None if there is no such action."""
    row = (await run(session, _ACTION, {"action_id": action_id})).first()
    return (OpenAction(*row[:-1]), row[-1]) if row is not None else None


async def actions_of_record(
    session: AsyncSession, record_id: int
) -> list[tuple[OpenAction, PersonRef]]:
    """The actions an audit record raised, each with its owner, in the order raised."""
    query = (
        select(*_ACTION_COLUMNS, *person_columns(Person))
        .join(Person, Action.owner_id == Person.id)
        .where(Action.source == "audit", Action.source_id == record_id)
        .order_by(Action.id)
    )
    return _with_owners(await run(session, query))


async def give_evidence(
    session: AsyncSession, action_id: int, evidence: str, at: dt.datetime
) -> None:
    """The owner's line on what was done; the action stays open (for a manager to confirm)."""
    values = {"action_id": action_id, "evidence": evidence, "evidence_at": at}
    await run(session, _GIVE_EVIDENCE, values)


async def withdraw_evidence(session: AsyncSession, action_id: int) -> None:
    """Not done yet after all: the action is the owner's to finish again."""
    await run(session, _GIVE_EVIDENCE, {"action_id": action_id, "evidence": None,
                                        "evidence_at": None})  # fmt: skip


async def close_action(
    session: AsyncSession, action_id: int, at: dt.datetime, confirmed_by: int | None = None
) -> None:
    """Close an action whose evidence is stored, confirmed by a manager where one must."""
    values = {"action_id": action_id, "done_at": at, "confirmed_by_id": confirmed_by}
    await run(session, _CLOSE_ACTION, values)


async def earliest_open_action_due(session: AsyncSession) -> dt.date | None:
    """The earliest due date of an open action; None when none is open."""
    day: dt.date | None = (await run(session, _EARLIEST_OPEN_ACTION)).scalar_one()
    return day


_ACTION = select(*_ACTION_COLUMNS, Action.status).where(Action.id == bindparam("action_id"))
_CLOSE_ACTION = (
    update(Action)
    .where(Action.id == bindparam("action_id"))
    .values(
        status="done", done_at=bindparam("done_at"), confirmed_by_id=bindparam("confirmed_by_id")
    )
)
_GIVE_EVIDENCE = (
    update(Action)
    .where(Action.id == bindparam("action_id"), Action.status == "open")
    .values(evidence=bindparam("evidence"), evidence_at=bindparam("evidence_at"))
)
_EARLIEST_OPEN_ACTION = select(func.min(Action.due_on)).where(Action.status == "open")


async def action_grade(session: AsyncSession, action_id: int) -> str | None:
    """The grade of the audit that raised the action; None for an action from elsewhere."""
    query = (
        select(AuditRecord.grade)
        .join(Action, (Action.source == "audit") & (Action.source_id == AuditRecord.id))
        .where(Action.id == action_id)
    )
    grade: str | None = (await run(session, query)).scalar_one_or_none()
    return grade


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
    return {row[0]: row[1] for row in (await run(session, query)).all()}
