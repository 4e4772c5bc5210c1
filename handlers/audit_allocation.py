"""Running a round: load the roster in bulk, allocate, store the round once, and tell everyone.

A round is unique per activity and period, so running it again (a retry, a second process, the
scheduler after downtime) returns the round already made and sends nothing twice.
"""

from __future__ import annotations

import calendar as month_names
import datetime as dt
import gc
import logging
import zlib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.allocation import (
    AllocationPlan,
    CaseInfo,
    History,
    Staff,
    allocate,
    is_allocation_period,
    window_for,
)
from handlers.audit_messages import allocated, dm, joined, led, notified
from handlers.deps import Deps
from handlers.programme import CaseAudit
from message_templates.model import Message
from storage import allocation_inputs, audit_people, audits
from storage.audit_people import PersonRef
from storage.audits import AllocationView
from storage.models import AuditRound
from storage.outbox import Outgoing, enqueue, enqueue_many

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
) -> RoundResult:
    """Allocate one period; unless a dry run, store it and queue every DM and the QA summary."""
    period = period_of(year, month)
    existing = await audits.find_round(session, activity.id, period)
    if existing is not None:
        return await _existing(session, activity, existing)
    plan = await make_plan(deps, session, activity, year, month)
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
    sent = await _announce(deps, session, activity, new.id, plan, now)
    sent += await enqueue(
        session,
        key=f"allocation.summary:{activity.id}:{period}",
        recipient=f"channel:{deps.qa_channel}",
        platform=deps.platform,
        message=summary(deps, activity, plan, dry_run=False),
        not_before=deps.calendar.next_dm_time(now),
        now=now,
    )
    log.info("allocated %s %s: %d audits", activity.id, period, count)
    return RoundResult(activity.id, period, plan, new.id, True, count, sent)


async def _existing(session: AsyncSession, activity: CaseAudit, found: AuditRound) -> RoundResult:
    count = await audits.count_allocations(session, found.id)
    return RoundResult(activity.id, found.period, None, found.id, False, count)


async def make_plan(
    deps: Deps, session: AsyncSession, activity: CaseAudit, year: int, month: int
) -> AllocationPlan:
    """Load staff, open cases and history in a few bulk queries and run the allocation rules."""
    calendar = deps.calendar
    today = calendar.local_date(deps.clock.now())
    with _collector_paused():
        staff = [_staff(row) for row in await allocation_inputs.load_staff(session)]
        cases = [_case(row) for row in await allocation_inputs.load_open_cases(session)]
        workers, case_last = await allocation_inputs.load_history(session, activity.id)
        seed = seed_of(activity.id, period_of(year, month))
        history = History(workers, case_last)
        return allocate(activity, staff, cases, history, year, month, seed, today, calendar)


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


async def _announce(
    deps: Deps,
    session: AsyncSession,
    activity: CaseAudit,
    round_id: int,
    plan: AllocationPlan,
    now: dt.datetime,
) -> int:
    """Per allocation: the case to the auditor, the checklist to the practitioner, and a note
    to anyone joining it (DMs only)."""
    views = await audits.allocations(session, round_id=round_id)
    outgoing = [
        _direct(deps, key, person, message, now)
        for view in views
        for key, person, message in (
            (f"audit.allocated:{view.id}", view.auditor, allocated(deps, view, activity)),
            (f"audit.notified:{view.id}", view.practitioner, notified(deps, view, activity)),
        )
    ]
    outgoing += await _joins(deps, session, activity, views, plan, now)
    outgoing += await _leads(deps, session, activity, views, plan, now)
    return await enqueue_many(session, outgoing, now=now)


