"""APScheduler jobs: the due-items sweep and the dispatcher loop, with one misfire policy."""

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
DISPATCH_JOB = "dispatcher"


class Sweeps:
    """The due-items sweeps others register; each is idempotent, keyed by what it sends."""

    def __init__(self, sweeps: Iterable[tuple[str, Sweep]] = ()) -> None:
        self._sweeps: dict[str, Sweep] = {}
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
        for name, sweep in self._sweeps.items():
            try:
                total += await sweep(now)
            except Exception as error:
                logger.error(
                    "sweep %s failed at %s: %s", name, now.isoformat(), type(error).__name__
                )
        return total


async def sweep_due(sweeps: Sweeps, clock: Clock) -> int:
    """The periodic job: everything due by the clock's now is enqueued (once, by its keys)."""
    return await sweeps.run(clock.now())


async def drain_outbox(dispatcher: Dispatcher, clock: Clock) -> int:
    """Deliver until nothing more is due; for simulations and one-off runs."""
    total = 0
    while handled := await dispatcher.run_once(clock.now()):
        total += handled
    return total


async def run_dispatcher(dispatcher: Dispatcher, stop: asyncio.Event) -> None:
    """The dispatcher loop job: runs for the life of the scheduler."""
    await dispatcher.run_forever(stop)


def build_scheduler(
    *,
    clock: Clock,
    sweeps: Sweeps,
    dispatcher: Dispatcher | None = None,
    stop: asyncio.Event | None = None,
    timezone: str = "Europe/London",
    sweep_every: dt.timedelta = dt.timedelta(minutes=1),
) -> AsyncIOScheduler:
    """A scheduler with the sweep (first run at start, to catch up) and the dispatcher loop."""
    zone = ZoneInfo(timezone)
    scheduler = AsyncIOScheduler(timezone=zone, job_defaults=dict(JOB_DEFAULTS))
    scheduler.add_job(
        sweep_due,
        IntervalTrigger(seconds=sweep_every.total_seconds(), timezone=zone),
        args=[sweeps, clock],
        id=SWEEP_JOB,
        next_run_time=clock.now(),
    )
    if dispatcher is not None:
        scheduler.add_job(
            run_dispatcher,
            "date",
            args=[dispatcher, stop or asyncio.Event()],
            id=DISPATCH_JOB,
            run_date=clock.now(),
        )
    return scheduler
