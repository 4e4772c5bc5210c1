"""The QA team's view of the audit cycle: a period's audits by service, Inadequate audits and
their open actions, and the messages qabot could not deliver, as plain rows.

Each part is a handful of grouped queries, whatever the number of audits: a council records
thousands a year, and My QA is asked for in a chat.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TypeVarTuple

from sqlalchemy import Select, and_, case, exists, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.case_audit.people import told_apart
from storage.models import (
    Action,
    Allocation,
    AuditRecord,
    AuditRound,
    Case,
    Moderation,
    OutboxMessage,
    Person,
    Service,
    Team,
)
from storage.outbox import PARKED

AUDIT_SOURCE = "audit"  # actions raised by an audit record carry its id as source_id
PERSON_PREFIX = "person:"
_Row = TypeVarTuple("_Row")


@dataclass(frozen=True)
class ServicePeriod:
    """One service's audits in the period (a service is the worker's, as the case is theirs)."""

    service: str
    allocated: int = 0
    recorded: int = 0
    past_due: int = 0  # still not recorded after their due date
    grades: dict[str, int] = field(default_factory=dict)
    agreed: int = 0  # moderations saved that agreed with the auditor's grade
    disagreed: int = 0


@dataclass(frozen=True, order=True)
class Agreement:
    """How often moderators agreed with the auditors' grades, for one service or auditor."""

    name: str
    agreed: int
    moderated: int


@dataclass(frozen=True)
class OpenAction:
    description: str
    owner: str
    due_on: dt.date


@dataclass(frozen=True)
class GradedAudit:
    """A recorded audit, its grade (the one that counts), and the actions it raised that are
    still open."""

    allocation_id: int
    case_ref: str
    service: str
    auditor: str
    recorded_at: dt.datetime
    grade: str
    actions: tuple[OpenAction, ...] = ()


@dataclass(frozen=True)
class ParkedMessage:
    """A message qabot stopped trying to deliver: to whom and what kind, never its content."""

    recipient: str  # a staff id, or "channel:<name>"
    message_type: str
    created_at: dt.datetime


@dataclass(frozen=True)
class Unreached:
    staff_id: str
    name: str


async def services_in_period(
    session: AsyncSession, period: str, today: dt.date
) -> list[ServicePeriod]:
    """Each service's audits in the rounds of `period` (YYYY-MM), by name, in three queries."""
    service = Service.name
    past_due = (Allocation.status == "allocated") & (Allocation.due_on < today)
    counted = await session.execute(
        _in_period(select(
            service, func.count(Allocation.id),
            func.sum(case((Allocation.status == "recorded", 1), else_=0)),
            func.sum(case((past_due, 1), else_=0)),
        ), period).group_by(service)
    )  # fmt: skip
    found = {
        name: ServicePeriod(name, allocated, recorded or 0, late or 0)
        for name, allocated, recorded, late in counted
    }
    graded = await session.execute(
        _in_period(select(service, AuditRecord.grade, func.count()), period)
        .join(AuditRecord, AuditRecord.allocation_id == Allocation.id)
        .group_by(service, AuditRecord.grade)
    )
    for name, grade, count in graded:
        found[name].grades[grade] = count
    moderated = await session.execute(
        _in_period(select(service, Moderation.agrees, func.count()), period)
        .join(AuditRecord, AuditRecord.allocation_id == Allocation.id)
        .join(Moderation, Moderation.audit_record_id == AuditRecord.id)
        .where(Moderation.completed_at.is_not(None), Moderation.agrees.is_not(None))
        .group_by(service, Moderation.agrees)
    )
    agreement: dict[tuple[str, bool | None], int] = {(n, a): c for n, a, c in moderated}
    return [
        ServicePeriod(
            s.service, s.allocated, s.recorded, s.past_due, s.grades,
            agreement.get((s.service, True), 0), agreement.get((s.service, False), 0),
        )
        for _, s in sorted(found.items())
    ]  # fmt: skip


async def agreement(
    session: AsyncSession, since: dt.datetime
) -> tuple[list[Agreement], list[Agreement]]:
    """Moderations saved since `since` that agreed with the auditor's grade, out of all those
    saved, by the worker's service and by auditor (each by name), in two grouped queries."""
    agreed = func.sum(case((Moderation.agrees.is_(True), 1), else_=0))
    auditor, worker = aliased(Person), aliased(Person)
    moderated = (
        select(Moderation.id)
        .join(AuditRecord, AuditRecord.id == Moderation.audit_record_id)
        .join(Allocation, Allocation.id == AuditRecord.allocation_id)
        .where(
            Moderation.completed_at.is_not(None),
            Moderation.completed_at >= since,
            Moderation.agrees.is_not(None),
        )
    )
    by_service = await session.execute(
        moderated.with_only_columns(Service.name, agreed, func.count(Moderation.id))
        .join(worker, worker.id == Allocation.practitioner_id)
        .join(Team, Team.id == worker.team_id)
        .join(Service, Service.id == Team.service_id)
        .group_by(Service.name)
    )
    name = told_apart(auditor)
    by_auditor = await session.execute(
        moderated.with_only_columns(name, agreed, func.count(Moderation.id))
        .join(auditor, auditor.id == Allocation.auditor_id)
        .group_by(auditor.id, name)
    )
    return (
        sorted(Agreement(n, a or 0, c) for n, a, c in by_service),
        sorted(Agreement(n, a or 0, c) for n, a, c in by_auditor),
    )


