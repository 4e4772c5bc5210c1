"""Broadcast slots on each cadence, bank holidays moving a slot to the next working day."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest

from handlers.broadcasts.cadence import next_slot
from handlers.core.calendar import Calendar
from handlers.programme.schema import BroadcastActivity

CALENDAR = Calendar()
LONDON = CALENDAR.zone


def activity(cadence: Any, weekday: Any = "tue") -> BroadcastActivity:
    return BroadcastActivity(id="news", kind="broadcast", title="News", format="newsletter",
                             cadence=cadence, weekday=weekday, channel="all-staff")  # fmt: skip


def slots(found: BroadcastActivity, after: dt.datetime, n: int) -> list[dt.date]:
    days = []
    for _ in range(n):
        after = next_slot(found, CALENDAR, after)
        days.append(after.date())
    return days


START = dt.datetime(2027, 1, 4, 10, 0, tzinfo=LONDON)  # a Monday


@pytest.mark.parametrize(
    ("cadence", "expected"),
    [
        ("weekly", [dt.date(2027, 1, 5), dt.date(2027, 1, 12), dt.date(2027, 1, 19)]),
        ("monthly", [dt.date(2027, 1, 5), dt.date(2027, 2, 2), dt.date(2027, 3, 2)]),
        ("bimonthly", [dt.date(2027, 1, 5), dt.date(2027, 3, 2), dt.date(2027, 5, 4)]),
        ("quarterly", [dt.date(2027, 1, 5), dt.date(2027, 4, 6), dt.date(2027, 7, 6)]),
    ],
)
def test_slots_fall_on_the_weekday_of_the_cadence(cadence: str, expected: list[dt.date]) -> None:
    assert slots(activity(cadence), START, 3) == expected


def test_every_four_weeks_is_twenty_eight_days_apart() -> None:
    found = slots(activity("every_4_weeks", "thu"), START, 3)
    assert all(day.weekday() == 3 for day in found)
    assert [(b - a).days for a, b in itertools.pairwise(found)] == [28, 28]


def test_a_slot_is_at_the_start_of_the_working_day_and_strictly_after() -> None:
    slot = next_slot(activity("weekly"), CALENDAR, START)
    assert slot == dt.datetime(2027, 1, 5, 9, 0, tzinfo=LONDON)
    assert next_slot(activity("weekly"), CALENDAR, slot).date() == dt.date(2027, 1, 12)


def test_a_bank_holiday_moves_the_slot_to_the_next_working_day() -> None:
    # the first Monday of May 2027 is the early May bank holiday
    after = dt.datetime(2027, 4, 20, 10, 0, tzinfo=LONDON)
    assert next_slot(activity("monthly", "mon"), CALENDAR, after).date() == dt.date(2027, 5, 4)
