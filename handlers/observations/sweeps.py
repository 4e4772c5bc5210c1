"""Observation nudges in the one daily digest, and the escalation to the observer's manager.

Each working day the observer (or, while they are away, the first manager above them who is
here) hears of an observation `nudge_before_days` ahead, on the reminder rule's working days
before it, and every few working days once it is overdue. On the working day it is the rule's
number of working days overdue, the observer's own manager (skipping anyone away) is told, once,
as an item of their digest, with the reason the observer gave if they snoozed it. A snooze of
"observation:<worker id>" holds the observer's nudges.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.deps import Deps
from handlers.observations import messages
from handlers.observations.cadence import Stage, escalates_today, nudge_stage, up_from
from handlers.observations.messages import WHY_ESCALATED, WHY_TYPE
from handlers.observations.tracking import Tracking, named_by, track
from handlers.programme.schema import ObservationActivity
from handlers.reminders.sources import ReminderDay
from storage.case_audit.people import PersonRef
from storage.observations import records, staff
from storage.observations.staff import Staff

log = logging.getLogger(__name__)


def activities(deps: Deps) -> list[ObservationActivity]:
    return deps.programme.of_kind(ObservationActivity)


async def tracking(
    deps: Deps,
    session: AsyncSession,
    today: dt.date,
    only: str | None = None,
    people: dict[int, Staff] | None = None,
) -> tuple[Tracking, dict[int, Staff]]:
    """Every observation the programme asks for today, from the staff list and the records
    (`only`: just the one a button names, by its value; `people`: the staff list when the
    caller has just read it)."""
    found = activities(deps)
    if not found:
        return Tracking([], []), {}
    if people is None:
        people = await staff.everyone(session)
    # one observation looks up no one but the people it was given
    ids = people.keys() if only is not None else None
    recorded = await records.observed_dates(session, ids)
    by_observer = await records.observer_dates(session, ids)
    since = await staff.tracking_since(session)
    start = deps.calendar.local_date(since) if since is not None else today
    return track(deps.calendar, found, people, recorded, today, start, by_observer, only), people


async def tracking_one(
    deps: Deps, session: AsyncSession, today: dt.date, value: str, clicker: str
) -> tuple[Tracking, dict[int, Staff]]:
    """`tracking` for the one observation a button names (its `value`), reading only the part
    of the staff list it needs and the person clicking (`clicker`, a staff id) rather than
    everyone."""
    named = named_by(activities(deps), value)
    if len(named) != 1:  # a value naming no one (or, oddly, more than one): the whole list
        return await tracking(deps, session, today, only=value)
    person, everyone_below = named[0]
    people = await staff.around(session, person, clicker, everyone_below=everyone_below)
    return await tracking(deps, session, today, only=value, people=people)


def ref(person: Staff) -> PersonRef:
    return PersonRef(person.id, person.staff_id, person.name, person.role, person.manager_id,
                     person.away_until, person.active)  # fmt: skip


class ObservationReminders:
    """Observations in the daily digest: nudges to the observer, escalations above them."""

    snoozable: tuple[str, ...] = ("observation",)
    why_types: tuple[str, ...] = (WHY_TYPE, WHY_ESCALATED)

    async def due_today(self, day: ReminderDay) -> None:
        deps, calendar, today = day.deps, day.calendar, day.today
        found, people = await tracking(deps, day.session, today)
        if found.reported:
            log.info("observations today: %s", found.counts())
        # thousands tracked share a few due dates: each (activity, due date, snooze) is worked
        # out once a day
        stages: dict[tuple[str, dt.date, dt.date | None], Stage | None] = {}
        escalating: dict[tuple[str, dt.date], bool] = {}
        for tracked in found.tracked:
            worker = tracked.worker
            if worker.away_until is not None and worker.away_until >= today:
                continue  # their clock is paused: nothing while they are away
            activity, due = tracked.activity, tracked.due
            acting = tracked.acting
            if acting is not None:
                held = day.held(acting.id, tracked.item)
                key = (activity.id, due, held)
                if key not in stages:
                    stages[key] = nudge_stage(calendar, activity, due, today, held)
                if stages[key]:
                    day.add(ref(acting), partial(messages.reminder, deps, tracked, acting, today))
            if (activity.id, due) not in escalating:
                escalating[activity.id, due] = escalates_today(calendar, activity, due, today)
            if escalating[activity.id, due]:
                above = tracked.observer.manager_id if acting is None else acting.manager_id
                manager = up_from(people, above, today)
                if manager is not None and manager.id != worker.id:
                    snoozer = tracked.observer if acting is None else acting
                    why = day.reason(snoozer.id, tracked.item)
                    compose = partial(messages.escalated, deps, tracked, manager, today, why)
                    day.add(ref(manager), compose)
