"""The weekly manager digest (`digest.sent`): on the first working day of each week, each line
manager gets one message with their team's picture from every capability, and nothing at all
when there is nothing to say.

It is a message of its own, not an item of the daily nudge message: SPEC's noise budget
counts nudges (reminders and escalations about something a person is to do), and this is a
weekly report that asks nothing and has nothing to snooze or act on, like an allocation. Its
overdue lines are the manager's to know, not to chase; the escalations that do ask something of
a manager still come through the daily message.

A plain `(now) -> int` job the scheduler calls every minute: the first run on that day composes
and queues every manager's message (each delivered inside their working hours) and notes the
week as done, so later runs read one row and stop.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.delivery import Draft, enqueue_many
from handlers.core.deps import Deps
from handlers.core.parsing import first_name
from handlers.core.recipients import dm
from handlers.team_digest.sources import TOPICS, TeamPictureSource, TeamWeek
from message_templates.model import Message
from storage import team_digest
from storage.team_digest import Manager

_DAY = dt.timedelta(days=1)


def week_of(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def digest_day(deps: Deps, day: dt.date) -> dt.date:
    """The week's digest day: its first working day (Tuesday after a bank-holiday Monday)."""
    monday = day - dt.timedelta(days=day.weekday())
    return deps.calendar.next_working_day(monday)


def key(staff_id: str, week: str) -> str:
    return f"team_digest:{staff_id}:{week}"


def sections(week: TeamWeek, manager_id: int) -> list[dict[str, Any]]:
    """One manager's picture: a heading per topic with something to say, in a fixed order."""
    found = week.lines.get(manager_id, {})
    return [{"topic": t, "lines": found[t]} for t in TOPICS if found.get(t)]


async def picture_of(
    deps: Deps,
    session: AsyncSession,
    sources: Sequence[TeamPictureSource],
    manager_id: int,
    today: dt.date,
) -> list[dict[str, Any]]:
    """One line manager's picture of their team as the weekly digest would draw it today (for
    their My QA): the same sources, every line for them kept, "all in date" included."""
    week = TeamWeek(deps, session, today, only=manager_id)
    for source in sources:
        await source.team_picture(week)
    return sections(week, manager_id)


def compose(deps: Deps, manager: Manager, week: TeamWeek) -> Message:
    """One manager's weekly message: their picture, a heading per topic with something to say."""
    sections_ = sections(week, manager.id)
    context = {"name": first_name(manager.name), "week_of": week.today, "sections": sections_}
    meta = {"type": "digest.sent", "manager": manager.staff_id,
            "topics": [s["topic"] for s in sections_]}  # fmt: skip
    return deps.wording.compose("team_digest", context, meta=meta)


async def send_weekly(deps: Deps, sources: Sequence[TeamPictureSource], now: dt.datetime) -> int:
    """Queue this week's manager digests if today is its day and it has not gone out yet; the
    number of messages queued."""
    today = deps.calendar.local_date(now)
    if today != digest_day(deps, today):
        return 0
    week_name = week_of(today)
    async with deps.sessions.begin() as session:
        if await team_digest.sent_for(session, week_name):
            return 0
        week = TeamWeek(deps, session, today)
        for source in sources:
            await source.team_picture(week)
        managers = await team_digest.line_managers(session)
        drafts = [
            Draft(key(m.staff_id, week_name), dm(m.staff_id), compose(deps, m, week),
                  deps.calendar.next_dm_time(now, m.away_until))
            for m in managers.values()
            if m.id in week.news
        ]  # fmt: skip
        await team_digest.mark_sent(session, week_name, now, len(drafts))
        return await enqueue_many(deps, session, drafts, now=now)
