"""The staff observations track, with what their cadence reads: ASYE start and last observed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, Select, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage._core import run
from storage.models import AuditLogEntry, Person


@dataclass(frozen=True)
class Staff:
    """One member of staff as observation tracking sees them."""

    id: int
    staff_id: str
    name: str
    role: str
    manager_id: int | None
    away_until: dt.date | None
    active: bool
    asye_start: dt.date | None = None
    last_observed: dt.date | None = None


_COLUMNS = (
    Person.id, Person.staff_id, Person.name, Person.role, Person.manager_id, Person.away_until,
    Person.active, Person.asye_start, Person.last_observed,
)  # fmt: skip
_STAFF = select(*_COLUMNS).order_by(Person.id)


async def everyone(session: AsyncSession) -> dict[int, Staff]:
    """Every person, leavers included (a leaver may still sit in someone's line of management),
    in the staff list's order."""
    return {row[0]: Staff(*row) for row in (await run(session, _STAFF)).all()}


def _around(everyone_below: bool) -> Select[Any]:
    """`around`'s statement: the named person and their line of management upwards, the person
    clicking, and those reporting to the named person (directly, or at any depth)."""
    named = bindparam("named", type_=Integer)
    above = aliased(Person)
    up = select(Person.id, Person.manager_id).where(Person.id == named).cte("up", recursive=True)
    up = up.union(select(above.id, above.manager_id).where(above.id == up.c.manager_id))
    wanted = [Person.id.in_(select(up.c.id)), Person.staff_id == bindparam("clicker")]
    if everyone_below:
        below = aliased(Person)
        down = select(Person.id).where(Person.id == named).cte("down", recursive=True)
        down = down.union(select(below.id).where(below.manager_id == down.c.id))
        wanted.append(Person.id.in_(select(down.c.id)))
    else:
        wanted.append(Person.manager_id == named)
    columns: list[Any] = list(_COLUMNS)
    return select(*columns).where(or_(*wanted)).order_by(Person.id)


_AROUND = {below: _around(below) for below in (False, True)}


async def around(
    session: AsyncSession, named: int, clicker: str, *, everyone_below: bool = False
) -> dict[int, Staff]:
    """The part of the staff list one observation's button needs, in the staff list's order:
    the person it names with everyone above them in their line of management (their observer,
    who acts while they are away, who may record it), the person clicking (`clicker`, a staff
    id), and those reporting to the named person: directly (whether they supervise anyone), or
    at any depth for an observer's own cadence (whom they may choose to observe)."""
    query = _AROUND[everyone_below]
    rows = (await run(session, query, {"named": named, "clicker": clicker})).all()
    return {row[0]: Staff(*row) for row in rows}


_BY_STAFF_ID = select(*_COLUMNS).where(Person.staff_id == bindparam("staff_id"))


async def by_staff_id(session: AsyncSession, staff_id: str) -> Staff | None:
    """One person by their staff id, leavers included."""
    row = (await run(session, _BY_STAFF_ID, {"staff_id": staff_id})).first()
    return Staff(*row) if row is not None else None


_FIRST_IMPORT = select(func.min(AuditLogEntry.at)).where(AuditLogEntry.action == "roster.imported")


async def tracking_since(session: AsyncSession) -> dt.datetime | None:
    """When qabot first knew the staff list: the first roster import, if there was one."""
    found: dt.datetime | None = (await run(session, _FIRST_IMPORT)).scalar()
    return found
