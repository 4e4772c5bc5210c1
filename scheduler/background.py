"""Work handed on after an answer has gone: a queue, run by a few workers on the event loop.

An edge answers Slack or Teams first (an acknowledgement, an invoke's refreshed card) and hands
the rest on: routing a click, the delivery pass that sends what it queued, a Home tab's refresh.
Run as a task each, a burst of clicks would start hundreds of those at once, and their database
and network waits would crowd the event loop that the next acknowledgements need, and the
database too. Here they wait in one queue and at most `workers` run at a time.

`idle()` waits until everything handed on so far (and whatever that hands on in turn) is done:
the process's shutdown uses it, and so can anything that needs the work finished before it
looks. `close()` lets what is queued finish for a grace period, then cancels what is left and
takes no more. A failure is logged by the work's name and the error's class only: work carries
what people wrote, which never goes into the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable

from storage import after_answers

log = logging.getLogger(__name__)

Work = Callable[[], Awaitable[object]]
WORKERS = 2
GRACE = 10.0  # seconds `close` waits for queued work before cancelling it


class Background:
    """A queue of work run after answers, `workers` at a time, tracked until done."""

    def __init__(self, workers: int = WORKERS) -> None:
        if workers < 1:
            raise ValueError("background work needs at least one worker")
        self._workers = workers
        self._queue: deque[tuple[str, Work]] = deque()
        self._running: set[asyncio.Task[None]] = set()
        self._unfinished = 0  # submitted and not yet done
        self._idle: asyncio.Event | None = None
        self._closed = False

    def submit(self, name: str, work: Work) -> None:
        """Queue `work` (a function returning an awaitable, called when a worker takes it);
        `name` says what it is in the log should it fail."""
        if self._closed:
            log.warning("%s not started: shutting down", name)
            return
        self._queue.append((name, work))
        self._unfinished += 1
        self._idle_event().clear()
        if len(self._running) < self._workers:
            task = asyncio.get_running_loop().create_task(self._work())
            self._running.add(task)
            task.add_done_callback(self._finished)

    @property
    def pending(self) -> int:
        """Work queued or running."""
        return self._unfinished

    async def idle(self) -> None:
        """Return once nothing is queued or running (work handed on by work included)."""
        while self.pending:
            await self._idle_event().wait()

    async def close(self, grace: float = GRACE) -> None:
        """Let what is queued (and whatever arrives meanwhile, from requests still being
        answered) finish within `grace` seconds; then cancel what is left and take no more."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.idle(), grace)
        self._closed = True
        left = self.pending
        if left:
            self._unfinished -= len(self._queue)
            self._queue.clear()
            running = list(self._running)
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)
            log.warning("shutting down: %d pieces of background work cancelled", left)

    async def _work(self) -> None:
        """One worker: take work from the queue until it is empty. Its writes to the database
        wait behind those of requests being answered."""
        after_answers()
        while self._queue:
            name, work = self._queue.popleft()
            try:
                await work()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.error("%s failed: %s", name, type(error).__name__)
            finally:
                self._unfinished -= 1
                if not self._unfinished:
                    self._idle_event().set()

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        if not self._running and self._queue and not self._closed:
            # a worker cancelled mid-queue: the rest still runs
            replacement = asyncio.get_running_loop().create_task(self._work())
            self._running.add(replacement)
            replacement.add_done_callback(self._finished)
        elif not self._unfinished:
            self._idle_event().set()

    def _idle_event(self) -> asyncio.Event:
        if self._idle is None:
            self._idle = asyncio.Event()
            self._idle.set()
        return self._idle
