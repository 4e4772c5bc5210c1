"""The observation cadence as pure functions: who a group applies to, when each is due, which
working days nudge, and from when an overdue observation may be escalated.

Experienced staff are due every N months from their last observation; an ASYE worker (in the
first year from `asye_start`) is due at set months of that year and is in the ASYE group only.
A due date on a weekend or bank holiday is the working day before it; a worker away over the
due date moves it to the first working day they are back.
"""

from __future__ import annotations

import calendar as months_calendar
import datetime as dt
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Literal, Protocol, TypeVar

from handlers.core.calendar import Calendar
from handlers.programme.schema import ObservationActivity, ObservationGroup
from handlers.reminders.nudge_days import is_reminder_day

_DAY = dt.timedelta(days=1)
Stage = Literal["due", "overdue"]


class Member(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def role(self) -> str: ...
    @property
    def manager_id(self) -> int | None: ...
    @property
    def active(self) -> bool: ...
    @property
    def away_until(self) -> dt.date | None: ...


@lru_cache(maxsize=4096)  # a sweep asks it of thousands of people sharing a few dates
def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or the month's last day when it has no such day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = months_calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def in_asye_year(asye_start: dt.date | None, today: dt.date) -> bool:
    """Whether someone is in their assessed and supported year in employment today."""
    return asye_start is not None and asye_start <= today < add_months(asye_start, 12)


def applies(group: ObservationGroup, role: str, asye_start: dt.date | None, today: dt.date) -> bool:
    """Whether the group's cadence covers this person today: an ASYE worker is in ASYE groups
    only, everyone else in the others."""
    if role not in group.applies_to:
        return False
    return in_asye_year(asye_start, today) == group.asye


def due_every(every_months: int, last: dt.date | None, first_due: dt.date) -> dt.date:
    """Every N months from the last observation; `first_due` for someone never observed."""
    return first_due if last is None else add_months(last, every_months)


def due_asye(
    at_months: Sequence[int], asye_start: dt.date, observed: Sequence[dt.date]
) -> dt.date | None:
    """The next of the ASYE year's observations not yet recorded; None once all are."""
    done = sum(1 for day in observed if day >= asye_start)
    milestones = sorted(at_months)
    return add_months(asye_start, milestones[done]) if done < len(milestones) else None


def which_asye(at_months: Sequence[int], asye_start: dt.date, due: dt.date) -> int:
    """Which of the ASYE observations (1, 2, 3…) falls due on `due`."""
    milestones = sorted(at_months)
    for n, months in enumerate(milestones, start=1):
        if add_months(asye_start, months) == due:
            return n
    return len(milestones)


def paused_due(calendar: Calendar, due: dt.date, away_until: dt.date | None) -> dt.date:
    """The due date people see and are nudged towards: always a working day, the one before a
    weekend or bank holiday (as an audit round's last day is). A worker away over it pauses the
    clock: due the first working day back."""
    due = calendar.add_working_days(due + _DAY, -1)  # the day itself when it is a working day
    if away_until is None or away_until < due:
        return due
    return calendar.next_working_day(away_until + _DAY)


def heads_up_day(calendar: Calendar, activity: ObservationActivity, due: dt.date) -> dt.date:
    """The working day the observer first hears of an observation: `nudge_before_days` ahead."""
    return calendar.next_working_day(due - dt.timedelta(days=activity.nudge_before_days))


def nudge_stage(
    calendar: Calendar,
    activity: ObservationActivity,
    due: dt.date,
    today: dt.date,
    snoozed_until: dt.date | None = None,
) -> Stage | None:
    """Whether the observer is nudged today, and how: "due" ahead of the date, "overdue" after.

    The heads-up `nudge_before_days` ahead, then the reminder rule's working days before and
    every few once overdue; a snooze holds them all to its last day.
    """
    rule = activity.reminders
    held = snoozed_until is not None and snoozed_until >= today
    heads_up = not held and today == heads_up_day(calendar, activity, due) and today < due
    if not heads_up and not is_reminder_day(calendar, rule, due, today, snoozed_until):
        return None
    return "due" if today <= due else "overdue"


def working_days_over(calendar: Calendar, due: dt.date, today: dt.date) -> int:
    return max(0, -calendar.working_days_between(today, due))


def escalation_due(
    calendar: Calendar, activity: ObservationActivity, due: dt.date, today: dt.date
) -> bool:
    """Whether the observer's manager may be told today: a working day at least the rule's
    number of working days overdue. Whether they are told is for the sweep: once, and only
    after the observer's own reminder was delivered and they had a working day to act."""
    limit = activity.reminders.escalate_after_working_days
    if limit is None or not calendar.is_working_day(today):
        return False
    return working_days_over(calendar, due, today) >= limit


M = TypeVar("M", bound=Member)


def available(person: Member, today: dt.date) -> bool:
    return person.active and (person.away_until is None or person.away_until < today)


def up_from(people: Mapping[int, M], start: int | None, today: dt.date) -> M | None:
    """The first person in the line of management from `start` up who is here today (active and
    not away); None when the chain runs out (or loops)."""
    seen: set[int] = set()
    while start is not None and start not in seen:
        seen.add(start)
        person = people.get(start)
        if person is None:
            return None
        if available(person, today):
            return person
        start = person.manager_id
    return None


def nominal_observer(people: Mapping[int, M], worker: Member, group: ObservationGroup) -> M | None:
    """Whom the programme names: the line manager, or the nearest manager above holding the
    observer role. None when there is no such person."""
    if group.observer == "line_manager":
        return people.get(worker.manager_id) if worker.manager_id is not None else None
    seen: set[int] = {worker.id}
    at = worker.manager_id
    while at is not None and at not in seen:
        seen.add(at)
        person = people.get(at)
        if person is None:
            return None
        if person.role == group.observer_role:
            return person
        at = person.manager_id
    return None
