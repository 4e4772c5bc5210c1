"""What fair escalation reads and writes: reminders actually delivered, escalations made or taken
on (kept in the audit log, so the QA team sees them too), and due dates a manager moves on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage._core import run
from storage._outbox_claim import SENT
from storage.models import Action, Allocation, AuditLogEntry, OutboxMessage

REMINDER_KEYS = "reminders:"  # handlers/reminders/digest.py reminder_key


@dataclass(frozen=True)
class Delivered:
    """A nudge message a person was actually sent: when, and the items it carried."""

    staff_id: str
    sent_at: dt.datetime
    items: tuple[dict[str, Any], ...]


async def delivered_reminders(
    session: AsyncSession, staff_ids: Collection[str], since: dt.datetime
) -> list[Delivered]:
    """Each daily nudge message sent to these people since then, with the items it carried."""
    if not staff_ids:
        return []
    query = select(OutboxMessage.recipient, OutboxMessage.sent_at, OutboxMessage.payload).where(
        OutboxMessage.recipient.in_([f"person:{s}" for s in staff_ids]),
        OutboxMessage.status == SENT,
        OutboxMessage.sent_at >= since,
        OutboxMessage.idempotency_key.startswith(REMINDER_KEYS),
    )
    found = []
    for recipient, sent_at, payload in (await run(session, query)).all():
        items = payload.get("meta", {}).get("items") or []
        staff_id = recipient.partition(":")[2]
        found.append(Delivered(staff_id, sent_at, tuple(i for i in items if isinstance(i, dict))))
    return found


async def recorded(
    session: AsyncSession, actions: Collection[str], subjects: Collection[str]
) -> set[str]:
    """Which of these subjects the audit log holds one of these actions for."""
    if not subjects:
        return set()
    query = select(AuditLogEntry.subject).where(
        AuditLogEntry.action.in_(list(actions)), AuditLogEntry.subject.in_(list(subjects))
    )
    return set((await run(session, query)).scalars())


def record(
    session: AsyncSession, *, at: dt.datetime, actor: str, action: str, subject: str, **detail: Any
) -> None:
    """One line of the audit log: who did what about which item."""
    session.add(AuditLogEntry(at=at, actor=actor, action=action, subject=subject, detail=detail))


async def move_allocation_due(session: AsyncSession, allocation_id: int, due: dt.date) -> None:
    await session.execute(
        update(Allocation).where(Allocation.id == allocation_id).values(due_on=due)
    )


async def reassign(session: AsyncSession, item: str, person_id: int) -> None:
    """Give an escalated item ("audit:12" or "action:5") to another person: the audit's
    auditor or the action's owner. A time the old auditor agreed with the worker goes with them."""
    kind, _, number = item.partition(":")
    if kind == "audit":
        statement = update(Allocation).where(Allocation.id == int(number))
        await session.execute(
            statement.values(auditor_id=person_id, agreed_on=None, agreed_time=None)
        )
    else:
        await session.execute(
            update(Action).where(Action.id == int(number)).values(owner_id=person_id)
        )


async def move_action_due(session: AsyncSession, action_id: int, due: dt.date) -> None:
    await session.execute(update(Action).where(Action.id == action_id).values(due_on=due))
