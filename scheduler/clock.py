"""Clocks: the system clock in production, a virtual one in simulations and tests."""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current time, aware and in UTC."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class VirtualClock:
    """A clock that moves only when told, so a year can be simulated in seconds."""

    def __init__(self, start: dt.datetime) -> None:
        self._now = _utc(start)

    def now(self) -> dt.datetime:
        return self._now

    def advance(self, delta: dt.timedelta) -> dt.datetime:
        if delta < dt.timedelta(0):
            raise ValueError("a virtual clock never goes backwards")
        self._now += delta
        return self._now

    def set(self, moment: dt.datetime) -> dt.datetime:
        moment = _utc(moment)
        if moment < self._now:
            raise ValueError("a virtual clock never goes backwards")
        self._now = moment
        return self._now


def _utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError("clocks keep aware datetimes only")
    return moment.astimezone(dt.UTC)
