"""A simulation's broadcasts where none were queued: one placeholder for every slot of every
broadcast the programme names in the simulated range, marked as a placeholder (its post says
so), so a preview of the year shows the cadence of each series."""

from __future__ import annotations

import datetime as dt

from handlers.broadcasts.cadence import next_slot
from handlers.core.deps import Deps
from handlers.programme.schema import BroadcastActivity
from storage.broadcasts import queue

PLACEHOLDER = "Placeholder: in a real run, the QA team's item for this slot is posted here."


async def queue_placeholders(deps: Deps, start: dt.date, end: dt.date) -> int:
    """A placeholder in each slot from `start` to `end` that nothing takes; how many."""
    calendar = deps.calendar
    added = 0
    now = calendar.day_starts_at(start)
    last = calendar.day_starts_at(end + dt.timedelta(days=1))
    async with deps.sessions.begin() as session:
        for activity in deps.programme.of_kind(BroadcastActivity):
            after = now - dt.timedelta(seconds=1)
            while True:
                slot = next_slot(activity, calendar, after)
                if slot >= last:
                    break
                if not await queue.taken_between(session, activity.id, after, slot):
                    new = queue.NewBroadcast(activity.id, activity.format, activity.title,
                                             PLACEHOLDER, activity.channel, slot, True,
                                             placeholder=True)  # fmt: skip
                    await queue.add(session, new, now)
                    added += 1
                after = slot
    return added
