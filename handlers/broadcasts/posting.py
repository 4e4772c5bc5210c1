"""Posting queued broadcasts when their time comes, during working hours on working days only.

Each is checked again first (the roster may have brought case references since it was
queued): one that fails is held, not posted, and the log says which check and where, never
the text. A post goes to `channel:<role>` through delivery, one outbox key per broadcast.
"""

from __future__ import annotations

import datetime as dt
import logging

from handlers.broadcasts import keys, messages
from handlers.core.delivery import CHANNEL, enqueue
from handlers.core.deps import Deps
from handlers.core.privacy import findings
from handlers.programme.schema import BroadcastActivity
from storage.broadcasts import queue

log = logging.getLogger(__name__)


def in_working_hours(deps: Deps, now: dt.datetime) -> bool:
    return deps.calendar.next_dm_time(now) == now


async def post_due(deps: Deps, now: dt.datetime) -> int:
    """Post every queued broadcast whose time has come; how many were posted."""
    if not in_working_hours(deps, now):
        return 0
    activities = {a.id: a for a in deps.programme.of_kind(BroadcastActivity)}
    posted = 0
    async with deps.sessions.begin() as session:
        due = await queue.due(session, now)
        if not due:
            return 0
        case_refs = await queue.case_refs(session)
        for item in due:
            found = findings(f"{item.title}\n{item.body}", case_refs)
            if found:
                where = ", ".join(f"{f.what} on line {f.line}" for f in found)
                log.warning("broadcast %s held, it may identify a child: %s", item.id, where)
                await queue.mark(session, item.id, queue.HELD, now)
                continue
            message = messages.posted(deps, item, activities.get(item.activity))
            await enqueue(deps, session, key=keys.posted(item.id),
                          recipient=f"{CHANNEL}{item.channel}", message=message,
                          not_before=now)  # fmt: skip
            await queue.mark(session, item.id, queue.POSTED, now)
            posted += 1
    return posted
