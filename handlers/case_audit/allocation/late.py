"""Rounds that would begin too late: asked about, not allocated blindly.

When qabot starts, or is down through a round's notice, a round can come due with less than a
working week of its window left (starting on 27 November would allocate November's audits due
that same day). Such a round is not allocated: the QA team is asked, once, in their channel,
whether to allocate it with a new due date or skip it. Whoever may allocate answers with a button.
"""

from __future__ import annotations

import calendar as month_names
import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.case_audit.allocation.periods import window_for
from handlers.case_audit.allocation.rounds import (
    period_of,
    rounds_due,
    run_allocation,
    seed_of,
)
from handlers.core.calendar import Calendar
from handlers.core.delivery import enqueue
from handlers.core.deps import Deps
from handlers.core.parsing import first_name
from handlers.core.recipients import person_of
from handlers.core.router import Handler, Inbound, Reply, Selector
from handlers.errors import UserError
from handlers.programme.schema import CaseAudit
from message_templates.model import Button
from storage.case_audit import audits
from storage.case_audit import escalations as audit_log
from storage.models import AuditRound

ROUND_ALLOCATE_LATE = "round.allocate_late"  # value "<activity>:<YYYY-MM>"
ROUND_SKIP = "round.skip"  # value "<activity>:<YYYY-MM>"
# Less than this many working days of its window left, a round is asked about, not allocated.
MIN_WORKING_DAYS = 5
# A late round allocated anyway is due this many working days after the answer.
NEW_DUE_WORKING_DAYS = 10


def working_days_left(
    activity: CaseAudit, year: int, month: int, calendar: Calendar, today: dt.date
) -> int:
    """Working days after today up to the window's last day (negative once it has passed)."""
    return calendar.working_days_between(today, window_for(activity, year, month, calendar)[1])


def is_late(activity: CaseAudit, year: int, month: int, calendar: Calendar, today: dt.date) -> bool:
    """Whether a round made today would leave less than a working week to do it."""
    return working_days_left(activity, year, month, calendar, today) < MIN_WORKING_DAYS


def late_key(activity_id: str, period: str) -> str:
    return f"round.late:{activity_id}:{period}"


async def ask_about_late_round(
    deps: Deps, session: AsyncSession, activity: CaseAudit, year: int, month: int
) -> int:
    """Ask the QA team, once, whether to allocate a late round with a new due date or skip it."""
    now = deps.clock.now()
    today = deps.calendar.local_date(now)
    period = period_of(year, month)
    context = {
        "activity_name": activity.title,
        "month": f"{month_names.month_name[month]} {year}",
        "window_end": window_for(activity, year, month, deps.calendar)[1],
        "working_days": max(working_days_left(activity, year, month, deps.calendar, today), 0),
        "new_due": deps.calendar.add_working_days(today, NEW_DUE_WORKING_DAYS),
    }

    def label(block: str) -> str:
        return deps.wording.label("late_round", block, context)

    value = f"{activity.id}:{period}"
    buttons = (
        Button(label("button_allocate"), ROUND_ALLOCATE_LATE, value, "primary"),
        Button(label("button_skip"), ROUND_SKIP, value),
    )
    meta = {"type": "round.late", "activity": activity.id, "period": period}
    message = deps.wording.compose("late_round", context, buttons=buttons, meta=meta)
    return await enqueue(deps, session, key=late_key(activity.id, period),
                         recipient=f"channel:{deps.qa_channel}", message=message,
                         not_before=deps.calendar.next_dm_time(now), now=now)  # fmt: skip


async def allocate_due(deps: Deps, now: dt.datetime) -> int:
    """Allocate every case audit whose window opens within LEAD_WORKING_DAYS; rounds made.

    A round with less than a working week of its window left is not allocated: the QA team is
    asked (once) whether to allocate it with a new due date or skip it."""
    due = rounds_due(
        deps.programme.of_kind(CaseAudit), deps.calendar, deps.calendar.local_date(now)
    )
    if not due:
        return 0
    made = 0
    async with deps.sessions.begin() as session:
        # most days every open window's round is made already: one query says so
        done = await audits.rounds_made(session, {period_of(y, m) for _, y, m in due})
        for activity, year, month in due:
            if (activity.id, period_of(year, month)) in done:
                continue
            if is_late(activity, year, month, deps.calendar, deps.calendar.local_date(now)):
                await ask_about_late_round(deps, session, activity, year, month)
                continue
            result = await run_allocation(deps, session, activity, year, month)
            made += result.created
    return made


