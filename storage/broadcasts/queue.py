"""The broadcast queue: items added, read back in posting order, marked posted or held."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage._core import run
from storage.models import Broadcast, Case

QUEUED = "queued"
POSTED = "posted"
HELD = "held"


@dataclass(frozen=True)
class NewBroadcast:
    activity: str
    kind: str
    title: str
    body: str
    channel: str
    scheduled_for: dt.datetime
    on_cadence: bool
    created_by_id: int | None = None


@dataclass(frozen=True)
class Queued:
    id: int
    activity: str
    kind: str
    title: str
    body: str
    channel: str
    scheduled_for: dt.datetime
    status: str
    posted_at: dt.datetime | None


async def add(session: AsyncSession, new: NewBroadcast, now: dt.datetime) -> int:
    """Queue one broadcast; its id."""
    row = Broadcast(
        activity=new.activity,
        kind=new.kind,
        title=new.title,
        body=new.body,
        channel=new.channel,
        created_by_id=new.created_by_id,
        created_at=now,
        scheduled_for=new.scheduled_for,
        on_cadence=new.on_cadence,
        status=QUEUED,
    )
    session.add(row)
    await session.flush()
    return row.id


async def last_cadence_slot(session: AsyncSession, activity: str) -> dt.datetime | None:
    """The latest cadence slot any broadcast of `activity` has taken, posted or not."""
    query = select(func.max(Broadcast.scheduled_for)).where(
        Broadcast.activity == activity, Broadcast.on_cadence.is_(True)
    )
    latest: dt.datetime | None = (await session.execute(query)).scalar_one()
    return latest


def _queued(row: Broadcast) -> Queued:
    return Queued(row.id, row.activity, row.kind, row.title, row.body, row.channel,
                  row.scheduled_for, row.status, row.posted_at)  # fmt: skip


async def everything(session: AsyncSession) -> list[Queued]:
    """Every broadcast, in the order they post (posted ones too, for the list)."""
    query = select(Broadcast).order_by(Broadcast.scheduled_for, Broadcast.id)
    return [_queued(row) for row in (await session.scalars(query)).all()]


async def due(session: AsyncSession, now: dt.datetime) -> list[Queued]:
    """Queued broadcasts whose time has come, oldest slot first."""
    query = (
        select(Broadcast)
        .where(Broadcast.status == QUEUED, Broadcast.scheduled_for <= now)
        .order_by(Broadcast.scheduled_for, Broadcast.id)
    )
    return [_queued(row) for row in (await session.scalars(query)).all()]


async def mark(session: AsyncSession, broadcast_id: int, status: str, at: dt.datetime) -> None:
    """Posted (at `at`) or held."""
    posted_at = at if status == POSTED else None
    await run(
        session,
        update(Broadcast)
        .where(Broadcast.id == broadcast_id)
        .values(status=status, posted_at=posted_at),
    )


async def case_refs(session: AsyncSession) -> set[str]:
    """Every case reference qabot knows, open or closed: none may be broadcast."""
    return set((await session.scalars(select(Case.case_ref))).all())
