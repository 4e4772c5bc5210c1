"""Running a round: load the roster in bulk, allocate, store the round once, and tell everyone.

A round is unique per activity and period, so running it again (a retry, a second process, the
scheduler after downtime) returns the round already made and sends nothing twice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import logging
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.case_audit.allocation.announce import announce
from handlers.case_audit.allocation.plan import (
    AllocationPlan,
    CaseInfo,
    History,
    Staff,
    allocate,
    is_allocation_period,
    window_for,
)
from handlers.case_audit.allocation.summary import send_summary
from handlers.core.calendar import Calendar
from handlers.core.deps import Deps
from handlers.programme.schema import CaseAudit, Theme
from storage.case_audit import allocation_inputs, audits
from storage.models import AuditRound

log = logging.getLogger(__name__)
# The scheduler allocates a period this many working days before its window opens.
LEAD_WORKING_DAYS = 5


@dataclass(frozen=True)
class RoundResult:
    """What a run did: `plan` is None if the round already existed, `round_id` None if a dry run."""

    activity: str
    period: str
    plan: AllocationPlan | None
    round_id: int | None
    created: bool
    allocations: int
    messages: int = 0


def period_of(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def seed_of(activity_id: str, period: str) -> int:
    """The same seed for the same round, small enough for any database's integer."""
    return zlib.crc32(f"{activity_id}:{period}".encode()) & 0x7FFFFFFF


async def run_allocation(
    deps: Deps,
    session: AsyncSession,
    activity: CaseAudit,
    year: int,
    month: int,
    *,
    dry_run: bool = False,
    theme: str | Theme | None = None,
    due: dt.date | None = None,
) -> RoundResult:
    """Allocate one period; unless a dry run, store it and queue every DM and the QA summary.

    `theme` is the theme the QA team named for a themed round (else the programme's); `due`
    a new due date for a round allocated late (else the window's last day)."""
    period = period_of(year, month)
    existing = await audits.find_round(session, activity.id, period)
    if existing is not None:
        return await _existing(session, activity, existing)
    plan = await make_plan(deps, session, activity, year, month, theme)
    if due is not None:
        plan = dataclasses.replace(plan, window=(plan.window[0], due))
    if dry_run or plan.skipped is not None:
        return RoundResult(activity.id, period, plan, None, False, len(plan.pairs))
    now = deps.clock.now()
    new = _round(activity, plan, period, now)
    if not await audits.create_round(session, new):
        found = await audits.find_round(session, activity.id, period)
        assert found is not None
        return await _existing(session, activity, found)
    rows = [
        audits.NewAllocation(p.auditor_id, p.practitioner_id, p.case_ref, p.reason)
        for p in plan.pairs
    ]
    count = await audits.add_allocations(session, new.id, rows, due_on=plan.window[1], now=now)
    sent = await announce(deps, session, activity, new.id, plan, now)
    sent += await send_summary(deps, session, activity, plan, now)
    log.info("allocated %s %s: %d audits", activity.id, period, count)
    return RoundResult(activity.id, period, plan, new.id, True, count, sent)


async def _existing(session: AsyncSession, activity: CaseAudit, found: AuditRound) -> RoundResult:
    count = await audits.count_allocations(session, found.id)
    return RoundResult(activity.id, found.period, None, found.id, False, count)


async def make_plan(
    deps: Deps,
    session: AsyncSession,
    activity: CaseAudit,
    year: int,
    month: int,
    theme: str | Theme | None = None,
) -> AllocationPlan:
    """Load staff, open cases and history in a few bulk queries and run the allocation rules."""
    calendar = deps.calendar
    today = calendar.local_date(deps.clock.now())
    with _collector_paused():
        staff = [_staff(row) for row in await allocation_inputs.load_staff(session)]
        period = period_of(year, month)
        elsewhere = await allocation_inputs.cases_in_period(session, period, activity.id)
        cases = [
            _case(row)
            for row in await allocation_inputs.load_open_cases(session)
            if row.case_ref not in elsewhere  # never in two rounds of the same month
        ]
        workers, case_last = await allocation_inputs.load_history(session, activity.id)
        recorded = await allocation_inputs.load_completed(session, activity.id)
        seed = seed_of(activity.id, period)
        history = History(workers, case_last, recorded)
        return allocate(activity, staff, cases, history, year, month, seed, today, calendar, theme)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Hold off the cycle collector while a council's rows load: it would rescan them repeatedly.

    Loading builds some 300,000 acyclic objects, enough to trigger several full collections.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _staff(row: allocation_inputs.StaffRow) -> Staff:
    return Staff(
        row.staff_id, row.role, row.team, row.service, row.manager_staff_id,
        row.fte, row.active, row.away_until,
    )  # fmt: skip


def _case(row: allocation_inputs.CaseRow) -> CaseInfo:
    return CaseInfo(
        row.case_ref, row.practitioner_staff_id, row.case_type, row.opened_on,
        frozenset(row.themes),
    )  # fmt: skip


def _round(activity: CaseAudit, plan: AllocationPlan, period: str, now: dt.datetime) -> AuditRound:
    uncovered = [
        {"practitioner": u.practitioner_id, "reason": u.reason, "overdue": u.overdue}
        for u in plan.uncovered
    ]
    return AuditRound(
        activity=activity.id,
        period=period,
        theme=plan.theme,
        window_start=plan.window[0],
        window_end=plan.window[1],
        seed=seed_of(activity.id, period),
        created_at=now,
        uncovered=uncovered,
    )


def rounds_due(
    activities: Iterable[CaseAudit], calendar: Calendar, today: dt.date
) -> list[tuple[CaseAudit, int, int]]:
    """The rounds (activity, year, month) whose window is open or opens within the notice."""
    return [
        (activity, year, month)
        for activity in activities
        for year, month in _this_and_next(today)
        if is_allocation_period(activity, year, month)
        and _window_open(activity, year, month, calendar, today)
    ]


def _window_open(
    activity: CaseAudit, year: int, month: int, calendar: Calendar, today: dt.date
) -> bool:
    """Whether `today` is inside the round's window or the working days of notice before it."""
    start, end = window_for(activity, year, month, calendar)
    return calendar.add_working_days(start, -LEAD_WORKING_DAYS) <= today <= end


def _this_and_next(today: dt.date) -> tuple[tuple[int, int], tuple[int, int]]:
    following = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return (today.year, today.month), following