@dataclass(frozen=True)
class _Asked:
    activity: CaseAudit
    year: int
    month: int

    @property
    def period(self) -> str:
        return period_of(self.year, self.month)


class LateRounds:
    """The QA team's answer to a late round: allocate it with a new due date, or skip it."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def routes(self) -> list[tuple[Selector, Handler]]:
        return [
            (("action", ROUND_ALLOCATE_LATE), self.allocate),
            (("action", ROUND_SKIP), self.skip),
        ]

    async def _find(self, session: AsyncSession, event: Inbound) -> tuple[_Asked, str]:
        person = await person_of(session, event.staff_id)
        if person.role not in self.deps.programme.permissions.allocate:
            raise UserError("Only the QA team can allocate or skip a round.")
        activity_id, _, period = event.value.rpartition(":")
        found = [a for a in self.deps.programme.of_kind(CaseAudit) if a.id == activity_id]
        if not found or len(period) != 7 or not period[:4].isdigit() or not period[5:].isdigit():
            raise UserError("I couldn't tell which round that was. Please use its button.")
        return _Asked(found[0], int(period[:4]), int(period[5:])), first_name(person.name)

    def _answer(self, outcome: str, asked: _Asked, name: str, **extra: object) -> Reply:
        context = {
            "name": name,
            "outcome": outcome,
            "activity_name": asked.activity.title,
            "month": f"{month_names.month_name[asked.month]} {asked.year}",
            "allocated": 0,
            "due": None,
            **extra,
        }
        meta = {"type": f"round.{outcome}", "activity": asked.activity.id, "period": asked.period}
        return Reply(message=self.deps.wording.compose("late_round_answered", context, meta=meta))

    async def allocate(self, session: AsyncSession, event: Inbound) -> Reply:
        """Allocate the round now, due NEW_DUE_WORKING_DAYS working days from today."""
        asked, name = await self._find(session, event)
        if await audits.find_round(session, asked.activity.id, asked.period) is not None:
            return self._answer("already", asked, name)
        calendar = self.deps.calendar
        due = calendar.add_working_days(calendar.local_date(self.deps.clock.now()),
                                        NEW_DUE_WORKING_DAYS)  # fmt: skip
        result = await run_allocation(self.deps, session, asked.activity, asked.year,
                                      asked.month, due=due)  # fmt: skip
        self._log(session, "round.allocated_late", asked, event.staff_id, due=due.isoformat())
        return self._answer("allocated", asked, name, allocated=result.allocations, due=due)

    async def skip(self, session: AsyncSession, event: Inbound) -> Reply:
        """Skip the round: it is stored with no audits, so it is never asked about again."""
        asked, name = await self._find(session, event)
        if await audits.find_round(session, asked.activity.id, asked.period) is not None:
            return self._answer("already", asked, name)
        start, end = window_for(asked.activity, asked.year, asked.month, self.deps.calendar)
        await audits.create_round(session, AuditRound(
            activity=asked.activity.id, period=asked.period, theme=None, window_start=start,
            window_end=end, seed=seed_of(asked.activity.id, asked.period),
            created_at=self.deps.clock.now(), uncovered=[],
        ))  # fmt: skip
        self._log(session, "round.skipped", asked, event.staff_id)
        return self._answer("skipped", asked, name)

    def _log(self, session: AsyncSession, action: str, asked: _Asked, actor: str,
             **detail: str) -> None:  # fmt: skip
        audit_log.record(session, at=self.deps.clock.now(), actor=actor, action=action,
                         subject=f"{asked.activity.id}:{asked.period}", **detail)  # fmt: skip
