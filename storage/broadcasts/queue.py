"""The broadcast queue: items added, read back in posting order, marked posted or held; and who
has said they read each one ("I've read this"), counted by team."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage._core import run
from storage.case_audit.people import PersonRef
from storage.models import Broadcast, BroadcastAck, Case, Person, Team

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
    placeholder: bool = False


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
    placeholder: bool = False


@dataclass(frozen=True)
class Reads:
    """How many have said they read a posted broadcast, in all and by team (most first)."""

    id: int
    title: str
    kind: str
    channel: str
    posted_at: dt.datetime
    total: int
    by_team: tuple[tuple[str, int], ...]


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
        placeholder=new.placeholder,
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
                  row.scheduled_for, row.status, row.posted_at, row.placeholder)  # fmt: skip


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


async def get(session: AsyncSession, broadcast_id: int) -> Queued | None:
    row = await session.get(Broadcast, broadcast_id)
    return _queued(row) if row is not None else None


async def taken_between(
    session: AsyncSession, activity: str, after: dt.datetime, until: dt.datetime
) -> bool:
    """Whether a broadcast of `activity` (queued or posted, not held) is set for a time in
    (after, until]: the slot ending at `until` has something to post."""
    query = select(Broadcast.id).where(
        Broadcast.activity == activity,
        Broadcast.status != HELD,
        Broadcast.scheduled_for > after,
        Broadcast.scheduled_for <= until,
    )
    return (await session.scalar(query.limit(1))) is not None


async def acknowledge(
    session: AsyncSession, broadcast_id: int, person_id: int, at: dt.datetime
) -> bool:
    """Record that the person read it; False when they had said so before (kept once)."""
    query = select(BroadcastAck.id).where(
        BroadcastAck.broadcast_id == broadcast_id, BroadcastAck.person_id == person_id
    )
    if await session.scalar(query) is not None:
        return False
    try:
        async with session.begin_nested():
            session.add(BroadcastAck(broadcast_id=broadcast_id, person_id=person_id, at=at))
    except IntegrityError:  # the same person's second click, at the same moment
        return False
    return True


async def reads(session: AsyncSession, limit: int = 20) -> list[Reads]:
    """The latest posted broadcasts (newest first) with their read counts by team: two
    grouped queries, not one a broadcast."""
    posted = list(
        await session.scalars(
            select(Broadcast)
            .where(Broadcast.status == POSTED)
            .order_by(Broadcast.posted_at.desc(), Broadcast.id.desc())
            .limit(limit)
        )
    )
    if not posted:
        return []
    counts = await run(
        session,
        select(BroadcastAck.broadcast_id, Team.name, func.count(BroadcastAck.id))
        .join(Person, Person.id == BroadcastAck.person_id)
        .join(Team, Team.id == Person.team_id)
        .where(BroadcastAck.broadcast_id.in_([b.id for b in posted]))
        .group_by(BroadcastAck.broadcast_id, Team.name),
    )
    by_item: dict[int, list[tuple[str, int]]] = {}
    for broadcast_id, team, count in counts:
        by_item.setdefault(broadcast_id, []).append((team, int(count)))
    found = []
    for row in posted:
        teams = sorted(by_item.get(row.id, []), key=lambda pair: (-pair[1], pair[0]))
        assert row.posted_at is not None
        found.append(Reads(row.id, row.title, row.kind, row.channel, row.posted_at,
                           sum(n for _, n in teams), tuple(teams)))  # fmt: skip
    return found


async def people_in_roles(session: AsyncSession, roles: Sequence[str]) -> list[PersonRef]:
    """Everyone active in one of these roles, by staff id (who hears a slot is empty)."""
    query = (
        select(Person.id, Person.staff_id, Person.name, Person.role, Person.manager_id,
               Person.away_until, Person.active)
        .where(Person.role.in_(list(roles)), Person.active.is_(True))
        .order_by(Person.staff_id)
    )  # fmt: skip
    return [PersonRef(*row) for row in await run(session, query)]
