"""The day time-sensitive tests take as today, so the suite means the same on any date.

`QABOT_TEST_TODAY=2026-12-25` pins another day (the `dated` tests are run on several in CI);
unset, it is a fixed ordinary Monday.
"""

from __future__ import annotations

import datetime as dt
import os

DEFAULT_TODAY = dt.date(2027, 1, 11)


def today() -> dt.date:
    """The pinned today: `QABOT_TEST_TODAY` (an ISO date) or DEFAULT_TODAY."""
    raw = os.environ.get("QABOT_TEST_TODAY", "").strip()
    if not raw:
        return DEFAULT_TODAY
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"QABOT_TEST_TODAY must be a date like 2027-01-11, not {raw!r}") from None
