"""Quiet periods: days in every year when nothing falls due and no nudge goes."""

from __future__ import annotations

import datetime as dt

import pytest

from handlers.case_audit.allocation.periods import window_for
from handlers.core.calendar import Calendar
from handlers.programme.schema import (
    CaseAudit,
    ProgrammeError,
    QuietPeriod,
    load_programme,
    parse_programme,
)
from handlers.reminders.nudge_days import is_reminder_day

DEFAULT = load_programme("default")


def quiet(*spans: tuple[str, str]) -> Calendar:
    periods = [QuietPeriod.model_validate({"first": a, "last": b}) for a, b in spans]
    programme = DEFAULT.model_copy(update={"quiet_periods": periods})
    return Calendar.from_programme(programme)


def test_a_quiet_period_over_new_year_is_no_working_day_and_counts_as_none() -> None:
    calendar, plain = quiet(("12-24", "01-01")), Calendar.from_programme(DEFAULT)
    assert not calendar.is_working_day(dt.date(2027, 12, 24))
    assert not calendar.is_working_day(dt.date(2028, 1, 1))
    assert not calendar.is_working_day(dt.date(2027, 1, 1))  # last year's period, too
    assert calendar.is_working_day(dt.date(2027, 12, 23)) and plain.is_working_day(
        dt.date(2027, 12, 29)
    )
    assert calendar.next_working_day(dt.date(2027, 12, 24)) == dt.date(2028, 1, 4)
    # 23 December to the first working day of the new year is one working day, not four
    assert calendar.working_days_between(dt.date(2027, 12, 23), dt.date(2028, 1, 4)) == 1
    assert calendar.add_working_days(dt.date(2027, 12, 23), 1) == dt.date(2028, 1, 4)


def test_nothing_falls_due_and_no_nudge_goes_in_a_quiet_period() -> None:
    calendar = quiet(("12-24", "01-01"))
    (audit,) = DEFAULT.of_kind(CaseAudit)
    # December's window (the 1st to the 28th) ends on the last working day before the period
    assert window_for(audit, 2027, 12, calendar)[1] == dt.date(2027, 12, 23)
    # (without it, the 24th: the 27th and 28th are that year's Christmas bank holidays)
    assert window_for(audit, 2027, 12, Calendar.from_programme(DEFAULT))[1] == dt.date(2027, 12, 24)
    rule = audit.record_reminders
    due = dt.date(2027, 12, 23)
    days = [due + dt.timedelta(days=n) for n in range(1, 20)]
    nudged = [d for d in days if calendar.is_working_day(d)
              and is_reminder_day(calendar, rule, due, d)]  # fmt: skip
    assert nudged and all(d >= dt.date(2028, 1, 4) for d in nudged)


@pytest.mark.parametrize("bad", ["13-01", "12/24", "02-30"])
def test_a_quiet_period_that_is_no_day_of_the_year_is_refused(bad: str) -> None:
    text = (
        "name: x\ncouncil: x\nquiet_periods: [{first: '" + bad + "', last: '01-01'}]\n"
        "activities: [{id: b, kind: broadcast, title: B, format: brief, cadence: weekly, "
        "channel: c}]\n"
    )
    with pytest.raises(ProgrammeError, match="quiet_periods"):
        parse_programme(text)
