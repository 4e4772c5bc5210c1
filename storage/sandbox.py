"""The local sandbox's own rows: its clock's moment and each person's side of the chat, kept
across restarts; and clearing everything for a fresh start."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Base, OutboxMessage, SandboxSaid, SandboxSetting

CLOCK = "clock_at"


@dataclass(frozen=True)
class Said:
    """Something a person typed or pressed in the sandbox, shown on their side of the chat."""

    at: dt.datetime
    text: str
    pressed: bool
    event_id: str


async def clock_at(session: AsyncSession) -> dt.datetime | None:
    """Where the sandbox's clock had got to: the moment it last kept, or at least the latest
    message it delivered, so a restart never shows messages from the future."""
    kept = await session.get(SandboxSetting, CLOCK)
    latest = await session.scalar(select(func.max(OutboxMessage.sent_at)))
    moments = [m for m in (dt.datetime.fromisoformat(kept.value) if kept else None, latest) if m]
    return max(moments) if moments else None


async def keep_clock(session: AsyncSession, at: dt.datetime) -> None:
    row = await session.get(SandboxSetting, CLOCK)
    if row is None:
        session.add(SandboxSetting(name=CLOCK, value=at.isoformat()))
    elif dt.datetime.fromisoformat(row.value) < at:
        row.value = at.isoformat()


async def remember(session: AsyncSession, staff_id: str, said: Said) -> None:
    """Keep what a person said once: a resubmitted form (the same event id) is shown once."""
    if await session.scalar(select(SandboxSaid.id).where(SandboxSaid.event_id == said.event_id)):
        return
    session.add(SandboxSaid(staff_id=staff_id, at=said.at, text=said.text, pressed=said.pressed,
                            event_id=said.event_id))  # fmt: skip


async def said_by(session: AsyncSession, staff_id: str, limit: int) -> list[Said]:
    """A person's most recent `limit` messages and clicks, oldest first."""
    rows = await session.scalars(
        select(SandboxSaid)
        .where(SandboxSaid.staff_id == staff_id)
        .order_by(SandboxSaid.at.desc(), SandboxSaid.id.desc())
        .limit(limit)
    )
    return [Said(r.at, r.text, r.pressed, r.event_id) for r in reversed(list(rows))]


async def clear_everything(session: AsyncSession) -> None:
    """Every row of every table gone, children before parents: the sandbox starts afresh."""
    for table in reversed(Base.metadata.sorted_tables):
        await session.execute(delete(table))
