"""What is on one person's plate: their audits, observations, actions, and the reflections and
moderations asked of them and not yet answered, as plain rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

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
)


@dataclass(frozen=True)
class QaItem:
    """One thing allocated to or due from a person, ready for a template."""

    kind: str
    due_on: dt.date
    case_ref: str = ""
    other: str = ""
    detail: str = ""
    # an open audit's day and time its auditor and worker agreed to meet, once one set them
    meeting_on: dt.date | None = None
    meeting_at: dt.time | None = None


@dataclass(frozen=True)
class AskedReflection:
    """A recorded audit of this person's (as worker or auditor) with no reflections saved by them.

    Whether they were asked, and by when, is the programme's to say: the worker always is, the
    auditor only when the programme says auditors reflect too.
    """

    allocation_id: int
    activity: str
    case_ref: str
    recorded_at: dt.datetime
    as_auditor: bool
    other: str  # who they had the audit with


@dataclass(frozen=True)
class AskedModeration:
    """A moderation asked of this person and not yet saved."""

    moderation_id: int
    activity: str
    case_ref: str
    requested_at: dt.datetime
    auditor: str
    grade: str


async def items_for(
    session: AsyncSession, person_id: int, *, recorded_since: dt.date
) -> list[QaItem]:
    """Open audits (as auditor or practitioner) and those recorded that were due on or after
    `recorded_since`, and actions, soonest first. (Observations are not stored ahead: their
    due dates come from the cadence in handlers/observations.)"""
    items = [
        *await _audits(session, person_id, recorded_since),
        *await _actions(session, person_id),
    ]
    return sorted(items, key=lambda item: (item.due_on, item.kind))


async def _audits(session: AsyncSession, person_id: int, recorded_since: dt.date) -> list[QaItem]:
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
            (Allocation.status == "allocated")
            | ((Allocation.status == "recorded") & (Allocation.due_on >= recorded_since)),
        )
    )
    items = []
    for allocation, case_ref, auditor_name, practitioner_name, done in rows:
        as_auditor, open_ = allocation.auditor_id == person_id, allocation.status == "allocated"
        items.append(
            QaItem(
                kind="audit_as_auditor" if as_auditor else "audit_as_practitioner",
                due_on=allocation.due_on,
                case_ref=case_ref,
                other=practitioner_name if as_auditor else auditor_name,
                detail=_audit_detail(allocation.status, as_auditor, done),
                # when the two meet, for an audit still to be held and recorded
                meeting_on=allocation.agreed_on if open_ else None,
                meeting_at=allocation.agreed_time if open_ else None,
            )
        )
    return items


def _audit_detail(status: str, as_auditor: bool, ticked: int) -> str:
    """The auditor sees the audit's status; the practitioner their checklist until the audit is
    recorded, then that it is."""
    return status if as_auditor or status == "recorded" else f"{ticked} ticked"


async def _actions(session: AsyncSession, person_id: int) -> list[QaItem]:
    rows = await session.scalars(
        select(Action).where(Action.owner_id == person_id, Action.status == "open")
    )
    return [QaItem(kind="action", due_on=a.due_on, detail=a.description) for a in rows]


async def reflections_unanswered(session: AsyncSession, person_id: int) -> list[AskedReflection]:
    """Recorded audits where the person is the worker or the auditor and has saved no reflection."""
    auditor, practitioner = aliased(Person), aliased(Person)
    saved = exists().where(
        Reflection.allocation_id == Allocation.id, Reflection.person_id == person_id
    )
    rows = await session.execute(
        select(
            Allocation.id, AuditRound.activity, Case.case_ref, AuditRecord.recorded_at,
            Allocation.auditor_id, auditor.name, practitioner.name,
        )
        .join(AuditRecord, AuditRecord.allocation_id == Allocation.id)
        .join(AuditRound, AuditRound.id == Allocation.round_id)
        .join(Case, Case.id == Allocation.case_id)
        .join(auditor, auditor.id == Allocation.auditor_id)
        .join(practitioner, practitioner.id == Allocation.practitioner_id)
        .where(
            (Allocation.auditor_id == person_id) | (Allocation.practitioner_id == person_id),
            ~saved,
        )
        .order_by(Allocation.id)
    )  # fmt: skip
    return [
        AskedReflection(allocation_id, activity, case_ref, recorded_at, auditor_id == person_id,
                        worker_name if auditor_id == person_id else auditor_name)
        for allocation_id, activity, case_ref, recorded_at, auditor_id, auditor_name, worker_name
        in rows
    ]  # fmt: skip


async def moderations_open(session: AsyncSession, person_id: int) -> list[AskedModeration]:
    """Moderations asked of the person and not yet saved."""
    rows = await session.execute(
        select(
            Moderation.id, AuditRound.activity, Case.case_ref, Moderation.requested_at,
            Person.name, AuditRecord.grade,
        )
        .join(AuditRecord, AuditRecord.id == Moderation.audit_record_id)
        .join(Allocation, Allocation.id == AuditRecord.allocation_id)
        .join(AuditRound, AuditRound.id == Allocation.round_id)
        .join(Case, Case.id == Allocation.case_id)
        .join(Person, Person.id == Allocation.auditor_id)
        .where(Moderation.moderator_id == person_id, Moderation.completed_at.is_(None))
        .order_by(Moderation.id)
    )  # fmt: skip
    return [AskedModeration(*row) for row in rows]
