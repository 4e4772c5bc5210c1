"""Observations recorded: stored whole once the form is valid, read back for the cadence."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage._core import run
from storage.models import Observation


@dataclass(frozen=True)
class NewObservation:
    activity: str
    group: str
    observed_id: int
    observer_id: int
    observed_on: dt.date
    setting: str
    family_consent: str
    strengths: str
    areas: str = ""


async def add(session: AsyncSession, new: NewObservation, now: dt.datetime) -> int:
    """Store one observation; its id."""
    row = Observation(
        activity=new.activity,
        group=new.group,
        observed_id=new.observed_id,
        observer_id=new.observer_id,
        observed_on=new.observed_on,
        setting=new.setting,
        family_consent=new.family_consent,
        strengths=new.strengths,
        areas=new.areas,
        recorded_at=now,
    )
    session.add(row)
    await session.flush()
    return row.id


Recorded = dict[tuple[str, str, int], list[dt.date]]

# Past this many people a narrowed read reads everything instead: one long IN list costs more
# than the rows it saves, and databases cap how many parameters a statement may carry.
NARROW_AT_MOST = 500


def _dates_by(person: Any) -> tuple[Select[Any], Select[Any]]:
    """Every observation's date by (activity, group, `person`), oldest first; and the same for
    some people only (`ids`)."""
    query = select(Observation.activity, Observation.group, person, Observation.observed_on)
    query = query.order_by(Observation.observed_on)
    return query, query.where(person.in_(bindparam("ids", expanding=True)))


_OBSERVED = _dates_by(Observation.observed_id)
_OBSERVER = _dates_by(Observation.observer_id)


async def _dates(
    session: AsyncSession, queries: tuple[Select[Any], Select[Any]], ids: Collection[int] | None
) -> Recorded:
    everything, narrowed = queries
    if ids is None or len(ids) > NARROW_AT_MOST:
        rows = await run(session, everything)
    else:
        rows = await run(session, narrowed, {"ids": list(ids)})
    found: Recorded = defaultdict(list)
    for activity, group, person_id, observed_on in rows.all():
        found[(activity, group, person_id)].append(observed_on)
    return dict(found)


async def observed_dates(session: AsyncSession, ids: Collection[int] | None = None) -> Recorded:
    """The dates each person was observed, by (activity, group, observed person), oldest first
    (`ids`: only these people need be there)."""
    return await _dates(session, _OBSERVED, ids)


async def observer_dates(session: AsyncSession, ids: Collection[int] | None = None) -> Recorded:
    """The dates each observer recorded an observation, by (activity, group, observer), oldest
    first (`ids`: only these observers need be there)."""
    return await _dates(session, _OBSERVER, ids)


@dataclass(frozen=True)
class Stored:
    """One observation as its worker sees it when they add their reflection."""

    id: int
    observed_id: int
    observer_id: int
    observed_on: dt.date
    reflection: str | None


async def one(session: AsyncSession, observation_id: int) -> Stored | None:
    query = select(
        Observation.id, Observation.observed_id, Observation.observer_id,
        Observation.observed_on, Observation.reflection,
    ).where(Observation.id == observation_id)  # fmt: skip
    row = (await run(session, query)).first()
    return Stored(*row) if row is not None else None


async def reflect(
    session: AsyncSession, observation_id: int, reflection: str, now: dt.datetime
) -> None:
    """Keep the observed worker's own reflection on an observation."""
    found = await session.get(Observation, observation_id)
    if found is not None:
        found.reflection = reflection
        found.reflected_at = now


async def awaiting_reflection(session: AsyncSession, since: dt.date) -> dict[int, int]:
    """How many observations since `since` each observed worker has not yet reflected on."""
    query = select(Observation.observed_id).where(
        Observation.reflection.is_(None), Observation.observed_on >= since
    )
    found: dict[int, int] = defaultdict(int)
    for (observed_id,) in await run(session, query):
        found[observed_id] += 1
    return dict(found)
