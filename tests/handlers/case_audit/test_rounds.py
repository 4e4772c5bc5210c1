"""Running rounds against the database: one case a month, coverage by audits done."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import update

from handlers.case_audit.allocation.rounds import make_plan, run_allocation
from handlers.core.calendar import Calendar
from handlers.core.deps import Deps
from handlers.programme.schema import AuditorRule, CaseAudit, Programme, load_programme
from message_templates.wording import Wording
from scheduler.clock import VirtualClock
from storage import Sessions
from storage.case_audit import audits
from storage.models import Allocation
from storage.people import CaseRecord, PersonRecord, Roster, apply_roster

NOW = dt.datetime(2027, 1, 4, 10, 0, tzinfo=dt.UTC)
BASE = load_programme("default")
AUDIT: CaseAudit = BASE.of_kind(CaseAudit)[0]
# two team managers from two lines, four workers with two cases each
PEOPLE = [
    ("S01", "team_manager", "Team A", None),
    ("S02", "team_manager", "Team B", None),
    ("S03", "practitioner", "Team A", "S01"),
    ("S04", "practitioner", "Team A", "S01"),
    ("S05", "practitioner", "Team B", "S02"),
    ("S06", "practitioner", "Team B", "S02"),
]
CASES = [(f"C-{n}{worker}", worker) for n in (1, 2) for worker in ("S03", "S04", "S05", "S06")]


def activity(**fields: Any) -> CaseAudit:
    auditors = [AuditorRule(role="team_manager", cases=2)]
    return AUDIT.model_copy(update={"auditors": auditors, **fields})


def programme(*activities: CaseAudit) -> Programme:
    others = [a for a in BASE.activities if not isinstance(a, CaseAudit)]
    return BASE.model_copy(update={"activities": [*activities, *others]})


@pytest.fixture
async def sessions(sqlite_sessions: Sessions) -> Sessions:
    people = tuple(
        PersonRecord(sid, f"Person {sid}", f"{sid.lower()}@council.example", role, team,
                     "Children", boss)
        for sid, role, team, boss in PEOPLE
    )  # fmt: skip
    cases = tuple(CaseRecord(ref, worker, "CIN", dt.date(2026, 9, 1)) for ref, worker in CASES)
    async with sqlite_sessions.begin() as session:
        await apply_roster(session, Roster(people, cases), now=NOW, actor="test")
    return sqlite_sessions


def deps_for(sessions: Sessions, program: Programme, now: dt.datetime = NOW) -> Deps:
    return Deps(
        sessions=sessions,
        wording=Wording(),
        clock=VirtualClock(now),
        programme=program,
        calendar=Calendar.from_programme(program),
    )


async def test_a_case_is_never_in_two_rounds_of_the_same_month(sessions: Sessions) -> None:
    first, second = activity(id="monthly"), activity(id="themed_look", title="Themed look")
    deps = deps_for(sessions, programme(first, second))
    async with sessions.begin() as session:
        one = await run_allocation(deps, session, first, 2027, 1)
        two = await run_allocation(deps, session, second, 2027, 1)
    assert one.plan is not None and two.plan is not None
    taken = {p.case_ref for p in one.plan.pairs}
    assert taken and not taken & {p.case_ref for p in two.plan.pairs}
    # the next month, the cases are free again for either round
    async with sessions() as session:
        plan = await make_plan(deps, session, second, 2027, 2)
    assert taken & {p.case_ref for p in plan.pairs}


async def test_coverage_counts_audits_recorded_not_audits_allocated(sessions: Sessions) -> None:
    audit = activity(coverage_months=1)
    deps = deps_for(sessions, programme(audit))
    async with sessions.begin() as session:
        january = await run_allocation(deps, session, audit, 2027, 1)
    assert january.plan is not None and len(january.plan.pairs) == 4
    recorded = {"S03", "S05"}
    async with sessions.begin() as session:
        views = await audits.allocations(session, round_id=january.round_id)
        done = [v.id for v in views if v.practitioner.staff_id in recorded]
        await session.execute(
            update(Allocation).where(Allocation.id.in_(done)).values(status="recorded")
        )
    later = deps_for(sessions, programme(audit), dt.datetime(2027, 2, 1, 10, tzinfo=dt.UTC))
    async with sessions() as session:
        plan = await make_plan(later, session, audit, 2027, 2)
    assert len(plan.pairs) == 4
    due = {p.practitioner_id for p in plan.pairs if "(due: every 1 month)" in p.reason}
    assert due == {"S04", "S06"}, [p.reason for p in plan.pairs]
