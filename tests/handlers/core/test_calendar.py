"""Working-time rules across weekends, bank holidays, Easter, Christmas and clock changes."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.core.calendar import Calendar
from handlers.errors import UserError

ENGLAND = Calendar()
UTC = dt.UTC


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def test_weekends_and_bank_holidays_are_not_working_days() -> None:
    assert ENGLAND.is_working_day(dt.date(2027, 1, 11))  # Monday
    assert not ENGLAND.is_working_day(dt.date(2027, 1, 9))  # Saturday
    assert not ENGLAND.is_working_day(dt.date(2027, 3, 26))  # Good Friday
    assert not ENGLAND.is_working_day(dt.date(2027, 3, 29))  # Easter Monday
    assert not ENGLAND.is_working_day(dt.date(2027, 12, 28))  # Boxing Day substitute


def test_the_nations_keep_their_own_holidays() -> None:
    scotland = Calendar(bank_holidays="scotland")
    new_year_substitute = dt.date(2027, 1, 4)
    assert ENGLAND.is_working_day(new_year_substitute)
    assert not scotland.is_working_day(new_year_substitute)
    assert not Calendar(bank_holidays="northern_ireland").is_working_day(dt.date(2027, 3, 17))
    assert ENGLAND.is_working_day(dt.date(2027, 3, 17))


def test_inside_working_hours_a_dm_goes_now() -> None:
    at = utc(2027, 6, 15, 8, 30)  # 09:30 BST, Tuesday
    assert ENGLAND.next_dm_time(at) == at


def test_before_hours_a_dm_waits_for_nine_local() -> None:
    assert ENGLAND.next_dm_time(utc(2027, 1, 12, 7, 0)) == utc(2027, 1, 12, 9, 0)
    assert ENGLAND.next_dm_time(utc(2027, 6, 15, 7, 0)) == utc(2027, 6, 15, 8, 0)


def test_a_reminder_is_held_over_the_weekend() -> None:
    friday_evening = utc(2027, 1, 15, 17, 0)
    assert ENGLAND.next_dm_time(friday_evening) == utc(2027, 1, 18, 9, 0)
    assert ENGLAND.next_dm_time(utc(2027, 1, 16, 11, 0)) == utc(2027, 1, 18, 9, 0)


def test_a_reminder_is_held_over_christmas_and_the_substitute_days() -> None:
    christmas_eve_evening = utc(2027, 12, 24, 18, 0)
    assert ENGLAND.next_dm_time(christmas_eve_evening) == utc(2027, 12, 29, 9, 0)


def test_a_reminder_is_held_over_easter_and_the_clock_change() -> None:
    maundy_thursday_evening = utc(2027, 3, 25, 18, 0)
    # Easter Tuesday 09:00 BST: the clocks went forward on Easter Sunday.
    assert ENGLAND.next_dm_time(maundy_thursday_evening) == utc(2027, 3, 30, 8, 0)


def test_the_autumn_clock_change_moves_nine_oclock_in_utc() -> None:
    friday_evening_bst = utc(2027, 10, 29, 16, 30)
    assert ENGLAND.next_dm_time(friday_evening_bst) == utc(2027, 11, 1, 9, 0)


def test_someone_away_hears_on_the_working_day_after_they_return() -> None:
    wednesday = utc(2027, 1, 13, 10, 0)
    assert ENGLAND.next_dm_time(wednesday, dt.date(2027, 1, 15)) == utc(2027, 1, 18, 9, 0)
    assert ENGLAND.next_dm_time(wednesday, dt.date(2027, 1, 12)) == wednesday
    back_on_christmas_eve = dt.date(2027, 12, 23)
    assert ENGLAND.next_dm_time(wednesday.replace(month=12, day=20), back_on_christmas_eve) == (
        utc(2027, 12, 24, 9, 0)
    )


def test_working_days_are_added_around_holidays() -> None:
    assert ENGLAND.add_working_days(dt.date(2027, 12, 23), 2) == dt.date(2027, 12, 29)
    assert ENGLAND.add_working_days(dt.date(2027, 12, 29), -2) == dt.date(2027, 12, 23)
    assert ENGLAND.add_working_days(dt.date(2027, 1, 9), 0) == dt.date(2027, 1, 9)
    assert ENGLAND.working_days_between(dt.date(2027, 3, 25), dt.date(2027, 3, 30)) == 1
    assert ENGLAND.working_days_between(dt.date(2027, 3, 30), dt.date(2027, 3, 25)) == -1


@given(
    st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2030, 12, 31)),
    st.integers(min_value=-40, max_value=40),
)
def test_counting_undoes_adding(day: dt.date, n: int) -> None:
    assert ENGLAND.working_days_between(day, ENGLAND.add_working_days(day, n)) == n


def test_a_dm_time_is_always_inside_working_hours() -> None:
    at = utc(2027, 12, 20, 0, 0)
    for _ in range(24 * 21):
        when = ENGLAND.next_dm_time(at).astimezone(ENGLAND.zone)
        assert ENGLAND.is_working_day(when.date())
        assert dt.time(9) <= when.time() < dt.time(17)
        assert when >= at
        at += dt.timedelta(hours=1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"bank_holidays": "cornwall"}, "bank_holidays must be one of"),
        ({"timezone": "Europe/Londn"}, "unknown time zone"),
        ({"working_hours": (dt.time(17), dt.time(9))}, "start before they end"),
    ],
)
def test_bad_settings_are_explained(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(UserError, match=message):
        Calendar(**kwargs)  # type: ignore[arg-type]


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        ENGLAND.next_dm_time(dt.datetime(2027, 1, 11, 10))


@given(
    st.dates(min_value=dt.date(1995, 1, 1), max_value=dt.date(2035, 12, 31)),
    st.dates(min_value=dt.date(1995, 1, 1), max_value=dt.date(2035, 12, 31)),
)
def test_counting_agrees_with_walking_day_by_day(start: dt.date, end: dt.date) -> None:
    low, high = min(start, end), max(start, end)
    walked = sum(
        ENGLAND.is_working_day(low + dt.timedelta(days=i)) for i in range(1, (high - low).days + 1)
    )
    if end < start:  # from `end` up to but excluding `start`
        walked = -sum(ENGLAND.is_working_day(end + dt.timedelta(days=i))
                      for i in range((start - end).days))  # fmt: skip
    assert ENGLAND.working_days_between(start, end) == walked
