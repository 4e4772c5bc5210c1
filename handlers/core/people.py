"""The people picker's choices: each person by name, role and team, chosen by staff id."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy.ext.asyncio import AsyncSession

from message_templates.model import Choice
from message_templates.wording import role_label
from storage.people import StaffMember, picker_people

PICKER_SIZE = 100  # as many options as every platform's static list shows


def person_choice(person: StaffMember) -> Choice:
    """ "Sam Moss — Practitioner, Assessment 1": enough to tell namesakes apart."""
    return Choice(f"{person.name} — {role_label(person.role)}, {person.team}", person.staff_id)


async def people_to_pick(session: AsyncSession, near: Collection[str]) -> tuple[Choice, ...]:
    """The people a picker offers: those in the services of the people `near` (staff ids)."""
    return tuple(person_choice(p) for p in await picker_people(session, near, PICKER_SIZE))
