"""Loading a practice week's schedule from its CSV, all or nothing, and drafting one.

The schedule belongs to the programme's practice-week activity (the first, unless one is
named); its week is the Monday-to-Friday its days fall in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from handlers.core.calendar import Calendar
from handlers.core.permissions import LOAD_SCHEDULES, operator
from handlers.errors import UserError
from handlers.practice_weeks.schedule import ScheduleError, draft, draft_csv, read_schedule
from handlers.programme.schema import PracticeWeekActivity, Programme
from handlers.roster.csv_rows import CsvFile
from storage import Sessions
from storage.practice_weeks import schedule

__all__ = ["Drafted", "Loaded", "ScheduleError", "draft_week", "load_schedule"]


@dataclass(frozen=True)
class Loaded:
    title: str
    starts_on: dt.date
    ends_on: dt.date
    visits: int
    replaced: bool


@dataclass(frozen=True)
class Drafted:
    csv: str
    visits: int
    unvisited: list[str]


def activity_of(programme: Programme, activity_id: str | None) -> PracticeWeekActivity:
    found: list[PracticeWeekActivity] = programme.of_kind(PracticeWeekActivity)
    if not found:
        raise UserError(f"the programme {programme.name!r} has no practice week")
    if activity_id is None:
        return found[0]
    for activity in found:
        if activity.id == activity_id:
            return activity
    names = ", ".join(a.id for a in found)
    raise UserError(f"no practice week {activity_id!r} in the programme; it has: {names}")


async def load_schedule(
    sessions: Sessions,
    programme: Programme,
    calendar: Calendar,
    source: CsvFile,
    activity_id: str | None = None,
    *,
    by: str | None,
) -> Loaded:
    """Store the schedule whole, or raise ScheduleError naming every problem (nothing stored).
    `by` (a staff id) must hold a role the programme lets load schedules."""
    activity = activity_of(programme, activity_id)
    async with sessions.begin() as session:
        await operator(session, programme, by, LOAD_SCHEDULES)
        people = await schedule.everyone(session)
        teams = await schedule.teams(session)
        refs = await schedule.case_refs(session)
        checked = read_schedule(source, calendar, people, teams, refs)
        _, new = await schedule.store_week(
            session,
            activity=activity.id,
            title=activity.title,
            starts_on=checked.starts_on,
            ends_on=checked.ends_on,
            channel=activity.channel,
            visits=checked.visits,
        )
    return Loaded(activity.title, checked.starts_on, checked.ends_on, len(checked.visits),
                  not new)  # fmt: skip


async def draft_week(
    sessions: Sessions,
    programme: Programme,
    calendar: Calendar,
    week: dt.date,
    activity_id: str | None = None,
    *,
    by: str | None,
) -> Drafted:
    """A draft schedule for the week holding `week`, as CSV text to edit and load; `by` as
    for loading."""
    activity = activity_of(programme, activity_id)
    starts_on = week - dt.timedelta(days=week.weekday())
    async with sessions() as session:
        await operator(session, programme, by, LOAD_SCHEDULES)
        people = await schedule.everyone(session)
        teams = await schedule.teams(session)
    try:
        rows, unvisited = draft(calendar, activity, starts_on, people, teams)
    except ValueError as error:
        raise UserError(str(error)) from None
    return Drafted(draft_csv(rows), len(rows), unvisited)
