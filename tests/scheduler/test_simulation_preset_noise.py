"""A simulated year of every preset keeps the noise budget and escalates fairly (SPEC §8).

Each preset runs a whole year through the real sweeps, router, outbox and dispatcher, on a
small council where some people answer late and a few never do, so reminders and
escalations both happen. Two things are read from what was delivered:
- no one receives more than one nudge message (reminders and escalations together, from
  every capability) in a working day;
- no one's manager hears of an item before that person was reminded of it, at least a
  working day earlier.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from preset_year import YEAR

from handlers.core.calendar import Calendar
from handlers.programme.schema import load_programme
from scheduler._simulation_output import REMINDER_TYPES, spec_type
from scheduler.simulation import Behaviour, Council, Delivery, SimulationResult, run_simulation

PRESETS = ("default", "hammersmith-fulham", "shropshire", "durham", "camden", "haringey")
PEOPLE = 80  # the smallest demo council: every role a preset names, and a quick year
SOME_NEVER = Behaviour(respond_rate=0.95, late_rate=0.03)  # a few never answer: escalations
ESCALATIONS = {"audit.escalated", "action.escalated", "observation.escalated"}
NUDGES = REMINDER_TYPES | ESCALATIONS
# The reminder a person hears before their manager hears of the same item, and the meta
# field that names the item.
REMINDED_BY = {
    "audit.escalated": ({"audit.reminder"}, "allocation_id"),
    "action.escalated": ({"action.reminder"}, "action_id"),
    "observation.escalated": ({"observation.due", "observation.overdue"}, "value"),
}


def simulate(preset: str) -> SimulationResult:
    programme = load_programme(preset)
    return asyncio.run(
        run_simulation(programme, dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31),
                       council=Council(demo_people=PEOPLE), behaviour=SOME_NEVER)
    )  # fmt: skip


def items(delivery: Delivery) -> Iterator[tuple[str | None, dict[str, Any]]]:
    """Every item a message carries (a gathered one carries several), with its meta."""
    listed = delivery.meta.get("items") or [{"kind": delivery.kind, "meta": delivery.meta}]
    for item in listed:
        meta = item.get("meta", {})
        yield meta.get("type") or spec_type(item["kind"]), meta


@pytest.mark.parametrize("preset", PRESETS)
def test_a_year_of_each_preset_nudges_once_a_day_and_escalates_only_after_a_reminder(
    preset: str,
) -> None:
    result = simulate(preset)
    zone = ZoneInfo(result.timezone)
    calendar = Calendar.from_programme(load_programme(preset))
    seen: set[tuple[str, dt.date]] = set()
    reminded: dict[tuple[str, str], dt.date] = {}
    escalated = 0
    for delivery in result.messages():
        day = delivery.at.astimezone(zone).date()
        kinds = list(items(delivery))
        if any(kind in NUDGES for kind, _ in kinds):
            key = (delivery.recipient, day)
            assert key not in seen, f"{preset}: two nudge messages to {key}"
            seen.add(key)
        for kind, meta in kinds:
            for wanted, (reminders, id_field) in REMINDED_BY.items():
                if kind in reminders:
                    reminded.setdefault((wanted, str(meta[id_field])), day)
            if kind in REMINDED_BY:
                escalated += 1
                first = reminded.get((kind, str(meta[REMINDED_BY[kind][1]])))
                assert first is not None, f"{preset}: {kind} before any reminder: {meta}"
                assert calendar.next_working_day(first + dt.timedelta(days=1)) < day, (preset, meta)
    assert seen, f"{preset}: a year with no reminders at all"
    assert escalated, f"{preset}: a year with no one escalated shows nothing"
