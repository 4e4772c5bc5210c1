"""Housekeeping sweeps: forget inbound event ids once no platform would retry them."""

from __future__ import annotations

import datetime as dt

from handlers.core.deps import Deps
from storage import inbound

# Slack retries for minutes and Teams for hours; a week is far beyond either.
KEEP_EVENT_IDS = dt.timedelta(days=7)


async def purge_event_ids(deps: Deps, now: dt.datetime) -> int:
    """Drop dedupe records older than KEEP_EVENT_IDS; how many went."""
    async with deps.sessions.begin() as session:
        return await inbound.purge_before(session, now - KEEP_EVENT_IDS)
