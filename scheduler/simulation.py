"""A dry run of the programme: production's sweeps, router, outbox and dispatcher, day by day.

Only two things differ from a real run: the clock is virtual and the platform records instead
of sending. Simulated people answer through `handle_event` and the real router, as a person
clicking in the sandbox would, on days drawn from the seed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event

from handlers.broadcasts.simulated import queue_placeholders
from handlers.capabilities import build_router, jobs
from handlers.core.calendar import Calendar
from handlers.core.deps import Deps
from handlers.core.inbound import handle_event
from handlers.core.router import Inbound
from handlers.errors import UserError
from handlers.practice_weeks.simulated import draft_placeholders
from handlers.programme.schema import Programme
from handlers.roster.demo import load_demo_council
from handlers.roster.importer import CsvFile, import_roster
from message_templates.model import Form, Message
from message_templates.wording import Wording
from scheduler._simulation_answers import first_event, form_action, submission
from scheduler._simulation_output import is_message, spec_line
from scheduler._simulation_people import FORM_SHARE, Behaviour, People, Planned
from scheduler._simulation_platform import SIMULATION, Delivery, RecordingPlatform
from scheduler.clock import VirtualClock
from scheduler.dispatcher import Dispatcher, DispatchPolicy
from scheduler.jobs import Sweeps
from scheduler.ratelimit import RateLimiter
from storage import Sessions, make_private_engine, make_sessions, upgrade

__all__ = [
    "Behaviour",
    "Council",
    "Delivery",
    "RecordingPlatform",
    "Responded",
    "Simulation",
    "SimulationResult",
    "load_council",
    "run_simulation",
    "scratch_database",
]

MAX_DAYS = 3 * 366
MOSTLY_ON_TIME = Behaviour()


@dataclass(frozen=True)
class Council:
    """Who is simulated: a council's people.csv and cases.csv, or a demo council of N people."""

    people: CsvFile | None = None
    cases: CsvFile | None = None
    demo_people: int = 300


@dataclass(frozen=True)
class Responded:
    """One inbound event a simulated person made, and the kind of qabot's answer."""

    at: dt.datetime
    staff_id: str
    task: str
    ref: str
    event: str
    answer: str


@dataclass
class SimulationResult:
    timezone: str
    deliveries: list[Delivery]
    responses: list[Responded]
    outcomes: dict[str, int] = field(default_factory=dict)

    def messages(self) -> list[Delivery]:
        """The messages qabot sent of its own accord, in time order."""
        return [d for d in self.deliveries if is_message(d)]

    def lines(self) -> list[dict[str, Any]]:
        """SPEC §6 objects, one per message, in time order."""
        zone = ZoneInfo(self.timezone)
        return [spec_line(d, zone) for d in self.messages()]


DEMO = Council()


def days(start: dt.date, end: dt.date) -> Iterator[dt.date]:
    for n in range((end - start).days + 1):
        yield start + dt.timedelta(days=n)


def check_range(start: dt.date, end: dt.date) -> None:
    if end < start:
        raise UserError(f"--to ({end}) is before --from ({start})")
    if (end - start).days >= MAX_DAYS:
        asked = (end - start).days + 1
        raise UserError(f"simulate at most three years at a time, not {asked} days")


async def run_simulation(
    programme: Programme,
    start: dt.date,
    end: dt.date,
    *,
    council: Council = DEMO,
    seed: int = 1,
    behaviour: Behaviour = MOSTLY_ON_TIME,
    wording: Wording | None = None,
) -> SimulationResult:
    """Simulate `start` to `end` (inclusive) on a fresh temporary database, then throw it away."""
    check_range(start, end)
    async with scratch_database() as sessions:
        simulation = Simulation(sessions, programme, start, seed=seed, behaviour=behaviour,
                                wording=wording or Wording())  # fmt: skip
        await load_council(sessions, council, seed, simulation.clock.now())
        return await simulation.run(end)


@asynccontextmanager
async def scratch_database() -> AsyncIterator[Sessions]:
    """A migrated SQLite database in a temporary folder: never the configured database."""
    with tempfile.TemporaryDirectory(prefix="qabot-simulation-") as folder:
        path = Path(folder) / "simulation.db"
        await asyncio.to_thread(upgrade, f"sqlite:///{path}")
        engine = make_private_engine(path)
        event.listen(engine.sync_engine, "connect", _throwaway_pragmas)
        try:
            yield make_sessions(engine)
        finally:
            await engine.dispose()


def _throwaway_pragmas(dbapi_connection: Any, _record: object) -> None:
    # The database is deleted at the end: durability against a crash buys nothing here, so
    # the rollback journal stays in memory and nothing waits on the disk. Nothing else opens
    # the file, so its one connection keeps the lock rather than taking it for each transaction.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=MEMORY")
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.execute("PRAGMA locking_mode=EXCLUSIVE")
    cursor.close()


