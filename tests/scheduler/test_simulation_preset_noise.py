"""A simulated year of every preset keeps the noise budget and escalates fairly (SPEC §8).

Each preset runs a whole year through the real sweeps, router, outbox and dispatcher, on the
smallest demo council, where people answer on time 60% of the time, late 20% and never the rest,
so reminders and escalations both happen (the year the observation tests read too,
tests/support/simulated_years.py). Two things are read from what was delivered:
- no one receives more than one nudge message (reminders and escalations together, from
  every capability) in a working day;
- no one's manager hears of an item before that person was reminded of it, at least a
  working day earlier.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from simulated_years import sixty_percent_year

from handlers.core.calendar import Calendar
from handlers.programme.schema import load_programme
from scheduler._simulation_output import REMINDER_TYPES, spec_type
from scheduler.simulation import Delivery

PRESETS = ("default", "hammersmith-fulham", "shropshire", "durham", "camden", "haringey")
ESCALATIONS = {"audit.escalated", "action.escalated", "observation.escalated"}
NUDGES = REMINDER_TYPES | ESCALATIONS
# The reminder a person hears before their manager hears of the same item, and the meta
# fields that name the item (an observation comes round again: the one due on that date).
REMINDED_BY = {
    "audit.escalated": ({"audit.reminder"}, ("allocation_id",)),
    "action.escalated": ({"action.reminder"}, ("action_id",)),
    "observation.escalated": ({"observation.due", "observation.overdue"}, ("value", "due")),
}


def named(meta: dict[str, Any], fields: tuple[str, ...]) -> str:
    return "@".join(str(meta[f]) for f in fields)


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
    result = sixty_percent_year(preset)
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
            for wanted, (reminders, fields) in REMINDED_BY.items():
                if kind in reminders:
                    reminded.setdefault((wanted, named(meta, fields)), day)
            if kind in REMINDED_BY:
                escalated += 1
                first = reminded.get((kind, named(meta, REMINDED_BY[kind][1])))
                assert first is not None, f"{preset}: {kind} before any reminder: {meta}"
                assert calendar.next_working_day(first + dt.timedelta(days=1)) < day, (preset, meta)
    assert seen, f"{preset}: a year with no reminders at all"
    assert escalated, f"{preset}: a year with no one escalated shows nothing"
