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


async def snooze_reasons(session: AsyncSession, since: dt.date) -> dict[tuple[int, str], str]:
    """Why each (person, item) snooze holding on or ending after `since` was made, where the
    person said."""
    query = select(Snooze.person_id, Snooze.item, Snooze.reason).where(
        Snooze.until >= since, Snooze.reason.is_not(None)
    )
    return {(row[0], row[1]): row[2] for row in (await run(session, query)).all()}


async def set_snooze(session: AsyncSession, person_id: int, item: str, until: dt.date) -> None:
    """Hold reminders about `item` ("<kind>:<id>") for this person up to and including `until`.
    A new snooze starts without a reason (the last one's may no longer hold)."""
    found = await session.scalar(
        select(Snooze).where(Snooze.person_id == person_id, Snooze.item == item)
    )
    if found is None:
        session.add(Snooze(person_id=person_id, item=item, until=until))
    else:
        found.until = until
        found.reason = None


async def give_reason(session: AsyncSession, person_id: int, item: str, reason: str) -> bool:
    """Keep why this person snoozed `item`; False when they hold no snooze of it."""
    found = await session.scalar(
        select(Snooze).where(Snooze.person_id == person_id, Snooze.item == item)
    )
    if found is None:
        return False
    found.reason = reason
    return True
