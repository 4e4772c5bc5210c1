"""Group commit of deliveries: sends finishing together are recorded in one transaction."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable

from scheduler.clock import Clock
from storage import Sessions
from storage.outbox import Receipt, mark_sent_many


class Receipts:
    """Each caller returns only once its delivery is recorded, so a conversation's next send
    never starts before the last one is safe; concurrent conversations share the commit."""

    def __init__(self, sessions: Sessions, clock: Clock) -> None:
        self._sessions = sessions
        self._now: Callable[[], dt.datetime] = clock.now
        self._waiting: list[tuple[Receipt, asyncio.Future[None]]] = []
        self._writing = False

    async def record(self, receipt: Receipt) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((receipt, done))
        if not self._writing:
            await self._write_all()
        await done

    async def _write_all(self) -> None:
        """Write batches until nobody is waiting; whoever arrives first does the writing."""
        self._writing = True
        batch: list[tuple[Receipt, asyncio.Future[None]]] = []
        try:
            await asyncio.sleep(0)  # let sends finishing at the same moment join this batch
            while self._waiting:
                batch, self._waiting = self._waiting, []
                try:
                    async with self._sessions.begin() as session:
                        await mark_sent_many(session, [r for r, _ in batch], now=self._now())
                except Exception as error:
                    _settle(batch, error)
                else:
                    _settle(batch, None)
        finally:
            self._writing = False
            # if the writer itself was cancelled, nobody may be left waiting for ever
            _settle(batch + self._waiting, asyncio.CancelledError())
            self._waiting = []


def _settle(batch: list[tuple[Receipt, asyncio.Future[None]]], error: BaseException | None) -> None:
    for _, done in batch:
        if done.done():
            continue
        if error is None:
            done.set_result(None)
        else:
            done.set_exception(error)
