"""What an audit leaves behind: its record, the actions it raised and the moderation it asked for.

Written and read as plain rows through statements built once: recording an audit and
answering a moderation are everyday events, each its own short transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage._core import run
from storage.models import Action, Allocation, AuditRecord, Moderation


@dataclass(frozen=True)
class RecordRef:
    """A stored audit record: enough to ask for a moderation of it."""

    id: int
    allocation_id: int
    grade: str


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
) -> RecordRef:
    """Store the record and mark its allocation recorded."""
    values = {
        "allocation_id": allocation_id, "grade": grade, "grade_reason": grade_reason,
        "strengths": strengths, "worries": worries, "recorded_by_id": recorded_by_id,
        "recorded_at": recorded_at,
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
    moderated_grade: str,
    reason: str,
    completed_at: dt.datetime,
) -> None:
    values = {"moderation_id": moderation_id, "agrees": agrees,
              "moderated_grade": moderated_grade, "reason": reason,
              "completed_at": completed_at}  # fmt: skip
    await run(session, _SAVE_MODERATION, values)
