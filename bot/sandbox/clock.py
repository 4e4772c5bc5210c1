"""The sandbox's clock: real time plus however far the person trying qabot has moved it on."""

from __future__ import annotations

import datetime as dt

from scheduler.clock import Clock, SystemClock


class MovableClock:
    """Runs with the machine's clock, but can jump forward to show what happens next."""

    def __init__(self, base: Clock | None = None) -> None:
        self._base = base or SystemClock()
        self._offset = dt.timedelta(0)

    def now(self) -> dt.datetime:
        return self._base.now() + self._offset

    def jump_to(self, moment: dt.datetime) -> dt.datetime:
        """Move on to `moment`; time never goes backwards."""
        if moment > self.now():
            self._offset += moment - self.now()
        return self.now()
