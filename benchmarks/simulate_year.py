"""A simulated year of the Camden preset for a 2,000-person council (SPEC §9: ≤ 30 s).

The same run as `qabot simulate --from 2027-01-01 --to 2027-12-31 --programme camden
--demo-people 2000`: a fresh database, the demo council imported, then the day loop.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time

from handlers.programme.schema import load_programme
from message_templates.wording import Wording
from scheduler.simulation import (
    Behaviour,
    Council,
    Simulation,
    SimulationResult,
    load_council,
    scratch_database,
)

TARGET_SECONDS = 30.0
PEOPLE = 2_000
START, END = dt.date(2027, 1, 1), dt.date(2027, 12, 31)
SEED = 1
BEHAVIOUR = Behaviour()  # the command's default: most on time, some late, a few never


async def _run() -> tuple[float, float, SimulationResult]:
    programme = load_programme("camden")
    started = time.perf_counter()
    async with scratch_database() as sessions:
        simulation = Simulation(sessions, programme, START, seed=SEED,
                                behaviour=BEHAVIOUR, wording=Wording())  # fmt: skip
        await load_council(sessions, Council(demo_people=PEOPLE), SEED, simulation.clock.now())
        loaded = time.perf_counter()
        result = await simulation.run(END)
        return loaded - started, time.perf_counter() - loaded, result


def main() -> None:
    setup, days, result = asyncio.run(_run())
    total = setup + days
    messages = len(result.messages())
    print(
        f"simulate a year (Camden, {PEOPLE:,} people): {total:.1f} s "
        f"(database and council {setup:.1f} s, 365 days {days:.1f} s); target "
        f"{TARGET_SECONDS:.0f} s; ratio {total / TARGET_SECONDS:.2f}; {messages:,} messages, "
        f"{len(result.deliveries) - messages:,} answers and updates, "
        f"{len(result.responses):,} responses by simulated people"
    )


if __name__ == "__main__":
    main()
