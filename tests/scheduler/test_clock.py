"""Clocks give aware UTC times; the virtual one moves only forwards, and only when told."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from scheduler.clock import Clock, SystemClock, VirtualClock


def test_a_virtual_clock_moves_when_told_and_reports_utc() -> None:
    start = dt.datetime(2027, 3, 28, 2, 30, tzinfo=ZoneInfo("Europe/London"))
    clock: Clock = VirtualClock(start)
    assert clock.now() == start and clock.now().tzinfo == dt.UTC
    assert isinstance(clock, VirtualClock)
    assert clock.advance(dt.timedelta(hours=1)) == start + dt.timedelta(hours=1)
    later = dt.datetime(2027, 4, 1, tzinfo=dt.UTC)
    assert clock.set(later) == later == clock.now()


def test_a_virtual_clock_never_goes_backwards_or_naive() -> None:
    clock = VirtualClock(dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(dt.timedelta(seconds=-1))
    with pytest.raises(ValueError, match="backwards"):
        clock.set(dt.datetime(2026, 12, 31, tzinfo=dt.UTC))
    with pytest.raises(ValueError, match="aware"):
        VirtualClock(dt.datetime(2027, 1, 1))


def test_the_system_clock_is_aware_utc() -> None:
    assert SystemClock().now().utcoffset() == dt.timedelta(0)
