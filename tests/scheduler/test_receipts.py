"""Deliveries finishing together are recorded together, and a failed write is reported."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from message_templates.model import Message
from scheduler import _receipts
from scheduler.clock import VirtualClock
from storage import Sessions
from storage.models import OutboxMessage
from storage.outbox import Receipt, claim_due, enqueue, mark_sent_many

T0 = dt.datetime(2027, 1, 11, 9, 0, tzinfo=dt.UTC)


async def _claim(sessions: Sessions, n: int) -> list[Receipt]:
    async with sessions.begin() as session:
        for i in range(n):
            await enqueue(
                session,
                key=f"k{i}",
                recipient=f"person:S{i}",
                platform="sandbox",
                message=Message(kind="x"),
                not_before=T0,
            )
        claimed = await claim_due(session, now=T0, limit=n, lease=dt.timedelta(minutes=5))
    return [Receipt(c, f"m{c.id}", f"D{c.id}") for c in claimed]


async def test_concurrent_deliveries_share_one_write(
    sqlite_sessions: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    receipts = await _claim(sqlite_sessions, 5)
    batches: list[int] = []

    async def counted(session: AsyncSession, batch: list[Receipt], *, now: dt.datetime) -> None:
        batches.append(len(batch))
        await mark_sent_many(session, batch, now=now)

    monkeypatch.setattr(_receipts, "mark_sent_many", counted)
    ledger = _receipts.Receipts(sqlite_sessions, VirtualClock(T0))
    await asyncio.gather(*(ledger.record(r) for r in receipts))
    assert batches == [5]
    async with sqlite_sessions() as session:
        rows = (await session.scalars(select(OutboxMessage))).all()
    assert {(r.status, r.platform_message_id) for r in rows} == {("sent", f"m{r.id}") for r in rows}


async def test_a_failed_write_reaches_every_waiting_sender(sqlite_sessions: Sessions) -> None:
    receipts = await _claim(sqlite_sessions, 2)

    class Broken:
        def begin(self) -> object:
            raise RuntimeError("database away")

    ledger = _receipts.Receipts(Broken(), VirtualClock(T0))  # type: ignore[arg-type]
    outcomes = await asyncio.gather(*(ledger.record(r) for r in receipts), return_exceptions=True)
    assert [type(o) for o in outcomes] == [RuntimeError, RuntimeError]
    with pytest.raises(RuntimeError):
        await ledger.record(receipts[0])
