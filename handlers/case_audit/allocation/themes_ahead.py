"""Telling the QA team ahead that a themed round cannot run as it stands.

A themed round whose theme is not named yet (themed_months), or whose group has no open case,
would otherwise allocate ordinary cases or nothing at all. From a few working days before the
round is allocated until its window ends, while the round is not made, the people who may
allocate hear about it in their one message of the day: on the first of those days, on the
allocation day, and every few working days after, so it is never a daily nag.
"""

from __future__ import annotations

import calendar as month_names
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial

from handlers.case_audit.allocation.periods import is_allocation_period, is_themed_month, window_for
from handlers.case_audit.allocation.plan import CaseInfo, round_theme
from handlers.case_audit.allocation.rounds import LEAD_WORKING_DAYS
from handlers.case_audit.allocation.rules import theme_group
from handlers.case_audit.allocation.types import Staff
from handlers.core.calendar import Calendar
from handlers.core.deps import Deps
from handlers.programme.schema import CaseAudit, Theme
from handlers.reminders.sources import ReminderDay
from message_templates.model import Message
from storage.case_audit import allocation_inputs, audits
from storage.case_audit import people as audit_people
from storage.case_audit import themes as named_themes

WARN_WORKING_DAYS = 3  # the first warning, this many working days before the allocation day
AGAIN_EVERY_WORKING_DAYS = 3  # after the allocation day, while the round is held


@dataclass(frozen=True)
class ThemedRoundAhead:
    """A themed round coming up (or held), with the day the scheduler allocates it."""

    activity: CaseAudit
    year: int
    month: int
    allocate_on: dt.date
    window_end: dt.date

    @property
    def period(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def themed_rounds_to_check(
    activities: Iterable[CaseAudit], calendar: Calendar, today: dt.date
) -> list[ThemedRoundAhead]:
    """Themed rounds for which today is a warning day: the first warning day, the allocation
    day, or every few working days after it until the window ends."""
    found = []
    for activity in activities:
        for year, month in _months_from(today, 3):
            if not is_allocation_period(activity, year, month):
                continue
            if not is_themed_month(activity, month):
                continue
            start, end = window_for(activity, year, month, calendar)
            allocate_on = calendar.add_working_days(start, -LEAD_WORKING_DAYS)
            left = calendar.working_days_between(today, allocate_on)
            first_warning = left == WARN_WORKING_DAYS
            again = left <= 0 and -left % AGAIN_EVERY_WORKING_DAYS == 0
            if today <= end and calendar.is_working_day(today) and (first_warning or again):
                found.append(ThemedRoundAhead(activity, year, month, allocate_on, end))
    return found


def _months_from(today: dt.date, count: int) -> list[tuple[int, int]]:
    index = today.year * 12 + today.month - 1
    return [((index + i) // 12, (index + i) % 12 + 1) for i in range(count)]


def problem_with(
    ahead: ThemedRoundAhead, cases: list[CaseInfo], staff: list[Staff], named: str | None = None
) -> tuple[str, Theme | None] | None:
    """ "unnamed" or "empty" (with the theme), or None when the round can run as it stands.
    `named` is the theme the QA team named ahead, which the round will audit."""
    theme = round_theme(ahead.activity, ahead.year, ahead.month, named)
    if theme is None:
        return "unnamed", None
    group = theme_group(cases, theme, staff)
    if group is not None and not any(c.open and group.holds(c) for c in cases):
        return "empty", theme
    return None


async def theme_warnings(day: ReminderDay, activities: dict[str, CaseAudit]) -> None:
    """Each themed round that cannot run as it stands, in the digest of whoever may allocate."""
    deps, session = day.deps, day.session
    ahead = themed_rounds_to_check(activities.values(), day.calendar, day.today)
    if not ahead:
        return
    made = await audits.rounds_made(session, {a.period for a in ahead})
    ahead = [a for a in ahead if (a.activity.id, a.period) not in made]
    if not ahead:
        return
    staff = [
        Staff(r.staff_id, r.role, r.team, r.service, r.manager_staff_id, r.fte, r.active)
        for r in await allocation_inputs.load_staff(session)
    ]
    cases = [
        CaseInfo(r.case_ref, r.practitioner_staff_id, r.case_type, r.opened_on,
                 frozenset(r.themes))
        for r in await allocation_inputs.load_open_cases(session)
    ]  # fmt: skip
    allocators = await audit_people.people_with_roles(session, deps.programme.permissions.allocate)
    named = await named_themes.named_themes(session, {a.period for a in ahead})
    for round_ahead in ahead:
        kept = named.get((round_ahead.activity.id, round_ahead.period))
        found = problem_with(round_ahead, cases, staff, kept.theme if kept else None)
        if found is None:
            continue
        problem, theme = found
        for person in allocators:
            day.add(person, partial(themed_round_warning, deps, round_ahead, problem, theme,
                                    person.name, day.today))  # fmt: skip


def themed_round_warning(
    deps: Deps,
    ahead: ThemedRoundAhead,
    problem: str,
    theme: Theme | None,
    name: str,
    today: dt.date,
) -> Message:
    activity = ahead.activity
    context = {
        "name": name.split()[0] if name.strip() else name,
        "activity_name": activity.title,
        "month": f"{month_names.month_name[ahead.month]} {ahead.year}",
        "problem": problem,
        "theme": theme.name if theme else "",
        "group": theme.describe() if theme else "",
        "allocate_on": ahead.allocate_on,
        "held": today >= ahead.allocate_on,
        "command": f"qabot allocate --period {ahead.period} --activity {activity.id} --theme",
        "chat": f"theme {ahead.period}",
    }
    meta = {"type": "allocation.theme_needed", "activity": activity.id, "period": ahead.period}
    return deps.wording.compose("themed_round_warning", context, meta=meta)
