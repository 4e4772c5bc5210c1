"""Snoozes: a person holding the reminders about one item (of any capability) for a few days."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage._core import run
from storage.models import Snooze


async def snoozed_until(session: AsyncSession, since: dt.date) -> dict[tuple[int, str], dt.date]:
    """Each (person, item) snooze still holding on or ending after `since`, by its last day."""
    query = select(Snooze.person_id, Snooze.item, Snooze.until).where(Snooze.until >= since)
    rows = (await run(session, query)).all()
    return {(row[0], row[1]): row[2] for row in rows}


async def set_snooze(session: AsyncSession, person_id: int, item: str, until: dt.date) -> None:
    """Hold reminders about `item` ("<kind>:<id>") for this person up to and including `until`."""
    found = await session.scalar(
        select(Snooze).where(Snooze.person_id == person_id, Snooze.item == item)
    )
    if found is None:
        session.add(Snooze(person_id=person_id, item=item, until=until))
    else:
        found.until = until
