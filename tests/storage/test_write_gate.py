"""SQLite under a burst of work: readers never wait for a writer, and a process's writers take
turns in the process (a request's before background work's) instead of in SQLite's busy
handler."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import func, select

from storage import Sessions, after_answers
from storage._write_gate import FAIRNESS, WriteGate
from storage.inbound import first_time
from storage.models import InboundEvent

NOW = dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.UTC)


async def _count(sessions: Sessions) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count(InboundEvent.id))) or 0)


async def test_a_read_goes_ahead_while_a_write_is_open(sqlite_sessions: Sessions) -> None:
    async with sqlite_sessions.begin() as session:
        assert await first_time(session, "slack", "E1", NOW)
        # a reader does not take the write lock: it sees the last commit, and returns
        assert await _count(sqlite_sessions) == 0
    assert await _count(sqlite_sessions) == 1


async def test_writers_take_turns_and_none_finds_the_database_locked(
    sqlite_sessions: Sessions,
) -> None:
    inside: list[str] = []

    async def write(event_id: str) -> None:
        async with sqlite_sessions.begin() as session:
            inside.append(event_id)
            assert len(inside) == 1  # nobody else is writing
            assert await first_time(session, "slack", event_id, NOW)
            await asyncio.sleep(0)  # give the others every chance to barge in
            inside.remove(event_id)

    await asyncio.gather(*(write(f"E{n}") for n in range(40)))
    assert await _count(sqlite_sessions) == 40


async def test_a_write_inside_a_write_of_the_same_task_does_not_wait_for_itself() -> None:
    gate = WriteGate()
    assert await gate.acquire()
    assert not await gate.acquire()  # the same task: nothing to release
    gate.release()
    other = asyncio.create_task(gate.acquire())
    assert await other  # free again


async def test_requests_write_before_background_work_but_not_for_ever() -> None:
    gate = WriteGate()
    assert await gate.acquire()
    order: list[str] = []

    async def write(name: str, background: bool) -> None:
        if background:
            after_answers()
        await gate.acquire()
        order.append(name)
        gate.release()

    waiting = [asyncio.create_task(write("receipts", background=True))]
    await asyncio.sleep(0)
    waiting += [asyncio.create_task(write(f"click {n}", background=False)) for n in range(6)]
    await asyncio.sleep(0)
    gate.release()
    await asyncio.gather(*waiting)
    assert order[:FAIRNESS] == [f"click {n}" for n in range(FAIRNESS)]
    assert order[FAIRNESS] == "receipts"  # then background work has its turn
    assert order[FAIRNESS + 1 :] == ["click 4", "click 5"]


async def test_a_writer_cancelled_while_waiting_gives_up_its_place() -> None:
    gate = WriteGate()
    assert await gate.acquire()
    cancelled = asyncio.create_task(gate.acquire())
    after = asyncio.create_task(gate.acquire())
    await asyncio.sleep(0)
    cancelled.cancel()
    await asyncio.sleep(0)
    gate.release()
    assert await after
    gate.release()
    assert await gate.acquire()  # free: the cancelled one holds nothing
