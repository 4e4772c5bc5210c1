"""Inbound events are recorded once per platform, and old ids can be purged."""

from __future__ import annotations

import datetime as dt

import pytest

from storage import Sessions
from storage.inbound import first_time, purge_before

T0 = dt.datetime(2027, 1, 11, 9, 0, tzinfo=dt.UTC)


async def test_a_repeat_is_not_first_time(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        assert await first_time(session, "slack", "Ev01", T0)
        assert not await first_time(session, "slack", "Ev01", T0 + dt.timedelta(seconds=3))
        assert await first_time(session, "teams", "Ev01", T0)


async def test_purge_forgets_old_events_only(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        await first_time(session, "slack", "old", T0)
        await first_time(session, "slack", "new", T0 + dt.timedelta(days=2))
    async with sessions.begin() as session:
        assert await purge_before(session, T0 + dt.timedelta(days=1)) == 1
    async with sessions.begin() as session:
        assert await first_time(session, "slack", "old", T0 + dt.timedelta(days=3))
        assert not await first_time(session, "slack", "new", T0 + dt.timedelta(days=3))


async def test_an_event_without_an_id_is_refused(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        with pytest.raises(ValueError, match="needs an id"):
            await first_time(session, "slack", "", T0)
