"""What an audit leaves behind: its record, the actions it raised and the moderation it asked for.

Written and read as plain rows through statements built once: recording an audit and
answering a moderation are everyday events, each its own short transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage._core import run
from storage.models import Action, Allocation, AuditRecord, Case, Moderation, Person


@dataclass(frozen=True)
class RecordRef:
    """A stored audit record: enough to ask for a moderation of it."""

    id: int
    allocation_id: int
    grade: str


@dataclass(frozen=True)
class Findings:
    """What an audit found, as the people it is for read it: the grade that counts (the
    moderator's when they changed it), the auditor's reason, strengths and worries, what the
    family said (or why they were not spoken to), and the actions raised, each with its owner's
    name, by when, and whether it is still open."""

    record_id: int
    allocation_id: int
    grade: str
    grade_reason: str
    strengths: str
    worries: str
    family_said: str
    family_not_why: str
    actions: tuple[tuple[str, str, dt.date, bool], ...]


@dataclass(frozen=True)
class ModerationNote:
    """A saved moderation, for the QA team's view: the case, who audited and moderated, the
    auditor's grade, the moderator's, and their comments."""

    moderation_id: int
    allocation_id: int
    case_ref: str
    auditor_name: str
    moderator_name: str
    auditor_grade: str
    moderated_grade: str
    agrees: bool
    comments: str
    completed_at: dt.datetime


@dataclass(frozen=True)
class ModerationRow:
    """One moderation request with the record it looks at."""

    id: int
    moderator_id: int
    completed_at: dt.datetime | None
    record: RecordRef


_ADD_RECORD = insert(AuditRecord).returning(AuditRecord.id)
_MARK_RECORDED = (
    update(Allocation).where(Allocation.id == bindparam("allocation_id")).values(status="recorded")
)
_ADD_ACTIONS = insert(Action)
_ADD_MODERATION = insert(Moderation).returning(Moderation.id)
_MODERATION = (
    select(
        Moderation.id, Moderation.moderator_id, Moderation.completed_at,
        AuditRecord.id, AuditRecord.allocation_id, AuditRecord.grade,
    )
    .join(AuditRecord, Moderation.audit_record_id == AuditRecord.id)
    .where(Moderation.id == bindparam("moderation_id"))
)  # fmt: skip
_SAVE_MODERATION = (
    update(Moderation)
    .where(Moderation.id == bindparam("moderation_id"))
    .values(
        agrees=bindparam("agrees"),
        auditor_grade=bindparam("auditor_grade"),
        moderated_grade=bindparam("moderated_grade"),
        reason=bindparam("reason"),
        completed_at=bindparam("completed_at"),
    )
)


async def add_record(
    session: AsyncSession,
    *,
    allocation_id: int,
    grade: str,
    grade_reason: str,
    strengths: str,
    worries: str,
    recorded_by_id: int,
    recorded_at: dt.datetime,
    family_said: str = "",
    family_not_why: str = "",
) -> RecordRef:
    """Store the record and mark its allocation recorded."""
    values = {
        "allocation_id": allocation_id, "grade": grade, "grade_reason": grade_reason,
        "strengths": strengths, "worries": worries, "recorded_by_id": recorded_by_id,
        "recorded_at": recorded_at, "family_said": family_said,
        "family_not_why": family_not_why,
    }  # fmt: skip
    record_id = (await run(session, _ADD_RECORD, values)).scalar_one()
    await run(session, _MARK_RECORDED, {"allocation_id": allocation_id})
    return RecordRef(record_id, allocation_id, grade)


async def add_actions(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """Store actions (each a mapping of Action's columns), in one statement."""
    if rows:
        await run(session, _ADD_ACTIONS, list(rows))


async def add_moderation(
    session: AsyncSession, record_id: int, moderator_id: int, requested_at: dt.datetime
) -> int:
    """Ask for a moderation of the record; the request's id."""
    values = {"audit_record_id": record_id, "moderator_id": moderator_id,
              "requested_at": requested_at}  # fmt: skip
    moderation_id: int = (await run(session, _ADD_MODERATION, values)).scalar_one()
    return moderation_id


async def moderation(session: AsyncSession, moderation_id: int) -> ModerationRow | None:
    """The moderation request with its record; None if there is no such request."""
    row = (await run(session, _MODERATION, {"moderation_id": moderation_id})).first()
    if row is None:
        return None
    return ModerationRow(row[0], row[1], row[2], RecordRef(row[3], row[4], row[5]))


async def save_moderation(
    session: AsyncSession,
    moderation_id: int,
    *,
    agrees: bool,
    auditor_grade: str,
    moderated_grade: str,
    reason: str,
    completed_at: dt.datetime,
    record_id: int,
    flagged: bool,
) -> None:
    """Store the moderation. A changed grade becomes the record's, the one that counts from
    now on, and the record's open actions are flagged (or not) by it."""
    values = {"moderation_id": moderation_id, "agrees": agrees,
              "auditor_grade": auditor_grade, "moderated_grade": moderated_grade,
              "reason": reason, "completed_at": completed_at}  # fmt: skip
    await run(session, _SAVE_MODERATION, values)
    if moderated_grade != auditor_grade:
        await run(session, _REGRADE, {"record_id": record_id, "grade_": moderated_grade})
        await run(session, _REFLAG, {"record_id": record_id, "flagged_": flagged})


_REGRADE = (
    update(AuditRecord)
    .where(AuditRecord.id == bindparam("record_id"))
    .values(grade=bindparam("grade_"))
)
_REFLAG = (
    update(Action)
    .where(Action.source == "audit", Action.source_id == bindparam("record_id"),
           Action.status == "open")
    .values(flagged=bindparam("flagged_"))
)  # fmt: skip
_FINDINGS = select(
    AuditRecord.id, AuditRecord.allocation_id, AuditRecord.grade, AuditRecord.grade_reason,
    AuditRecord.strengths, AuditRecord.worries, AuditRecord.family_said,
    AuditRecord.family_not_why,
).where(AuditRecord.allocation_id.in_(bindparam("allocation_ids", expanding=True)))  # fmt: skip
_FINDINGS_ACTIONS = (
    select(AuditRecord.allocation_id, Action.description, Person.name, Action.due_on,
           Action.status)
    .join(AuditRecord, (Action.source == "audit") & (Action.source_id == AuditRecord.id))
    .join(Person, Action.owner_id == Person.id)
    .where(AuditRecord.allocation_id.in_(bindparam("allocation_ids", expanding=True)))
    .order_by(Action.id)
)  # fmt: skip


async def findings(session: AsyncSession, allocation_ids: Collection[int]) -> dict[int, Findings]:
    """What each recorded audit found, by allocation id (two queries, whatever the number)."""
    if not allocation_ids:
        return {}
    params = {"allocation_ids": list(allocation_ids)}
    actions: dict[int, list[tuple[str, str, dt.date, bool]]] = {}
    for allocation_id, description, owner, due_on, status in await run(
        session, _FINDINGS_ACTIONS, params
    ):
        actions.setdefault(allocation_id, []).append((description, owner, due_on, status == "open"))
    return {
        row[1]: Findings(
            row[0],
            row[1],
            row[2],
            row[3],
            row[4],
            row[5],
            row[6],
            row[7],
            tuple(actions.get(row[1], ())),
        )
        for row in await run(session, _FINDINGS, params)
    }


_AUDITOR = aliased(Person, name="auditor")
_MODERATOR = aliased(Person, name="moderator")
_NOTES = (
    select(
        Moderation.id, Allocation.id, Case.case_ref, _AUDITOR.name, _MODERATOR.name,
        Moderation.auditor_grade, Moderation.moderated_grade, Moderation.agrees,
        Moderation.reason, Moderation.completed_at,
    )
    .join(AuditRecord, Moderation.audit_record_id == AuditRecord.id)
    .join(Allocation, AuditRecord.allocation_id == Allocation.id)
    .join(Case, Allocation.case_id == Case.id)
    .join(_AUDITOR, Allocation.auditor_id == _AUDITOR.id)
    .join(_MODERATOR, Moderation.moderator_id == _MODERATOR.id)
    .where(Moderation.completed_at >= bindparam("since"))
    .order_by(Moderation.completed_at.desc(), Moderation.id.desc())
    .limit(bindparam("limit"))
)  # fmt: skip


async def moderation_notes(
    session: AsyncSession, *, since: dt.datetime, limit: int
) -> list[ModerationNote]:
    """Moderations saved since `since`, newest first, with the moderators' comments."""
    rows = await run(session, _NOTES, {"since": since, "limit": limit})
    return [ModerationNote(*row) for row in rows]
