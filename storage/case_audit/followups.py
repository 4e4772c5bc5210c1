"""What follows an audit record in the database: moderators' load, agreement, open actions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import bindparam, func, select, update
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


async def open_actions(
    session: AsyncSession,
    *,
    due_before: dt.date | None = None,
    unsent: str | None = None,
    due_in: Collection[dt.date] | None = None,
    or_ids: Collection[int] = (),
) -> list[tuple[OpenAction, PersonRef]]:
    """Every open action with its owner; only those due before `due_before` if given, only
    those no outbox message is keyed `<unsent><id>` for yet, and only those due on one of the
    days `due_in` or, whatever their due date, one of `or_ids`."""
    query = _OPEN_ACTIONS
    if due_before is not None:
        query = query.where(Action.due_on < due_before)
    if unsent is not None:
        query = query.where(never_sent(unsent, Action.id))
    if due_in is not None:
        query = query.where(either(Action.due_on, due_in, Action.id, or_ids))
    return [(OpenAction(*row[:7]), PersonRef(*row[7:])) for row in await run(session, query)]


_ACTION_COLUMNS = (
    Action.id, Action.source, Action.source_id, Action.description, Action.owner_id,
    Action.due_on, Action.flagged,
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


async def close_action(session: AsyncSession, action_id: int, at: dt.datetime) -> None:
    await run(session, _CLOSE_ACTION, {"action_id": action_id, "done_at": at})


async def earliest_open_action_due(session: AsyncSession) -> dt.date | None:
    """The earliest due date of an open action; None when none is open."""
    day: dt.date | None = (await run(session, _EARLIEST_OPEN_ACTION)).scalar_one()
    return day


_ACTION = select(*_ACTION_COLUMNS, Action.status).where(Action.id == bindparam("action_id"))
_CLOSE_ACTION = (
    update(Action)
    .where(Action.id == bindparam("action_id"))
    .values(status="done", done_at=bindparam("done_at"))
)
_EARLIEST_OPEN_ACTION = select(func.min(Action.due_on)).where(Action.status == "open")


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
