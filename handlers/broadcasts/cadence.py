"""When a broadcast of the programme's posts: the slots of its cadence, as pure functions.

A slot is the activity's weekday (Tuesday unless the programme says) at the start of the
working day: every week; every fourth week (counted from a fixed Monday, so the weeks never
drift); in the first such week of each month; of every other month (January, March…); or of
each quarter (January, April, July, October). A slot on a bank holiday moves to the next
working day.
"""

from __future__ import annotations

import datetime as dt

from handlers.core.calendar import Calendar
from handlers.programme.schema import BroadcastActivity

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
_MONTHS = {
    "monthly": frozenset(range(1, 13)),
    "bimonthly": frozenset({1, 3, 5, 7, 9, 11}),
    "quarterly": frozenset({1, 4, 7, 10}),
}
_LOOK_AHEAD_DAYS = 400


def is_cadence_day(activity: BroadcastActivity, day: dt.date) -> bool:
    """Whether `day` is one of the activity's dates before bank holidays move it."""
    if day.weekday() != WEEKDAYS.index(activity.weekday):
        return False
    if activity.cadence == "weekly":
        return True
    if activity.cadence == "every_4_weeks":
        return (day.toordinal() // 7) % 4 == 0
    return day.month in _MONTHS[activity.cadence] and day.day <= 7


def next_slot(activity: BroadcastActivity, calendar: Calendar, after: dt.datetime) -> dt.datetime:
    """The first slot strictly after `after`."""
    day = calendar.local_date(after)
    for _ in range(_LOOK_AHEAD_DAYS):
        if is_cadence_day(activity, day):
            slot = calendar.day_starts_at(calendar.next_working_day(day))
            if slot > after:
                return slot
        day += dt.timedelta(days=1)
    raise ValueError(f"no {activity.cadence} slot within a year of {after.isoformat()}")
