"""The sandbox's clock: real time from wherever it starts, plus however far it has moved on."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from scheduler.clock import Clock, SystemClock


class MovableClock:
    """Runs with the machine's clock, but can start at another moment and jump forward.

    Started at `start`, it reads `start` at once and then moves on as real time passes, so a
    person can try next January's round in November.
    """

    def __init__(self, base: Clock | None = None, start: dt.datetime | None = None) -> None:
        self._base = base or SystemClock()
        self._offset = dt.timedelta(0)
        if start is not None:
            if start.tzinfo is None:
                raise ValueError("the sandbox's clock starts at an aware datetime only")
            self._offset = start - self._base.now()

    def now(self) -> dt.datetime:
        return self._base.now() + self._offset

    def jump_to(self, moment: dt.datetime) -> dt.datetime:
        """Move on to `moment`; time never goes backwards."""
        current = self.now()
        if moment > current:
            self._offset += moment - current
        return self.now()

    def restart_today(self, zone: ZoneInfo, morning: dt.time) -> dt.datetime:
        """Start again at `morning` on today's date by the machine's clock (in `zone`), earlier
        or later than now: only for starting the sandbox afresh."""
        today = self._base.now().astimezone(zone).date()
        self._offset = dt.datetime.combine(today, morning, tzinfo=zone) - self._base.now()
        return self.now()
