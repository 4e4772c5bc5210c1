"""Practice weeks on the clock: the schedule posted to its channel, reminders in the digest.

Each working day from the programme's posting day (`post_days_before` the week starts) until
the week begins, a loaded schedule not yet posted goes to the activity's channel, keyed once per
week: loading an edited schedule after it is posted does not post it again. The working day
before each visit (`remind_days_before` working days), the visitor and everyone in the team
visited each find it in their one daily message; the working day after it, the visitor is asked
for their findings and the team's managers for its feedback. SUMMARY_AFTER working days after the
week, the QA team's channel gets its summary: counts and grades, never a visit's words.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial

from handlers.core.calendar import Calendar
from handlers.core.delivery import enqueue
from handlers.core.deps import Deps
from handlers.core.privacy import findings
from handlers.practice_weeks import keys, messages
from handlers.practice_weeks.ids import FEEDBACK_TYPE, FINDINGS_TYPE, WHY_TYPE
from handlers.practice_weeks.schedule import post_day
from handlers.programme.schema import PracticeWeekActivity
from handlers.reminders.sources import ReminderDay
from storage.case_audit.people import PersonRef
from storage.practice_weeks import schedule
from storage.practice_weeks.schedule import Host

_LOOK_AHEAD_DAYS = 21  # far enough to find the visit that is N working days away
SUMMARY_AFTER = 5  # working days after the week ends: the QA team's summary
# working days after the first ask for findings or feedback: one gentle follow-up, then no more
# (the noise budget: a request is not a reminder to repeat until answered)
FOLLOW_UP_AFTER = 3
_SUMMARY_LOOK_BACK_DAYS = 31  # a summary missed (qabot down) is still sent within a month
# who is asked for the team's feedback on a visit
FEEDBACK_ROLES = ("team_manager", "deputy_team_manager")
log = logging.getLogger(__name__)


def activities(deps: Deps) -> dict[str, PracticeWeekActivity]:
    return {a.id: a for a in deps.programme.of_kind(PracticeWeekActivity)}


async def post_due(deps: Deps, now: dt.datetime) -> int:
    """Post each loaded schedule whose posting day has come and whose week has not begun;
    how many outbox rows were new."""
    found = activities(deps)
    if not found:
        return 0
    calendar = deps.calendar
    today = calendar.local_date(now)
    if not calendar.is_working_day(today):
        return 0
    queued = 0
    refs: set[str] | None = None
    async with deps.sessions.begin() as session:
        for week in await schedule.weeks_from(session, today):
            activity = found.get(week.activity)
            if activity is None or week.posted_at is not None or week.starts_on <= today:
                continue
            if today < post_day(calendar, activity, week.starts_on):
                continue
            visits = await schedule.visits_of(session, week.id)
            if not visits:
                continue
            refs = refs if refs is not None else await schedule.case_refs(session)
            unsafe = findings("\n".join(v.activity for v in visits), refs)
            if unsafe:  # checked again: the roster may have brought case references since
                where = ", ".join(f"{f.what} on line {f.line}" for f in unsafe)
                log.warning("practice week %s not posted, it may identify a child: %s",
                            week.id, where)  # fmt: skip
                continue
            queued += await enqueue(
                deps,
                session,
                key=keys.posted(week.activity, week.starts_on),
                recipient=f"channel:{week.channel}",
                message=messages.posted(deps, week, visits),
                not_before=calendar.next_dm_time(now),
                now=now,
            )
            await schedule.mark_posted(session, week.id, now)
    return queued


async def summarise_due(deps: Deps, now: dt.datetime) -> int:
    """The QA team's summary of each week, SUMMARY_AFTER working days after it ends (time for
    findings and feedback to come in), to the QA team's channel, once; how many were new."""
    found = activities(deps)
    calendar = deps.calendar
    today = calendar.local_date(now)
    if not found or not calendar.is_working_day(today):
        return 0
    queued = 0
    first = today - dt.timedelta(days=_SUMMARY_LOOK_BACK_DAYS)
    async with deps.sessions.begin() as session:
        for week in await schedule.weeks_ending(session, first, today):
            activity = found.get(week.activity)
            if activity is None or calendar.add_working_days(week.ends_on, SUMMARY_AFTER) > today:
                continue
            visits = await schedule.visits_of(session, week.id)
            if not visits:
                continue
            grades = list(deps.programme.grades) if activity.graded else None
            queued += await enqueue(
                deps,
                session,
                key=keys.summary(week.activity, week.starts_on),
                recipient=f"channel:{deps.programme.qa_channel}",
                message=messages.summary(deps, week, visits, grades),
                not_before=calendar.next_dm_time(now),
                now=now,
            )
    return queued


