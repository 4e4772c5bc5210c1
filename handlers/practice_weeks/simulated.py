"""A simulation's practice weeks where none were loaded: each week the programme names in the
simulated range is drafted as `qabot practice-week draft` would draft it and stored marked as a
placeholder, so a preview of the year shows its schedule posts, reminders and asks."""

from __future__ import annotations

import datetime as dt

from handlers.core.deps import Deps
from handlers.practice_weeks.schedule import draft, post_day, slot_text, week_starting
from handlers.programme.schema import PracticeWeekActivity
from storage.practice_weeks import schedule
from storage.practice_weeks.schedule import NewVisit


async def draft_placeholders(deps: Deps, start: dt.date, end: dt.date) -> int:
    """Draft and store each practice week posted from `start` to `end` that has no schedule;
    how many weeks were drafted."""
    drafted = 0
    calendar = deps.calendar
    async with deps.sessions.begin() as session:
        people = await schedule.everyone(session)
        teams = await schedule.teams(session)
        by_staff_id = {p.staff_id: p.id for p in people}
        by_team = {name: team_id for team_id, name in teams.items()}
        for activity in deps.programme.of_kind(PracticeWeekActivity):
            for year in range(start.year, end.year + 2):
                for month in activity.months:
                    starts_on = week_starting(year, month, activity.week_of_month)
                    posted_on = post_day(calendar, activity, starts_on)
                    if not start <= posted_on <= end or starts_on <= start:
                        continue
                    if await schedule.has_week(session, activity.id, starts_on):
                        continue
                    try:
                        rows, _ = draft(calendar, activity, starts_on, people, teams)
                    except ValueError:
                        continue  # no one holds a visitor role: nothing to draft
                    visits = [
                        NewVisit(by_staff_id[visitor], by_team[team], dt.date.fromisoformat(day),
                                 slot_text(slot) or slot, what)
                        for visitor, team, day, slot, what in rows
                    ]  # fmt: skip
                    await schedule.store_week(
                        session, activity=activity.id, title=activity.title, starts_on=starts_on,
                        ends_on=starts_on + dt.timedelta(days=4), channel=activity.channel,
                        visits=visits, placeholder=True,
                    )  # fmt: skip
                    drafted += 1
    return drafted