def _in_period(query: Select[*_Row], period: str) -> Select[*_Row]:
    """Allocations of the period's rounds joined to their worker's service."""
    return (
        query.select_from(Allocation)
        .join(AuditRound, AuditRound.id == Allocation.round_id)
        .join(Person, Person.id == Allocation.practitioner_id)
        .join(Team, Team.id == Person.team_id)
        .join(Service, Service.id == Team.service_id)
        .where(AuditRound.period == period)
    )


async def graded_audits(
    session: AsyncSession, grade: str, period: str, *, tracked: Collection[str], limit: int
) -> tuple[list[GradedAudit], int]:
    """Audits graded `grade` in `period`'s rounds, and audits of any period graded one of
    `tracked` (the grades whose actions the programme follows) while an action of theirs is
    still open, newest first: at most `limit` of them with their open actions, and how many in
    all. The grade is the one that counts, a moderator's if they changed it."""
    auditor, worker = aliased(Person), aliased(Person)
    has_open = exists().where(
        Action.source == AUDIT_SOURCE,
        Action.source_id == AuditRecord.id,
        Action.status == "open",
    )
    wanted = and_(AuditRecord.grade == grade, AuditRound.period == period)
    if tracked:
        wanted = or_(wanted, and_(AuditRecord.grade.in_(list(tracked)), has_open))
    base = (
        select(AuditRecord.id)
        .join(Allocation, Allocation.id == AuditRecord.allocation_id)
        .join(AuditRound, AuditRound.id == Allocation.round_id)
        .where(wanted)
    )
    total = await session.scalar(select(func.count()).select_from(base.subquery()))
    columns = (AuditRecord.id, Allocation.id, Case.case_ref, Service.name, auditor.name,
               AuditRecord.recorded_at, AuditRecord.grade)  # fmt: skip
    query = (
        select(*columns)
        .join(Allocation, Allocation.id == AuditRecord.allocation_id)
        .join(AuditRound, AuditRound.id == Allocation.round_id)
        .join(Case, Case.id == Allocation.case_id)
        .join(auditor, auditor.id == Allocation.auditor_id)
        .join(worker, worker.id == Allocation.practitioner_id)
        .join(Team, Team.id == worker.team_id)
        .join(Service, Service.id == Team.service_id)
        .where(wanted)
        .order_by(AuditRecord.recorded_at.desc(), AuditRecord.id.desc())
        .limit(limit)
    )
    rows = (await session.execute(query)).all()
    actions = await _open_actions(session, [row[0] for row in rows])
    audits = [
        GradedAudit(allocation_id, case_ref, service, auditor_name, recorded_at, found,
                    tuple(actions.get(record_id, ())))
        for record_id, allocation_id, case_ref, service, auditor_name, recorded_at, found in rows
    ]  # fmt: skip
    return audits, total or 0


async def _open_actions(
    session: AsyncSession, record_ids: Collection[int]
) -> dict[int, list[OpenAction]]:
    """The open actions of these audit records, soonest due first, in one query."""
    if not record_ids:
        return {}
    rows = await session.execute(
        select(Action.source_id, Action.description, Person.name, Action.due_on)
        .join(Person, Person.id == Action.owner_id)
        .where(
            Action.source == AUDIT_SOURCE,
            Action.source_id.in_(list(record_ids)),
            Action.status == "open",
        )
        .order_by(Action.due_on, Action.id)
    )
    found: dict[int, list[OpenAction]] = {}
    for record_id, description, owner, due_on in rows:
        found.setdefault(record_id, []).append(OpenAction(description, owner, due_on))
    return found


async def parked_messages(session: AsyncSession, *, limit: int) -> tuple[list[ParkedMessage], int]:
    """The most recent parked messages (recipient and kind only) and how many are parked."""
    total = await session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == PARKED)
    )
    rows = await session.execute(
        select(OutboxMessage.recipient, OutboxMessage.message_type, OutboxMessage.created_at)
        .where(OutboxMessage.status == PARKED)
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    return [
        ParkedMessage(recipient.removeprefix(PERSON_PREFIX), kind, created_at)
        for recipient, kind, created_at in rows
    ], total or 0


async def unreached_people(session: AsyncSession, *, limit: int) -> tuple[list[Unreached], int]:
    """Active people with at least one parked message to them, by name: qabot tried and could
    not reach them. At most `limit`, and how many in all."""
    parked_to = exists().where(
        OutboxMessage.status == PARKED,
        OutboxMessage.recipient == literal(PERSON_PREFIX) + Person.staff_id,
    )
    wanted = and_(Person.active.is_(True), parked_to)
    total = await session.scalar(select(func.count()).select_from(Person).where(wanted))
    rows = await session.execute(
        select(Person.staff_id, Person.name).where(wanted).order_by(Person.name).limit(limit)
    )
    return [Unreached(staff_id, name) for staff_id, name in rows], total or 0


async def service_of(session: AsyncSession, person_id: int) -> str:
    """The name of the service a person's team belongs to."""
    name = await session.scalar(
        select(Service.name)
        .join(Team, Team.service_id == Service.id)
        .join(Person, Person.team_id == Team.id)
        .where(Person.id == person_id)
    )
    return name or ""
