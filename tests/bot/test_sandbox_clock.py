"""The sandbox's clock starts where it is told, runs on with real time and jumps only forward."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.sandbox.clock import MovableClock
from scheduler.clock import VirtualClock

REAL = dt.datetime(2026, 11, 27, 10, 15, tzinfo=dt.UTC)
JANUARY = dt.datetime(2027, 1, 11, 8, 0, tzinfo=dt.UTC)


def test_without_a_start_it_is_real_time() -> None:
    real = VirtualClock(REAL)
    clock = MovableClock(real)
    assert clock.now() == REAL
    real.advance(dt.timedelta(minutes=5))
    assert clock.now() == REAL + dt.timedelta(minutes=5)


def test_it_starts_at_the_given_moment_and_real_time_moves_it_on() -> None:
    real = VirtualClock(REAL)
    clock = MovableClock(real, start=JANUARY)
    assert clock.now() == JANUARY
    real.advance(dt.timedelta(minutes=90))
    assert clock.now() == JANUARY + dt.timedelta(minutes=90)
    assert clock.now().utcoffset() == dt.timedelta(0)


def test_it_can_start_in_the_past_too() -> None:
    real = VirtualClock(JANUARY)
    clock = MovableClock(real, start=REAL)
    real.advance(dt.timedelta(seconds=30))
    assert clock.now() == REAL + dt.timedelta(seconds=30)


def test_a_start_in_another_zone_is_the_same_moment() -> None:
    new_york = dt.timezone(dt.timedelta(hours=-5))
    clock = MovableClock(VirtualClock(REAL), start=JANUARY.astimezone(new_york))
    assert clock.now() == JANUARY


def test_jumps_go_forward_from_the_start_and_real_time_carries_on_after() -> None:
    real = VirtualClock(REAL)
    clock = MovableClock(real, start=JANUARY)
    morning = dt.datetime(2027, 1, 12, 9, 0, tzinfo=dt.UTC)
    assert clock.jump_to(morning) == morning
    assert clock.jump_to(JANUARY) == morning  # never backwards
    real.advance(dt.timedelta(minutes=3))
    assert clock.now() == morning + dt.timedelta(minutes=3)


def test_a_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        MovableClock(VirtualClock(REAL), start=dt.datetime(2027, 1, 11, 8, 0))
