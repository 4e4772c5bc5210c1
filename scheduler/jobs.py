"""APScheduler jobs: the due-items sweep, with one misfire policy.

The dispatcher is not a job: it runs as a task of its own for the life of the process (see
`Dispatcher.run_forever`), woken when something is enqueued.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from scheduler.clock import Clock
from scheduler.dispatcher import Dispatcher

logger = logging.getLogger(__name__)

Sweep = Callable[[dt.datetime], Awaitable[int]]

# Set once, here, for every job. APScheduler 3's default grace of one second would silently
# skip a monthly job missed during an outage; with no limit and coalescing it runs once.
JOB_DEFAULTS: dict[str, Any] = {"coalesce": True, "misfire_grace_time": None, "max_instances": 1}
SWEEP_JOB = "sweep_due"


class Sweeps:
    """The due-items sweeps others register; each is idempotent, keyed by what it sends."""

    def __init__(self, sweeps: Iterable[tuple[str, Sweep]] = ()) -> None:
        self._sweeps: dict[str, Sweep] = {}
        self._running = asyncio.Lock()  # one pass at a time; shutdown waits for the one running
        for name, sweep in sweeps:
            self.register(name, sweep)

    def register(self, name: str, sweep: Sweep) -> None:
        if name in self._sweeps:
            raise ValueError(f"a sweep named {name!r} is already registered")
        self._sweeps[name] = sweep

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._sweeps)

    async def run(self, now: dt.datetime) -> int:
        """Run every sweep for `now`; one failing is logged and the others still run."""
        total = 0
        async with self._running:
            for name, sweep in self._sweeps.items():
                try:
                    total += await sweep(now)
                except Exception:
                    logger.exception("sweep %s failed at %s", name, now.isoformat())
        return total

    async def idle(self) -> None:
        """Wait for a pass in progress to finish (shutdown: never cancel one mid-transaction)."""
        async with self._running:
            pass


async def sweep_due(sweeps: Sweeps, clock: Clock) -> int:
    """The periodic job: everything due by the clock's now is enqueued (once, by its keys)."""
    return await sweeps.run(clock.now())


async def drain_outbox(dispatcher: Dispatcher, clock: Clock) -> int:
    """Deliver until nothing more is due; for simulations and one-off runs."""
    total = 0
    while handled := await dispatcher.run_once(clock.now()):
        total += handled
    return total


def build_scheduler(
    *,
    clock: Clock,
    sweeps: Sweeps,
    timezone: str = "Europe/London",
    sweep_every: dt.timedelta = dt.timedelta(minutes=1),
) -> AsyncIOScheduler:
    """A scheduler with the sweep, whose first run is at start, to catch up."""
    zone = ZoneInfo(timezone)
    scheduler = AsyncIOScheduler(timezone=zone, job_defaults=dict(JOB_DEFAULTS))
    scheduler.add_job(
        sweep_due,
        IntervalTrigger(seconds=sweep_every.total_seconds(), timezone=zone),
        args=[sweeps, clock],
        id=SWEEP_JOB,
        next_run_time=clock.now(),
    )
    return scheduler