def _ref(person: Host) -> PersonRef:
    return PersonRef(person.id, person.staff_id, person.name, person.role, person.manager_id,
                     person.away_until, person.active)  # fmt: skip


class PracticeWeekReminders:
    """Visits in the daily digest: the visitor and everyone in the team visited, the working
    day before (or as many as the programme says). Nothing to snooze: it comes once."""

    snoozable: tuple[str, ...] = ()
    why_types: tuple[str, ...] = (WHY_TYPE, FINDINGS_TYPE, FEEDBACK_TYPE)

    async def due_today(self, day: ReminderDay) -> None:
        deps, calendar, today = day.deps, day.calendar, day.today
        found = activities(deps)
        if not found:
            return
        ahead = {n for a in found.values() for n in a.remind_days_before}
        days = [
            d
            for d in (today + dt.timedelta(days=k) for k in range(1, _LOOK_AHEAD_DAYS))
            if calendar.is_working_day(d)
            and any(calendar.add_working_days(d, -n) == today for n in ahead)
        ]
        await self._after(day, found)
        visits = await schedule.visits_on(day.session, days)
        if not visits:
            return
        weeks = {w.id: w for w in await schedule.weeks_from(day.session, today)}
        people = await schedule.people_by_id(day.session, [v.visitor_id for v in visits])
        hosts = await schedule.team_members(day.session, [v.team_id for v in visits])
        for visit in visits:
            week = weeks.get(visit.week_id)
            activity = found.get(week.activity) if week is not None else None
            if week is None or activity is None:
                continue
            if not any(calendar.add_working_days(visit.day, -n) == today
                       for n in activity.remind_days_before):  # fmt: skip
                continue
            visitor = people.get(visit.visitor_id)
            told = [visitor] if visitor is not None else []
            told += [h for h in hosts.get(visit.team_id, []) if h.id != visit.visitor_id]
            for person in told:
                if person.away_until is not None and person.away_until >= visit.day:
                    continue  # away on the day: the visit is not theirs to keep
                day.add(_ref(person), partial(messages.reminder, deps, week, visit, person))

    async def _after(self, day: ReminderDay, found: dict[str, PracticeWeekActivity]) -> None:
        """The working day after a visit: the visitor asked for findings, the team's managers
        for its feedback (where the programme asks for it); FOLLOW_UP_AFTER working days later,
        whatever is still not given is asked once more, gently, and then no more."""
        for after, again in ((1, False), (1 + FOLLOW_UP_AFTER, True)):
            await self._ask(day, found, _visit_days(day.calendar, day.today, after), again)

    async def _ask(
        self,
        day: ReminderDay,
        found: dict[str, PracticeWeekActivity],
        days: list[dt.date],
        again: bool,
    ) -> None:
        deps = day.deps
        visits = await schedule.visits_on(day.session, days)
        if not visits:
            return
        weeks = {w.id: w for w in await schedule.weeks_from(day.session, min(days))}
        people = await schedule.people_by_id(day.session, [v.visitor_id for v in visits])
        managers = await schedule.team_members(
            day.session, [v.team_id for v in visits], FEEDBACK_ROLES
        )
        for visit in visits:
            week = weeks.get(visit.week_id)
            activity = found.get(week.activity) if week is not None else None
            if week is None or activity is None:
                continue
            visitor = people.get(visit.visitor_id)
            if visitor is not None and visit.findings_at is None:
                compose = partial(messages.findings_requested, deps, week, visit, visitor,
                                  activity.graded, again=again)  # fmt: skip
                day.add(_ref(visitor), compose)
            if not activity.feedback or visit.feedback_at is not None:
                continue
            for manager in managers.get(visit.team_id, []):
                if manager.id != visit.visitor_id:
                    compose = partial(messages.feedback_requested, deps, week, visit, manager,
                                      again=again)  # fmt: skip
                    day.add(_ref(manager), compose)


def _visit_days(calendar: Calendar, today: dt.date, after: int) -> list[dt.date]:
    """The days whose visits were `after` working days before today: that working day, and any
    days off that follow it (a Saturday visit is asked about with Friday's)."""
    first = calendar.add_working_days(today, -after)
    following = calendar.add_working_days(first, 1)
    return [first + dt.timedelta(days=n) for n in range((following - first).days)]
