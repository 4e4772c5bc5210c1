"""People as the audit cycle names them, looked up in bulk."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, bindparam, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage._core import run
from storage.models import Person, Team


@dataclass(frozen=True)
class PersonRef:
    id: int
    staff_id: str
    name: str
    role: str
    manager_id: int | None
    away_until: dt.date | None
    active: bool = True  # False for a leaver: kept on their audits, never sent reminders


def person_columns(person: Any) -> tuple[Any, ...]:
    """A PersonRef's columns; its name is told apart from any namesake's (`told_apart`)."""
    return (person.id, person.staff_id, told_apart(person).label("name"), person.role,
            person.manager_id, person.away_until, person.active)  # fmt: skip


def told_apart(person: Any) -> ColumnElement[str]:
    """How the audit cycle names a person to others: their name, with their team's after it
    when another active person has the same name ("Sam Moss (Assessment 1)"), and their
    staff id too when that namesake is in the same team ("Sam Moss (Assessment 1, S0101)")."""
    other, team = aliased(Person), aliased(Team)
    namesake = select(other.id).where(
        other.name == person.name, other.id != person.id, other.active
    )
    same_team = namesake.where(other.team_id == person.team_id)
    team_name = select(team.name).where(team.id == person.team_id).scalar_subquery()
    return case(
        (same_team.exists(), person.name + " (" + team_name + ", " + person.staff_id + ")"),
        (namesake.exists(), person.name + " (" + team_name + ")"),
        else_=person.name,
    )


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


_NAMED = _PERSON_REFS.where(
    or_(
        func.lower(Person.name) == bindparam("name"),
        func.lower(told_apart(Person)) == bindparam("name"),
    ),
    Person.active,
).order_by(Person.staff_id)


async def people_named(session: AsyncSession, name: str) -> list[PersonRef]:
    """Active people whose name is exactly this (ignoring case), to resolve an action's owner;
    a name told apart by team ("Sam Moss (Assessment 1)") finds only that one. Each comes
    named as `told_apart` names them, so namesakes can be listed for someone to choose."""
    found = await run(session, _NAMED, {"name": name.strip().lower()})
    return [PersonRef(*row) for row in found]


_WITH_ROLES = _PERSON_REFS.where(
    Person.role.in_(bindparam("roles", expanding=True)), Person.active
).order_by(Person.staff_id)


async def people_with_roles(session: AsyncSession, roles: Collection[str]) -> list[PersonRef]:
    """Active people holding any of these roles (the QA team, those who may allocate)."""
    if not roles:
        return []
    return [PersonRef(*row) for row in await run(session, _WITH_ROLES, {"roles": list(roles)})]
