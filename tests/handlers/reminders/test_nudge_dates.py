"""The sweep reads only items due on a nudge day: those days must be exactly the nudge days."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.core.calendar import Calendar
from handlers.programme.schema import ReminderRule
from handlers.reminders.nudge_days import is_reminder_day, item_ids, nudge_dates, snoozes_ending

CALENDAR = Calendar()

rules = st.builds(
    ReminderRule,
    before_working_days=st.lists(st.integers(0, 10), max_size=3),
    overdue_every_working_days=st.integers(1, 10),
    overdue_nudges=st.none() | st.integers(0, 5),
)
days = st.dates(dt.date(2027, 1, 1), dt.date(2028, 12, 31))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(rules, st.booleans()), min_size=1, max_size=3),
    days,
    st.integers(0, 200),
)
def test_the_dates_read_are_exactly_those_some_rule_nudges_today(
    pairs: list[tuple[ReminderRule, bool]], today: dt.date, back: int
) -> None:
    earliest = today - dt.timedelta(days=back)
    found = set(nudge_dates(CALENDAR, pairs, today, earliest))
    # every due date from the earliest open one to well past the furthest 'before' reach
    for n in range((today - earliest).days + 40):
        due = earliest + dt.timedelta(days=n)
        nudged = any(is_reminder_day(CALENDAR, r, due, today, after_due=a) for r, a in pairs)
        assert (due in found) == nudged, due


def test_nothing_open_reads_nothing() -> None:
    assert nudge_dates(CALENDAR, [(ReminderRule(), True)], dt.date(2027, 3, 1), None) == []


def test_a_snooze_ending_wakes_its_item_on_the_next_working_day_only() -> None:
    snoozes = {
        (1, "audit:12"): dt.date(2027, 3, 5),  # a Friday: Monday 8 March wakes it
        (2, "action:7"): dt.date(2027, 3, 8),  # still holding on the 8th
        (3, "checklist:4"): dt.date(2027, 3, 1),  # woke on the 2nd, nudged as usual since
    }
    woken = snoozes_ending(CALENDAR, snoozes, dt.date(2027, 3, 8))
    assert woken == {"audit:12"}
    assert item_ids(woken | {"action:x", "reflection:3"}, "audit", "checklist") == {12}
