"""A year of one preset's case audit rounds from the pure rules, as the daily sweep makes them.

No database: every day the rounds whose notice has begun are allocated (once each) over the
demo council in memory, and each round's audits become the history the next round reads, as
the stored allocations' due dates do in production (tests only).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from handlers.case_audit.allocation.plan import AllocationPlan, CaseInfo, History, Staff, allocate
from handlers.case_audit.allocation.rounds import period_of, rounds_due, seed_of
from handlers.core.calendar import Calendar
from handlers.programme.schema import CaseAudit, load_programme
from handlers.roster.demo import build_demo_council
from storage.people import Roster

YEAR = 2027
SEED = 1  # the simulation's default seed, which also draws its demo council


@dataclass(frozen=True)
class Round:
    """One allocated round: the day the sweep made it and the plan it stored."""

    made_on: dt.date
    plan: AllocationPlan

    @property
    def due(self) -> dt.date:
        return self.plan.window[1]


def council(people: int) -> Roster:
    """The demo council a simulation from 1 January YEAR imports."""
    return build_demo_council(people, SEED, dt.date(YEAR, 1, 1))


def staff_of(roster: Roster) -> list[Staff]:
    return [
        Staff(p.staff_id, p.role, p.team, p.service, p.manager_staff_id, p.fte, p.active)
        for p in roster.people
    ]


def open_cases(roster: Roster) -> list[CaseInfo]:
    return [
        CaseInfo(c.case_ref, c.practitioner_staff_id, c.case_type, c.opened_on, frozenset(c.themes))
        for c in roster.cases
        if c.status == "open"
    ]


def year_of_rounds(preset: str, activity_id: str, people: int) -> dict[int, Round]:
    """The rounds due in YEAR, by month, made by a daily sweep from 1 January."""
    programme = load_programme(preset)
    (activity,) = [a for a in programme.of_kind(CaseAudit) if a.id == activity_id]
    calendar = Calendar.from_programme(programme)
    roster = council(people)
    staff, cases = staff_of(roster), open_cases(roster)
    worker_last: dict[str, dt.date] = {}
    case_last: dict[str, dt.date] = {}
    made: dict[tuple[int, int], Round] = {}
    day = dt.date(YEAR, 1, 1)
    while day.year == YEAR:
        for _, year, month in rounds_due([activity], calendar, day):
            if (year, month) in made:
                continue
            history = History(dict(worker_last), dict(case_last))
            seed = seed_of(activity.id, period_of(year, month))
            plan = allocate(activity, staff, cases, history, year, month, seed, day, calendar)
            made[year, month] = Round(day, plan)
            for pair in plan.pairs:
                worker_last[pair.practitioner_id] = plan.window[1]
                case_last[pair.case_ref] = plan.window[1]
        day += dt.timedelta(days=1)
    return {month: r for (_, month), r in made.items() if r.due.year == YEAR}
