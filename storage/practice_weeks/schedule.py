"""A practice week's schedule: stored whole when loaded, read back to post it and to remind.

Loading a schedule for a week that already has one replaces its visits (the QA team edits the
CSV and loads it again); the week keeps its id, so its channel post is still made only once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage._core import run
from storage.models import Case, Person, PracticeWeek, PracticeWeekSlot, Team


@dataclass(frozen=True)
class NewVisit:
    visitor_id: int
    team_id: int
    day: dt.date
    slot: str
    activity: str


@dataclass(frozen=True)
class Week:
    id: int
    activity: str
    title: str
    starts_on: dt.date
    ends_on: dt.date
    channel: str
    posted_at: dt.datetime | None
    placeholder: bool = False


@dataclass(frozen=True)
class Visit:
    """One visit as messages show it: names and teams, never a case."""

    id: int
    week_id: int
    visitor_id: int
    visitor_staff_id: str
    visitor_name: str
    team_id: int
    team: str
    day: dt.date
    slot: str
    activity: str
    grade: str = ""
    findings_at: dt.datetime | None = None
    feedback_rating: str = ""
    feedback_at: dt.datetime | None = None


@dataclass(frozen=True)
class Host:
    """Someone who hears about a visit: the visitor, or a manager of the visited team."""

    id: int
    staff_id: str
    name: str
    role: str
    team_id: int
    manager_id: int | None
    away_until: dt.date | None
    active: bool


async def store_week(
    session: AsyncSession,
    *,
    activity: str,
    title: str,
    starts_on: dt.date,
    ends_on: dt.date,
    channel: str,
    visits: Sequence[NewVisit],
    placeholder: bool = False,
) -> tuple[int, bool]:
    """Store the week's schedule, replacing any loaded before; (the week's id, whether new)."""
    query = select(PracticeWeek).where(
        PracticeWeek.activity == activity, PracticeWeek.starts_on == starts_on
    )
    week = await session.scalar(query)
    new = week is None
    if week is None:
        week = PracticeWeek(activity=activity, title=title, starts_on=starts_on, ends_on=ends_on,
                            channel=channel, posted_at=None, placeholder=placeholder)  # fmt: skip
        session.add(week)
        await session.flush()
    else:
        week.title, week.ends_on, week.channel = title, ends_on, channel
        week.placeholder = placeholder
        await session.execute(delete(PracticeWeekSlot).where(PracticeWeekSlot.week_id == week.id))
    session.add_all(
        PracticeWeekSlot(week_id=week.id, visitor_id=v.visitor_id, team_id=v.team_id, day=v.day,
                         slot=v.slot, activity=v.activity, feedback="")
        for v in visits
    )  # fmt: skip
    await session.flush()
    return week.id, new


def _week(row: PracticeWeek) -> Week:
    return Week(row.id, row.activity, row.title, row.starts_on, row.ends_on, row.channel,
                row.posted_at, row.placeholder)  # fmt: skip


async def has_week(session: AsyncSession, activity: str, starts_on: dt.date) -> bool:
    query = select(PracticeWeek.id).where(
        PracticeWeek.activity == activity, PracticeWeek.starts_on == starts_on
    )
    return (await session.scalar(query)) is not None


async def weeks_from(session: AsyncSession, day: dt.date) -> list[Week]:
    """Every week that has not ended by `day`, soonest first."""
    query = select(PracticeWeek).where(PracticeWeek.ends_on >= day)
    rows = await session.scalars(query.order_by(PracticeWeek.starts_on, PracticeWeek.id))
    return [_week(row) for row in rows]


async def mark_posted(session: AsyncSession, week_id: int, at: dt.datetime) -> None:
    week = await session.get(PracticeWeek, week_id)
    if week is not None and week.posted_at is None:
        week.posted_at = at


_VISITS = (
    select(PracticeWeekSlot.id, PracticeWeekSlot.week_id, Person.id, Person.staff_id, Person.name,
           Team.id, Team.name, PracticeWeekSlot.day, PracticeWeekSlot.slot,
           PracticeWeekSlot.activity, PracticeWeekSlot.grade, PracticeWeekSlot.findings_at,
           PracticeWeekSlot.feedback_rating, PracticeWeekSlot.feedback_at)
    .join(Person, Person.id == PracticeWeekSlot.visitor_id)
    .join(Team, Team.id == PracticeWeekSlot.team_id)
    .order_by(PracticeWeekSlot.day, PracticeWeekSlot.slot, Team.name, PracticeWeekSlot.id)
)  # fmt: skip


async def visits_of(session: AsyncSession, week_id: int) -> list[Visit]:
    """The week's visits in time order."""
    rows = await run(session, _VISITS.where(PracticeWeekSlot.week_id == week_id))
    return [Visit(*row) for row in rows]


