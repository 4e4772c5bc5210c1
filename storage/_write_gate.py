"""One writer at a time on a SQLite file, queued in the process rather than in SQLite.

SQLite lets one transaction write at a time; the others wait in its busy handler, which sleeps
and tries again (after 1, 2, 5 … then every 100 ms). Under a steady stream of short writes,
such as a burst of clicks, each recorded and then delivered, the lock is mostly free while its
waiters sleep, and a write can wait hundreds of milliseconds for a lock that was free after two.
Here a process's writing transactions take turns on the event loop instead: each is handed the
lock the moment the one before commits, and SQLite's busy timeout is left for other processes
(a CLI command run beside the server).

Writes for a request being answered go before the work handed on after answers (`after_answers`,
set by that work's workers): an invoke waiting to record a tick does not queue behind a batch of
delivery receipts. So that background work cannot be held back for ever by a stream of
requests, it goes first after `FAIRNESS` requests in a row have gone ahead of it.
"""

from __future__ import annotations

import asyncio
from collections import deque
from contextvars import ContextVar

FAIRNESS = 4
_AFTER_ANSWERS: ContextVar[bool] = ContextVar("qabot_writes_after_answers", default=False)


def after_answers() -> None:
    """This task's writes (and those of tasks it starts) wait behind those of requests."""
    _AFTER_ANSWERS.set(True)


Waiter = tuple["asyncio.Task[object] | None", "asyncio.Future[None]"]


class WriteGate:
    """A first-come lock for writing transactions, requests' before background work's.

    A task that already holds it and opens another writing transaction inside (which SQLite
    itself would refuse after its busy timeout) is not made to wait for itself here."""

    def __init__(self) -> None:
        self._holder: asyncio.Task[object] | None = None
        self._held = False
        self._requests: deque[Waiter] = deque()
        self._background: deque[Waiter] = deque()
        self._ahead = 0  # requests let through in a row while background work waited

    async def acquire(self) -> bool:
        """Wait for the turn; False (nothing to release) when this task already holds it."""
        task = asyncio.current_task()
        if self._held and task is not None and task is self._holder:
            return False
        if not self._held:
            self._take(task)
            return True
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiter: Waiter = (task, turn)
        queue = self._background if _AFTER_ANSWERS.get() else self._requests
        queue.append(waiter)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self.release()  # handed the turn as it was cancelled: pass it on
            elif waiter in queue:
                queue.remove(waiter)
            raise
        return True

    def release(self) -> None:
        """Hand the turn to the next waiter, or free the gate."""
        while True:
            waiter = self._next()
            if waiter is None:
                self._held = False
                self._holder = None
                return
            task, turn = waiter
            if not turn.done():
                self._holder = task
                turn.set_result(None)
                return

    def _take(self, task: asyncio.Task[object] | None) -> None:
        self._held = True
        self._holder = task

    def _next(self) -> Waiter | None:
        if self._requests and (not self._background or self._ahead < FAIRNESS):
            self._ahead = self._ahead + 1 if self._background else 0
            return self._requests.popleft()
        self._ahead = 0
        return self._background.popleft() if self._background else None
