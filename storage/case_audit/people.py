"""People as the audit cycle names them, looked up in bulk."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage._core import run
from storage.models import Person


@dataclass(frozen=True)
class PersonRef:
    id: int
    staff_id: str
    name: str
    role: str
    manager_id: int | None
    away_until: dt.date | None
    active: bool = True  # False for a leaver: kept on their audits, never sent reminders


def person_ref(person: Person) -> PersonRef:
    return PersonRef(person.id, person.staff_id, person.name, person.role, person.manager_id,
                     person.away_until, person.active)  # fmt: skip


def person_columns(person: Any) -> tuple[Any, ...]:
    return (person.id, person.staff_id, person.name, person.role, person.manager_id,
            person.away_until, person.active)  # fmt: skip


# Built once, so each query shape is compiled once and served from SQLAlchemy's cache.
_PERSON_REFS = select(*person_columns(Person))
_PEOPLE_BY_ID = _PERSON_REFS.where(Person.id.in_(bindparam("ids", expanding=True)))
_PEOPLE_BY_STAFF_ID = _PERSON_REFS.where(
    Person.staff_id.in_(bindparam("staff_ids", expanding=True)), Person.active
)


async def people_by_id(session: AsyncSession, ids: Collection[int]) -> dict[int, PersonRef]:
    if not ids:
        return {}
    found = await run(session, _PEOPLE_BY_ID, {"ids": list(ids)})
    return {row[0]: PersonRef(*row) for row in found}


async def people_by_staff_id(
    session: AsyncSession, staff_ids: Collection[str]
) -> dict[str, PersonRef]:
    """Active people by staff id, in one query."""
    if not staff_ids:
        return {}
    found = await run(session, _PEOPLE_BY_STAFF_ID, {"staff_ids": list(staff_ids)})
    return {row[1]: PersonRef(*row) for row in found}


async def person_by_staff_id(session: AsyncSession, staff_id: str) -> PersonRef | None:
    found = (await run(session, _PEOPLE_BY_STAFF_ID, {"staff_ids": [staff_id]})).first()
    return PersonRef(*found) if found is not None else None


async def people_named(session: AsyncSession, name: str) -> list[PersonRef]:
    """Active people whose name is exactly this (ignoring case), to resolve an action's owner."""
    query = select(Person).where(func.lower(Person.name) == name.strip().lower(), Person.active)
    return [person_ref(p) for p in await session.scalars(query)]