async def visits_on(session: AsyncSession, days: Sequence[dt.date]) -> list[Visit]:
    """Every visit on any of these days, in time order."""
    if not days:
        return []
    rows = await run(session, _VISITS.where(PracticeWeekSlot.day.in_(list(days))))
    return [Visit(*row) for row in rows]


async def visit(session: AsyncSession, visit_id: int) -> Visit | None:
    row = (await run(session, _VISITS.where(PracticeWeekSlot.id == visit_id))).first()
    return Visit(*row) if row is not None else None


async def week(session: AsyncSession, week_id: int) -> Week | None:
    row = await session.get(PracticeWeek, week_id)
    return _week(row) if row is not None else None


async def weeks_ending(session: AsyncSession, first: dt.date, last: dt.date) -> list[Week]:
    """The weeks that ended on a day from `first` to `last`."""
    query = select(PracticeWeek).where(PracticeWeek.ends_on >= first, PracticeWeek.ends_on <= last)
    rows = await session.scalars(query.order_by(PracticeWeek.starts_on, PracticeWeek.id))
    return [_week(row) for row in rows]


async def save_findings(
    session: AsyncSession, visit_id: int, findings: str, grade: str, at: dt.datetime
) -> None:
    row = await session.get(PracticeWeekSlot, visit_id)
    if row is not None:
        row.findings, row.grade, row.findings_at = findings, grade, at


async def save_feedback(
    session: AsyncSession, visit_id: int, rating: str, feedback: str, at: dt.datetime
) -> None:
    row = await session.get(PracticeWeekSlot, visit_id)
    if row is not None:
        row.feedback_rating, row.feedback, row.feedback_at = rating, feedback, at


_HOSTS = select(Person.id, Person.staff_id, Person.name, Person.role, Person.team_id,
                Person.manager_id, Person.away_until, Person.active)  # fmt: skip


async def people_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, Host]:
    rows = await run(session, _HOSTS.where(Person.id.in_(list(ids))))
    return {row[0]: Host(*row) for row in rows}


async def team_members(
    session: AsyncSession, team_ids: Sequence[int], roles: Sequence[str] | None = None
) -> dict[int, list[Host]]:
    """The active members of each team (in these roles, if given)."""
    query = _HOSTS.where(Person.team_id.in_(list(team_ids)), Person.active.is_(True))
    if roles is not None:
        query = query.where(Person.role.in_(list(roles)))
    query = query.order_by(Person.staff_id)
    found: dict[int, list[Host]] = {}
    for row in await run(session, query):
        host = Host(*row)
        found.setdefault(host.team_id, []).append(host)
    return found


async def person(session: AsyncSession, staff_id: str) -> Host | None:
    row = (await run(session, _HOSTS.where(Person.staff_id == staff_id))).first()
    return Host(*row) if row is not None else None


async def everyone(session: AsyncSession) -> list[Host]:
    """Everyone on the roster, leavers included (the loader names them)."""
    return [Host(*row) for row in await run(session, _HOSTS.order_by(Person.staff_id))]


async def teams(session: AsyncSession) -> dict[int, str]:
    """Every team by id."""
    rows = await run(session, select(Team.id, Team.name).order_by(Team.name, Team.id))
    return {team_id: name for team_id, name in rows}


async def case_refs(session: AsyncSession) -> set[str]:
    """Every case reference qabot knows, so a schedule naming one is refused."""
    return set(await session.scalars(select(Case.case_ref)))


async def week_on_or_before(session: AsyncSession, day: dt.date) -> Week | None:
    """The latest practice week that started on or before `day` (the week `day` is in, if any)."""
    query = select(PracticeWeek).where(PracticeWeek.starts_on <= day)
    row = await session.scalar(
        query.order_by(PracticeWeek.starts_on.desc(), PracticeWeek.id.desc())
    )
    return _week(row) if row is not None else None


async def answers_of(session: AsyncSession, week_id: int) -> dict[int, tuple[str, str]]:
    """Each visit's stored findings (JSON) and the team's feedback words, by visit id."""
    query = select(PracticeWeekSlot.id, PracticeWeekSlot.findings, PracticeWeekSlot.feedback)
    rows = await run(session, query.where(PracticeWeekSlot.week_id == week_id))
    return {row[0]: (row[1] or "", row[2] or "") for row in rows}
