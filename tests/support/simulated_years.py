"""Simulated years of each preset, each run once a session and shared by the modules that read it,
on the smallest demo council (every role a preset names), through the real sweeps, router,
outbox and dispatcher:

- `year_of`: everyone responds on time. The practice-week and broadcast tests read its
  channels, the audit cadence tests its allocations, the observation tests that no manager
  hears of anything when everyone records on time.
- `sixty_percent_year`: people answer on time 60% of the time, late 20%, never the rest, so
  reminders run their course and escalations happen. The noise-budget and fair-escalation
  tests and the observation tests read it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
from dataclasses import dataclass

from sqlalchemy import select

from handlers.programme.schema import load_programme
from handlers.roster.demo import MIN_PEOPLE
from message_templates.wording import Wording
from scheduler.simulation import (
    Behaviour,
    Council,
    Simulation,
    SimulationResult,
    load_council,
    run_simulation,
    scratch_database,
)
from storage.models import Case, OutboxMessage

YEAR = 2027
PEOPLE = MIN_PEOPLE
ON_TIME = Behaviour(respond_rate=1.0, late_rate=0.0)
SIXTY_PERCENT = Behaviour(respond_rate=0.6, late_rate=0.2)


@dataclass(frozen=True)
class Year:
    result: SimulationResult
    channel_posts: list[tuple[str, str]]  # (recipient, everything the post says)
    case_refs: set[str]


@functools.cache
def year_of(preset: str) -> Year:
    """The preset's year, its channel posts and the council's case references (once a session)."""

    async def go() -> Year:
        programme = load_programme(preset)
        async with scratch_database() as sessions:
            simulation = Simulation(sessions, programme, dt.date(YEAR, 1, 1), seed=1,
                                    behaviour=ON_TIME, wording=Wording())  # fmt: skip
            await load_council(sessions, Council(demo_people=PEOPLE), 1, simulation.clock.now())
            result = await simulation.run(dt.date(YEAR, 12, 31))
            async with sessions() as session:
                rows = await session.scalars(
                    select(OutboxMessage).where(OutboxMessage.recipient.startswith("channel:"))
                )
                posts = [(r.recipient, str(r.payload)) for r in rows]
                refs = set(await session.scalars(select(Case.case_ref)))
        return Year(result, posts, refs)

    return asyncio.run(go())


@functools.cache
def sixty_percent_year(preset: str) -> SimulationResult:
    """The preset's year with people answering on time 60% of the time (once a session)."""
    return asyncio.run(
        run_simulation(load_programme(preset), dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31),
                       council=Council(demo_people=PEOPLE), behaviour=SIXTY_PERCENT)
    )  # fmt: skip
