"""Event ids are kept long enough to stop every platform retry, then forgotten."""

from __future__ import annotations

import datetime as dt

from handlers.core.deps import Deps
from handlers.core.housekeeping import purge_event_ids
from handlers.programme.schema import load_programme
from message_templates.wording import Wording
from scheduler.clock import VirtualClock
from storage import Sessions, inbound

NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)


async def test_old_event_ids_go_and_recent_ones_stay(sessions: Sessions) -> None:
    deps = Deps(sessions=sessions, wording=Wording(), clock=VirtualClock(NOW),
                programme=load_programme("default"))  # fmt: skip
    async with sessions.begin() as session:
        await inbound.first_time(session, "sandbox", "old", NOW - dt.timedelta(days=8))
        await inbound.first_time(session, "sandbox", "recent", NOW - dt.timedelta(days=6))
    assert await purge_event_ids(deps, NOW) == 1
    async with sessions.begin() as session:
        assert await inbound.first_time(session, "sandbox", "old", NOW)
        assert not await inbound.first_time(session, "sandbox", "recent", NOW)
