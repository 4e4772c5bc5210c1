"""Inbound event ids already seen, so a platform's retry never records a tick or answer twice."""

from __future__ import annotations

import datetime as dt
from typing import cast

from sqlalchemy import Table, delete
from sqlalchemy.ext.asyncio import AsyncSession

from storage._core import Upsert, run
from storage.models import InboundEvent

_FIRST_SEEN = Upsert(cast(Table, InboundEvent.__table__), ("platform", "event_id"))


async def first_time(session: AsyncSession, platform: str, event_id: str, now: dt.datetime) -> bool:
    """Record the event; True the first time it is seen, False for any repeat."""
    if not event_id:
        raise ValueError("an inbound event needs an id to be deduplicated")
    row = {"platform": platform, "event_id": event_id, "received_at": now}
    return await _FIRST_SEEN.insert(session, [row]) == 1


async def purge_before(session: AsyncSession, cutoff: dt.datetime) -> int:
    """Forget events received before `cutoff` (platforms stop retrying within minutes)."""
    result = await run(session, delete(InboundEvent).where(InboundEvent.received_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
