"""A broadcast slot with nothing queued: the people who may queue broadcasts find it in their
daily message a few working days ahead (WANTED_AHEAD), so they can write one. Nothing empty is
ever posted: a slot with nothing queued simply passes."""

from __future__ import annotations

import datetime as dt
from functools import partial

from handlers.broadcasts import messages
from handlers.broadcasts.cadence import next_slot
from handlers.broadcasts.ids import WANTED_TYPE
from handlers.core.permissions import QUEUE_BROADCASTS, roles_for
from handlers.programme.schema import BroadcastActivity
from handlers.reminders.sources import ReminderDay
from storage.broadcasts import queue

WANTED_AHEAD = 3  # working days before the slot
# formats that are posts someone writes (forums and workshops are events, announced elsewhere)
WRITTEN = frozenset({"newsletter", "bitesize", "brief", "report"})


class BroadcastReminders:
    """The QA team reminded of an empty slot, once, WANTED_AHEAD working days before it."""

    snoozable: tuple[str, ...] = ()
    why_types: tuple[str, ...] = (WANTED_TYPE,)

    async def due_today(self, day: ReminderDay) -> None:
        deps, calendar, today = day.deps, day.calendar, day.today
        start = calendar.day_starts_at(today)
        wanted: list[tuple[BroadcastActivity, dt.date]] = []
        for activity in deps.programme.of_kind(BroadcastActivity):
            if activity.format not in WRITTEN:
                continue
            slot = next_slot(activity, calendar, start)
            slot_day = calendar.local_date(slot)
            if calendar.add_working_days(slot_day, -WANTED_AHEAD) != today:
                continue
            if not await queue.taken_between(day.session, activity.id, start, slot):
                wanted.append((activity, slot_day))
        if not wanted:
            return
        roles = roles_for(deps.programme, QUEUE_BROADCASTS)
        for person in await queue.people_in_roles(day.session, roles):
            if person.away_until is not None and person.away_until >= today:
                continue
            for activity, when in wanted:
                day.add(person, partial(messages.wanted, deps, person.name, activity, when))
