"""Who a message goes to: outbox recipients, and the person behind an inbound event."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.errors import UserError
from storage.models import Person


def dm(staff_id: str) -> str:
    """The outbox recipient of a direct message to a person."""
    return f"person:{staff_id}"


async def person_of(session: AsyncSession, staff_id: str) -> Person:
    """The active person with this staff id; a polite problem if qabot doesn't know them."""
    person = await session.scalar(select(Person).where(Person.staff_id == staff_id))
    if person is None or not person.active:
        raise UserError("I can't find you in the staff list. Your QA team can add you.")
    return person
