"""The daily digest: every capability's reminders and escalations for a person gathered into one
message a day.

A plain `(now) -> int` job the scheduler calls every minute: the first run in a person's working
day queues their one message; later runs find it queued (by its outbox key) and compose nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from handlers.core.delivery import enqueue_many
from handlers.core.deps import Deps
from handlers.core.parsing import first_name
from handlers.reminders.digest import reminder_key, todays_reminder
from handlers.reminders.sources import ReminderDay, ReminderSource
from storage import snoozes
from storage.outbox import known_keys

SNOOZES_LOOK_BACK = dt.timedelta(days=14)


async def sweep_reminders(deps: Deps, sources: Sequence[ReminderSource], now: dt.datetime) -> int:
    """Queue each person's one nudge message for today; the number of messages queued."""
    calendar = deps.calendar
    today = calendar.local_date(now)
    if not calendar.is_working_day(today):
        return 0
    async with deps.sessions.begin() as session:
        since = today - SNOOZES_LOOK_BACK
        held = await snoozes.snoozed_until(session, since)
        reasons = await snoozes.snooze_reasons(session, since)
        day = ReminderDay(deps, session, today, held, reasons=reasons)
        for source in sources:
            await source.due_today(day)
        gathered = day.gathered
        keys = {staff_id: reminder_key(staff_id, today) for staff_id in gathered.items}
        queued = await known_keys(session, keys.values())
        outgoing = []
        for staff_id, items in gathered.items.items():
            if keys[staff_id] in queued:
                continue
            person = gathered.people[staff_id]
            message = todays_reminder(staff_id=staff_id, name=first_name(person.name),
                                      items=[compose() for compose in items],
                                      wording=deps.wording, calendar=calendar, now=now,
                                      away_until=person.away_until)  # fmt: skip
            if message is None:
                continue
            outgoing.append(message)
            for on_queued in gathered.on_queued.get(staff_id, ()):
                await on_queued()
        return await enqueue_many(deps, session, outgoing, now=now)
