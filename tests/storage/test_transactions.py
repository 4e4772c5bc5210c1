"""`sessions.begin()`: the block's work is committed when it ends, rolled back if it raises,
and either way the session is closed and its connection back in the pool."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError

from storage import Sessions
from storage.inbound import first_time
from storage.models import InboundEvent

T0 = dt.datetime(2027, 1, 11, 9, 0, tzinfo=dt.UTC)


async def _events(sessions: Sessions) -> list[str]:
    async with sessions() as session:
        return list(await session.scalars(select(InboundEvent.event_id).order_by("event_id")))


async def test_a_block_that_ends_is_committed_and_one_that_raises_is_not(
    sessions: Sessions,
) -> None:
    async with sessions.begin() as session:
        await first_time(session, "slack", "kept", T0)
    with pytest.raises(RuntimeError, match="handler failed"):
        async with sessions.begin() as session:
            await first_time(session, "slack", "dropped", T0)
            raise RuntimeError("handler failed")
    assert await _events(sessions) == ["kept"]


async def test_the_session_is_closed_and_its_connection_returned(sessions: Sessions) -> None:
    pool = sessions.kw["bind"].sync_engine.pool
    async with sessions.begin() as session:
        await first_time(session, "slack", "one", T0)
        assert session.in_transaction()
        assert pool.checkedout() == 1
    assert not session.in_transaction()
    assert pool.checkedout() == 0
    with pytest.raises(RuntimeError):
        async with sessions.begin() as session:
            await first_time(session, "slack", "two", T0)
            raise RuntimeError
    assert pool.checkedout() == 0


async def test_a_failed_commit_is_raised_and_leaves_nothing(sessions: Sessions) -> None:
    """Work the ORM only writes at commit (here a row breaking a unique constraint) still
    surfaces as the block's error, with the transaction rolled back."""
    async with sessions.begin() as session:
        await first_time(session, "slack", "taken", T0)
    with pytest.raises(IntegrityError):
        async with sessions.begin() as session:
            await first_time(session, "slack", "fresh", T0)
            session.add(InboundEvent(platform="slack", event_id="taken", received_at=T0))
    assert await _events(sessions) == ["taken"]
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(InboundEvent)) == 1


@pytest.mark.parametrize("moment", ["before_cursor_execute", "commit"])
async def test_a_request_cancelled_mid_transaction_returns_its_connection(
    sessions: Sessions, moment: str
) -> None:
    """A request's task is cancelled while its statement (or its commit) is with the driver:
    the connection goes back to the pool, nothing is left checked out, and the engine goes on
    working. A cancelled statement's work is not committed."""
    engine = sessions.kw["bind"].sync_engine
    async with sessions.begin() as session:
        await first_time(session, "slack", "before", T0)
    checked_in = engine.pool.checkedin()
    reached = asyncio.Event()

    def arrived(*_: object) -> None:
        reached.set()

    async def request() -> None:
        async with sessions.begin() as session:
            await first_time(session, "slack", "cancelled", T0)

    event.listen(engine, moment, arrived)
    try:
        task = asyncio.create_task(request())
        await reached.wait()  # the task is now awaiting the driver
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    finally:
        event.remove(engine, moment, arrived)
    assert engine.pool.checkedout() == 0
    assert engine.pool.checkedin() == checked_in
    async with sessions.begin() as session:
        await first_time(session, "slack", "after", T0)
    found = await _events(sessions)
    assert found in (["after", "before"], ["after", "before", "cancelled"])
    if moment == "before_cursor_execute":
        assert found == ["after", "before"]
    assert engine.pool.checkedout() == 0
