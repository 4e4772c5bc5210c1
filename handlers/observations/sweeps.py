"""Observation nudges in the one daily digest, and the escalation to the observer's manager.

Each working day the observer (or, while they are away, the first manager above them who is
here) hears of an observation `nudge_before_days` ahead, on the reminder rule's working days
before it, and every few working days once it is overdue. From the rule's number of working days
overdue, the observer's own manager (skipping anyone away) is told, once (the audit log keeps
it), as an item of their digest, with the reason the observer gave if they snoozed it: but only
once a nudge about it was delivered to the observer and they had a working day since to act
(handlers/reminders/fair.py), so a manager never hears first, and after downtime or a clock jump
the escalation waits for the observer's next delivered nudge. A snooze of
"observation:<worker id>" holds the observer's nudges.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.deps import Deps
from handlers.observations import messages
from handlers.observations.cadence import Stage, escalation_due, nudge_stage, up_from
from handlers.observations.messages import WHY_ESCALATED, WHY_TYPE
from handlers.observations.tracking import Tracked, Tracking, named_by, track
from handlers.programme.schema import ObservationActivity
from handlers.reminders.fair import (
    Item,
    delivered_by_person,
    escalation_subject,
    meta_type,
    reminded_in_time,
)
from handlers.reminders.sources import ReminderDay
from storage.case_audit import escalations as records
from storage.case_audit.people import PersonRef
from storage.observations import records as observed
from storage.observations import staff
from storage.observations.staff import Staff

log = logging.getLogger(__name__)
NUDGES = ("observation.due", "observation.overdue")
ESCALATED = "observation.escalated"


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
    recorded = await observed.observed_dates(session, ids)
    by_observer = await observed.observer_dates(session, ids)
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


def about(tracked: Tracked) -> Callable[[Item], bool]:
    """Picks out a delivered nudge about this observation, due on this date."""
    value, due = tracked.value, tracked.due.isoformat()
    return lambda i: (
        meta_type(i) in NUDGES
        and i.get("meta", {}).get("value") == value
        and i.get("meta", {}).get("due") == due
    )


@dataclass(frozen=True)
class _Escalation:
    tracked: Tracked
    snoozer: Staff  # whose manager hears: the observer, or whoever acts for them while away
    manager: Staff

    @property
    def subject(self) -> str:
        return escalation_subject(f"observation:{self.tracked.value}", self.tracked.due)


class ObservationReminders:
    """Observations in the daily digest: nudges to the observer, escalations above them."""

    snoozable: tuple[str, ...] = ("observation",)
    why_types: tuple[str, ...] = (WHY_TYPE, WHY_ESCALATED)

    async def due_today(self, day: ReminderDay) -> None:
        deps, calendar, today = day.deps, day.calendar, day.today
        found, people = await tracking(deps, day.session, today)
        if found.reported:
            log.info("observations today: %s", found.counts())
        escalations: list[_Escalation] = []
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
                escalating[activity.id, due] = escalation_due(calendar, activity, due, today)
            if escalating[activity.id, due]:
                snoozer = tracked.observer if acting is None else acting
                manager = up_from(people, snoozer.manager_id, today)
                if manager is not None and manager.id != worker.id:
                    escalations.append(_Escalation(tracked, snoozer, manager))
        if escalations:
            await _escalate(day, escalations)


async def _escalate(day: ReminderDay, escalations: list[_Escalation]) -> None:
    """Each escalation not yet made whose observer was reminded and had a working day since."""
    deps, session, calendar, today = day.deps, day.session, day.calendar, day.today
    done = await records.recorded(session, (ESCALATED,), {e.subject for e in escalations})
    escalations = [e for e in escalations if e.subject not in done]
    if not escalations:
        return
    delivered = await delivered_by_person(
        session, calendar, {e.snoozer.staff_id for e in escalations}, today
    )
    for e in escalations:
        mine = delivered.get(e.snoozer.staff_id, [])
        if not reminded_in_time(calendar, mine, about(e.tracked), today):
            continue  # not yet: the observer hears first, and has a working day to act
        why = day.reason(e.snoozer.id, e.tracked.item)
        compose = partial(messages.escalated, deps, e.tracked, e.manager, today, why)
        day.add(ref(e.manager), compose, partial(_record, deps, session, e))


async def _record(deps: Deps, session: AsyncSession, escalation: _Escalation) -> None:
    """The escalation is made (its manager's message queued): the audit log keeps it, once."""
    tracked = escalation.tracked
    records.record(session, at=deps.clock.now(), actor="qabot", action=ESCALATED,
                   subject=escalation.subject, manager=escalation.manager.staff_id,
                   observer=escalation.snoozer.staff_id,
                   practitioner=tracked.worker.staff_id)  # fmt: skip
