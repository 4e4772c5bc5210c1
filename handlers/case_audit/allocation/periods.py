"""When a case audit runs: its periods, skipped months, window and themed rounds."""

from __future__ import annotations

import calendar as _calendar
import datetime as dt

from handlers.case_audit.allocation.types import WorkingCalendar
from handlers.programme.schema import CaseAudit

EPOCH_YEAR = 2000
_CADENCE_MONTHS = {
    "monthly": frozenset(range(1, 13)),
    "bimonthly": frozenset({1, 3, 5, 7, 9, 11}),
    "quarterly": frozenset({1, 4, 7, 10}),
}


def allocation_months(activity: CaseAudit) -> frozenset[int]:
    """The calendar months in which this activity allocates (cadence less skipped months)."""
    return _CADENCE_MONTHS[activity.period] - frozenset(activity.skip_months)


def is_allocation_period(activity: CaseAudit, year: int, month: int) -> bool:
    """Whether the activity allocates this month (bimonthly: odd months; quarterly: Jan, Apr…)."""
    return month in allocation_months(activity)


def skip_reason(activity: CaseAudit, month: int) -> str:
    """Why a month has no allocation, in plain words."""
    name = _calendar.month_name[month]
    if month in activity.skip_months:
        return f"{name} is skipped in this programme (skip_months)"
    months = ", ".join(_calendar.month_abbr[m] for m in sorted(allocation_months(activity)))
    return f"{name} is not an allocation month for a {activity.period} audit ({months})"


def period_index(activity: CaseAudit, year: int, month: int) -> int:
    """How many allocation periods came before this month since January 2000.

    Counting periods, not months, keeps an every-other-period rota fair around skipped months.
    """
    months = allocation_months(activity)
    earlier = sum(1 for m in months if m < month)
    return (year - EPOCH_YEAR) * len(months) + earlier


def window_for(
    activity: CaseAudit, year: int, month: int, calendar: WorkingCalendar | None = None
) -> tuple[dt.date, dt.date]:
    """The first and last day of the audit window, trimmed to working days when a calendar is given.

    week_of_month N is the Nth week starting on a Monday inside the month, Monday to Friday.
    """
    last_of_month = dt.date(year, month, _calendar.monthrange(year, month)[1])
    window = activity.window
    if window.week_of_month is not None:
        first = dt.date(year, month, 1)
        monday = first + dt.timedelta(
            days=(7 - first.weekday()) % 7 + 7 * (window.week_of_month - 1)
        )
        start, end = monday, min(monday + dt.timedelta(days=4), last_of_month)
    else:
        first_day = window.first_day or 1
        last_day = min(window.last_day or last_of_month.day, last_of_month.day)
        start, end = dt.date(year, month, first_day), dt.date(year, month, last_day)
    return _trim(start, end, calendar) if calendar is not None else (start, end)


def _trim(start: dt.date, end: dt.date, calendar: WorkingCalendar) -> tuple[dt.date, dt.date]:
    """Move both ends onto working days; a window with none keeps its calendar days."""
    first, last = start, end
    while first <= last and not calendar.is_working_day(first):
        first += dt.timedelta(days=1)
    while last >= first and not calendar.is_working_day(last):
        last -= dt.timedelta(days=1)
    return (first, last) if first <= last else (start, end)


def theme_for(activity: CaseAudit, year: int, month: int) -> str | None:
    """The theme of this month's round, if the programme names one."""
    return next((r.theme for r in activity.themed_rounds if r.month == month), None)


def is_themed_month(activity: CaseAudit, month: int) -> bool:
    """A themed round, named in the programme or left for the QA team to name (themed_months)."""
    return month in activity.themed_months or any(r.month == month for r in activity.themed_rounds)


def months_between(earlier: dt.date, later: dt.date) -> int:
    """Whole months from one date to another (negative if reversed)."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - 1 if later.day < earlier.day else months
