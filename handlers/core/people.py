"""The people picker's choices: each person by name, role and team, chosen by staff id."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy.ext.asyncio import AsyncSession

from message_templates.model import Choice
from message_templates.wording import role_label
from storage.people import StaffMember, person_by_staff_id, picker_people, search_people

PICKER_SIZE = 100  # as many options as every platform's static list shows


def person_choice(person: StaffMember) -> Choice:
    """ "Sam Moss — Practitioner, Assessment 1": enough to tell namesakes apart."""
    return Choice(f"{person.name} — {role_label(person.role)}, {person.team}", person.staff_id)


async def people_to_pick(session: AsyncSession, near: Collection[str]) -> tuple[Choice, ...]:
    """The people a picker offers: those in the services of the people `near` (staff ids)."""
    return tuple(person_choice(p) for p in await picker_people(session, near, PICKER_SIZE))


async def chosen_person(session: AsyncSession, text: str) -> StaffMember | str:
    """The active person a people picker names, by staff id (any case) or by exact name; or
    the words to show beside the field when it names no one, or several people."""
    wanted = text.strip()
    if not wanted:
        return "Please choose someone."
    found = await person_by_staff_id(session, wanted) or await person_by_staff_id(
        session, wanted.upper()
    )
    if found is not None and found.active:
        return found
    named = [
        p for p in await search_people(session, wanted, 50) if p.name.lower() == wanted.lower()
    ]
    if not named:
        return f"{wanted!r} isn't anyone I know: pick someone from the list."
    if len(named) > 1:
        who = "; ".join(f"{p.name} ({p.team}), staff id {p.staff_id}" for p in named)
        return f"{wanted!r} could be {len(named)} people: {who}. Pick the one you mean."
    return named[0]
