"""The simulation's private SQLite engine: the same SQL, run on the loop's thread, one session
at a time (a second waits its turn instead of finding the database locked)."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from sqlalchemy import func, select

from storage import make_private_engine, make_sessions, upgrade
from storage.inbound import first_time
from storage.models import InboundEvent

NOW = dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.UTC)


async def test_sessions_take_turns_on_the_one_connection(tmp_path: Path) -> None:
    path = tmp_path / "private.db"
    upgrade(f"sqlite:///{path}")
    engine = make_private_engine(path)
    sessions = make_sessions(engine)
    order: list[str] = []

    async def writer(name: str, hold: float) -> None:
        async with sessions.begin() as session:
            assert await first_time(session, "sandbox", name, NOW)  # takes the connection
            order.append(f"{name} in")
            await asyncio.sleep(hold)  # another task runs meanwhile, and must wait its turn
            order.append(f"{name} out")

    try:
        await asyncio.gather(writer("first", 0.05), writer("second", 0))
        async with sessions() as session:
            count = await session.scalar(select(func.count()).select_from(InboundEvent))
            version = (await session.execute(select(func.sqlite_version()))).scalar_one()
    finally:
        await engine.dispose()
    assert order == ["first in", "first out", "second in", "second out"]
    assert count == 2 and version


async def test_a_repeated_event_is_still_refused(tmp_path: Path) -> None:
    path = tmp_path / "private.db"
    upgrade(f"sqlite:///{path}")
    engine = make_private_engine(path)
    sessions = make_sessions(engine)
    try:
        async with sessions.begin() as session:
            assert await first_time(session, "sandbox", "e1", NOW)
        async with sessions.begin() as session:
            assert not await first_time(session, "sandbox", "e1", NOW)
    finally:
        await engine.dispose()