async def load_council(sessions: Sessions, council: Council, seed: int, now: dt.datetime) -> None:
    """Import the council's files through the normal import (all or nothing), or a demo council."""
    if council.people is not None and council.cases is not None:
        await import_roster(sessions, council.people, council.cases, now=now, actor="simulation")
    else:
        await load_demo_council(sessions, people=council.demo_people, seed=seed, now=now)


class Simulation:
    """The day loop: each morning the sweeps and a delivery pass, then the day's responses."""

    def __init__(
        self,
        sessions: Sessions,
        programme: Programme,
        start: dt.date,
        *,
        seed: int,
        behaviour: Behaviour,
        wording: Wording,
    ) -> None:
        self.calendar = Calendar.from_programme(programme)
        self.clock = VirtualClock(self.calendar.day_starts_at(start))
        self.platform = RecordingPlatform(self.clock)
        self.deps = Deps(sessions=sessions, wording=wording, clock=self.clock,
                         programme=programme, calendar=self.calendar, platforms=(SIMULATION,),
                         qa_channel=programme.qa_channel)  # fmt: skip
        self.router = build_router(self.deps)
        self.sweeps = Sweeps(jobs(self.deps))
        policy = DispatchPolicy(qa_recipient=f"channel:{programme.qa_channel}",
                                qa_platform=SIMULATION)  # fmt: skip
        # no limits for the recording platform, so the limiter never sleeps
        self.dispatcher = Dispatcher(sessions, [self.platform], clock=self.clock,
                                     limiter=RateLimiter({}), policy=policy,
                                     rng=random.Random(seed))  # fmt: skip
        self.seed = seed
        self.start = start
        self.people = People(seed, behaviour, self.calendar)
        self.batch = policy.batch
        self.responses: list[Responded] = []
        self._events = 0

    async def run(self, end: dt.date) -> SimulationResult:
        # where the QA team has loaded and queued nothing, a drafted schedule for each practice
        # week and a placeholder for each broadcast slot, each marked as a placeholder
        await draft_placeholders(self.deps, self.start, end)
        await queue_placeholders(self.deps, self.start, end)
        for day in days(self.start, end):
            morning = self.calendar.day_starts_at(day)
            self.clock.set(max(morning, self.clock.now()))
            await self.sweeps.run(self.clock.now())
            await self._deliver()
            tomorrow = self.calendar.day_starts_at(day + dt.timedelta(days=1))
            for sitting in self.people.sittings_before(tomorrow):
                await self._sitting(sitting)
        outcomes = {str(k): n for k, n in self.people.outcomes.items()}
        zone = self.deps.programme.timezone
        return SimulationResult(zone, self.platform.deliveries, self.responses, outcomes)

    async def _deliver(self) -> None:
        """Deliver everything due through the real dispatcher; people read what arrived.

        A pass that claims less than a full batch has claimed everything due, so unlike
        drain_outbox no empty pass follows it: nothing else enqueues while the clock stands.
        """
        while await self.dispatcher.run_once(self.clock.now()) >= self.batch:
            pass
        for delivery, message in self.platform.take_fresh():
            self.people.observe(delivery, message)

    async def _sitting(self, sitting: list[Planned]) -> None:
        """Responses made at one moment: clicks, ticks and saved forms, then any forms opened
        are filled in and submitted a little later (from the form qabot sent back)."""
        self.clock.set(max(sitting[0].at, self.clock.now()))
        opened: list[tuple[Planned, Inbound, Form]] = []
        for planned in sitting:
            event = first_event(planned, self._event_id(), self.seed)
            answer = await self._handle(planned, event)
            form = answer.form if answer is not None else None
            if form is not None and form.action == form_action(planned):
                opened.append((planned, event, form))
        await self._deliver()
        if not opened:
            return
        self.clock.advance(self.people.working_day * FORM_SHARE)
        grades = self.deps.programme.grades
        for planned, event, form in opened:
            source = f"reply:{SIMULATION}:{event.event_id}"
            await self._handle(
                planned, submission(planned, form, grades, self.seed, self._event_id(), source)
            )
        await self._deliver()

    async def _handle(self, planned: Planned, inbound: Inbound) -> Message | None:
        """One event through handle_event and the real router; qabot's answer, if any."""
        reply = await handle_event(self.deps, self.router, inbound)
        answer = reply.message if reply is not None else None
        self.responses.append(Responded(self.clock.now(), planned.staff_id, planned.task,
                                        planned.ref, inbound.name,
                                        answer.kind if answer else ""))  # fmt: skip
        return answer

    def _event_id(self) -> str:
        self._events += 1
        return f"sim-{self._events}"
