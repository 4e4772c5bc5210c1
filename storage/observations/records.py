"""Observations recorded: stored whole once the form is valid, read back for the cadence."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
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
    note: str


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
        note=new.note,
        recorded_at=now,
    )
    session.add(row)
    await session.flush()
    return row.id


Recorded = dict[tuple[str, str, int], list[dt.date]]


async def observed_dates(session: AsyncSession) -> Recorded:
    """The dates each person was observed, by (activity, group, observed person), oldest first."""
    query = select(
        Observation.activity, Observation.group, Observation.observed_id, Observation.observed_on
    ).order_by(Observation.observed_on)
    found: Recorded = defaultdict(list)
    for activity, group, observed_id, observed_on in await run(session, query):
        found[(activity, group, observed_id)].append(observed_on)
    return dict(found)