async def _leads(
    deps: Deps,
    session: AsyncSession,
    activity: CaseAudit,
    views: list[AllocationView],
    plan: AllocationPlan,
    now: dt.datetime,
) -> list[Outgoing]:
    """Each service's lead auditor hears who audits how many in their service this round."""
    lead_of_case = {pair.case_ref: pair.lead_id for pair in plan.pairs}
    period = f"{month_names.month_name[plan.month]} {plan.year}"
    people = await audit_people.people_by_staff_id(session, set(plan.leads.values()))
    found = []
    for service, lead_id in sorted(plan.leads.items()):
        lead = people.get(lead_id)
        theirs = [v for v in views if lead_of_case.get(v.case_ref) == lead_id]
        if lead is None or not theirs:
            continue
        key = f"audit.lead:{theirs[0].round_id}:{lead.staff_id}:{service}"
        message = led(deps, lead, service, theirs, activity, period)
        found.append(_direct(deps, key, lead, message, now))
    return found


def _direct(
    deps: Deps, key: str, person: PersonRef, message: Message, now: dt.datetime
) -> Outgoing:
    """A DM to queue, held until the person's next working hours (allocations are not reminders,
    but still never arrive at night or while someone is away)."""
    return Outgoing(
        key=key,
        recipient=dm(person.staff_id),
        platform=deps.platform,
        message=message,
        not_before=deps.calendar.next_dm_time(now, person.away_until),
    )


async def _joins(
    deps: Deps,
    session: AsyncSession,
    activity: CaseAudit,
    views: list[AllocationView],
    plan: AllocationPlan,
    now: dt.datetime,
) -> list[Outgoing]:
    """Whoever joins one audit (Shropshire's principal social worker) hears which and when."""
    by_case = {view.case_ref: view for view in views}
    people = await audit_people.people_by_staff_id(session, {join.staff_id for join in plan.joins})
    found = []
    for join in plan.joins:
        person = people.get(join.staff_id)
        view = by_case.get(join.case_ref)
        if person is None or view is None:
            continue
        key = f"audit.joined:{view.id}:{person.staff_id}"
        found.append(_direct(deps, key, person, joined(deps, view, activity, person.name), now))
    return found


def summary(deps: Deps, activity: CaseAudit, plan: AllocationPlan, *, dry_run: bool) -> Message:
    """For the QA team's channel: counts and reasons only, never a case reference or a name."""
    context = {
        "activity_name": activity.title,
        "period": f"{month_names.month_name[plan.month]} {plan.year}",
        "dry_run": dry_run,
        "allocated": len(plan.pairs),
        "auditors": len({p.auditor_id for p in plan.pairs}),
        "unallocated": len(plan.uncovered),
        "problems": problems(plan),
    }
    meta = {"type": "allocation.summary", "activity": activity.id, "period": context["period"]}
    return deps.wording.compose("allocation_summary", context, meta=meta)


def problems(plan: AllocationPlan) -> list[str]:
    """Grouped reasons, one line each, with counts of staff and no case data."""
    lines = [plan.skipped] if plan.skipped else []
    by_reason = Counter(u.reason for u in plan.uncovered)
    lines += [f"{_people(n, 'practitioner')} not covered: {r}" for r, n in by_reason.items()]
    overdue = sum(1 for u in plan.uncovered if u.overdue)
    if overdue:
        lines.append(f"{_people(overdue, 'practitioner')} not covered are overdue for an audit")
    idle = Counter(i.reason for i in plan.idle_auditors)
    lines += [f"{_people(n, 'auditor')} without a case: {r}" for r, n in idle.items()]
    return lines + list(plan.notes)


def _people(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


async def allocate_due(deps: Deps, now: dt.datetime) -> int:
    """Allocate every case audit whose window opens within LEAD_WORKING_DAYS; rounds made."""
    calendar = deps.calendar
    today = calendar.local_date(now)
    made = 0
    async with deps.sessions.begin() as session:
        for activity in deps.programme.of_kind(CaseAudit):
            for year, month in _this_and_next(today):
                if not is_allocation_period(activity, year, month):
                    continue
                start, end = window_for(activity, year, month, calendar)
                if calendar.add_working_days(start, -LEAD_WORKING_DAYS) <= today <= end:
                    result = await run_allocation(deps, session, activity, year, month)
                    made += result.created
    return made


def _this_and_next(today: dt.date) -> tuple[tuple[int, int], tuple[int, int]]:
    following = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return (today.year, today.month), following
