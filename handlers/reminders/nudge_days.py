"""Which working days nudge: the reminder rules as pure functions, and the due dates they pick.

The reminder sweep asks these which items can be nudged today before it reads any, so a day's
sweep reads the few items due a nudge rather than every open one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

from handlers.core.calendar import Calendar
from handlers.programme.schema import ReminderRule

_DAY = dt.timedelta(days=1)
_WEEK = dt.timedelta(days=7)


def is_reminder_day(
    calendar: Calendar,
    rule: ReminderRule,
    due: dt.date,
    today: dt.date,
    snoozed_until: dt.date | None = None,
    *,
    after_due: bool = True,
) -> bool:
    """Whether today is a nudge day: N working days before due, every few once overdue.

    A snooze holds nudges to its last day, and the first working day after it is a nudge day.
    Past the rule's last overdue nudge there are none, snoozed or not.
    """
    left = calendar.working_days_between(today, due)
    if snoozed_until is not None and not is_past_last_nudge(rule, -left):
        if snoozed_until >= today:
            return False
        if calendar.next_working_day(snoozed_until + _DAY) == today:
            return True
    return nudges_at(rule, left, after_due=after_due)


def nudges_at(rule: ReminderRule, left: int, *, after_due: bool = True) -> bool:
    """Whether an item `left` working days from due (negative once overdue) is nudged, no
    snooze holding it."""
    if left >= 0:
        return left in rule.before_working_days
    if is_past_last_nudge(rule, -left):
        return False
    return after_due and -left % rule.overdue_every_working_days == 0


def is_past_last_nudge(rule: ReminderRule, working_days_over: int) -> bool:
    """Whether an item this many working days overdue has had every nudge the rule allows."""
    if rule.overdue_nudges is None:
        return False
    return working_days_over > rule.overdue_nudges * rule.overdue_every_working_days


Rules = Sequence[tuple[ReminderRule, bool]]


def nudge_dates(
    calendar: Calendar, rules: Rules, today: dt.date, earliest: dt.date | None
) -> list[dt.date]:
    """Every due date, from `earliest` on, on which an item no snooze holds is nudged today by
    one of the rules ((rule, whether it nudges once overdue) pairs). Nothing open: none."""
    if earliest is None or not rules:
        return []
    ahead = max(max(rule.before_working_days, default=0) for rule, _ in rules)
    # a week either side of the working-day reach covers due dates on weekends and holidays
    last = calendar.add_working_days(today, ahead) + _WEEK
    first = max(earliest, _reach_back(calendar, rules, today))
    found: list[dt.date] = []
    # walked a day at a time, counting working days as it goes: working_days_between(today, d)
    # goes up by one past each working day before today, and at each working day after it
    day, left = first, calendar.working_days_between(today, first)
    while day <= last:
        if any(nudges_at(r, left, after_due=a) for r, a in rules):
            found.append(day)
        if calendar.is_working_day(day if day < today else day + _DAY):
            left += 1
        day += _DAY
    return found


def _reach_back(calendar: Calendar, rules: Rules, today: dt.date) -> dt.date:
    """The earliest due date any rule still nudges today; the distant past when one never stops."""
    reach = 0
    for rule, after_due in rules:
        if not after_due:
            continue
        if rule.overdue_nudges is None:
            return dt.date.min
        reach = max(reach, rule.overdue_nudges * rule.overdue_every_working_days)
    return calendar.add_working_days(today, -reach) - _WEEK


def snoozes_ending(
    calendar: Calendar, snoozes: Mapping[tuple[int, str], dt.date], today: dt.date
) -> set[str]:
    """The items (`audit:12`, …) whose snooze, for someone, ended so that today nudges them."""
    return {
        item
        for (_, item), until in snoozes.items()
        if until < today and calendar.next_working_day(until + _DAY) == today
    }


def item_ids(items: Iterable[str], *kinds: str) -> set[int]:
    """The ids of the items of these kinds: `audit:12` is 12 when `audit` is one of them."""
    found: set[int] = set()
    for item in items:
        kind, _, number = item.partition(":")
        if kind in kinds and number.isdigit():
            found.add(int(number))
    return found


def asked_since(
    calendar: Calendar, today: dt.date, windows: Sequence[tuple[int, ReminderRule]]
) -> dt.datetime | None:
    """The earliest request still inside its nudges, from (working days to due, rule) pairs:
    anything asked before it is past its last nudge. None when a rule nudges until done."""
    reach = 0
    for days, rule in windows:
        if rule.overdue_nudges is None:
            return None
        reach = max(reach, days + rule.overdue_nudges * rule.overdue_every_working_days)
    earliest = calendar.add_working_days(today, -reach)
    return dt.datetime.combine(earliest, dt.time(0), tzinfo=calendar.zone)
