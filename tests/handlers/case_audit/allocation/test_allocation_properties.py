"""Allocation invariants over random councils, and coverage over a simulated run of months."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.case_audit.allocation.plan import (
    AllocationPlan,
    CaseInfo,
    History,
    Staff,
    allocate,
    auditor_quota,
    is_allocation_period,
    is_independent,
    is_themed_month,
    period_index,
    window_for,
)
from handlers.case_audit.allocation.rules import is_case_eligible, is_practitioner, theme_group
from handlers.programme.schema import ROLES as ROLES_ALL
from handlers.programme.schema import CaseAudit, load_programme, preset_names

ROLES = ["practitioner", "senior_practitioner", "team_manager", "iro", "principal_social_worker"]
SERVICES = ["A", "B", "C"]
THEMES = ["neglect", "domestic abuse"]
TODAY = dt.date(2026, 6, 1)
months = st.sampled_from([7, 7, 7, 6, 1, 2, 4, 8, 12])  # mostly a month that allocates
FEW = settings(max_examples=50, deadline=None)


def audit(**fields: Any) -> CaseAudit:
    base: dict[str, Any] = {
        "id": "monthly_audit",
        "kind": "case_audit",
        "title": "Monthly audit",
        "checklist": [{"id": "chronology", "text": "Chronology up to date"}],
        "reflection": {"prompts": [{"id": "learning", "text": "What did we learn?"}]},
    }
    return CaseAudit.model_validate(base | fields)


@st.composite
def activities(draw: st.DrawFn) -> CaseAudit:
    roles = draw(st.lists(st.sampled_from(ROLES[:4]), min_size=1, max_size=3, unique=True))
    rules = [
        {
            "role": r,
            "cases": draw(st.sampled_from([0, 1, 1, 2])),
            "every_periods": draw(st.integers(1, 3)),
        }
        for r in roles
    ]
    sample = draw(st.booleans())
    return audit(
        period=draw(st.sampled_from(["monthly", "bimonthly", "quarterly"])),
        skip_months=draw(st.lists(st.sampled_from([1, 2, 3, 8, 12]), max_size=3, unique=True)),
        allocation="random_sample" if sample else "per_auditor",
        sample_size=draw(st.integers(1, 15)) if sample else None,
        auditors=rules,
        lead_auditor_role=draw(st.sampled_from([None, "team_manager"])),
        joins_one_audit=draw(st.sampled_from([[], ["principal_social_worker"]])),
        independence={
            "not_line_manager": draw(st.booleans()),
            "not_line_of_management": draw(st.booleans()),
            "across_services": draw(st.booleans()),
        },
        coverage_months=draw(st.sampled_from([None, 3, 6])),
        case_lookback_months=draw(st.integers(1, 12)),
        case_types=draw(st.sampled_from([None, ["CIN", "CP"]])),
        themed_rounds=draw(st.sampled_from([[], [{"month": 6, "theme": "neglect"}]])),
        themed_months=draw(st.sampled_from([[], [7]])),
    )


def random_date(rnd: random.Random) -> dt.date:
    return dt.date(2024, 1, 1) + dt.timedelta(days=rnd.randrange(3 * 365))


@st.composite
def councils(draw: st.DrawFn) -> tuple[list[Staff], list[CaseInfo], History]:
    """A messy roster: any role, stray managers, leavers, leave, FTE 0, unknown case owners."""
    people, count, rnd = draw(st.integers(1, 40)), draw(st.integers(0, 60)), draw(st.randoms())
    ids = [f"S{n:02d}" for n in range(people)]
    bosses = ids[: max(1, people // 6)]
    staff = [
        Staff(
            staff_id,
            rnd.choice(ROLES[2:] if staff_id in bosses else ROLES),
            "T",
            rnd.choice(SERVICES),
            rnd.choice([None, *ids] if rnd.random() < 0.2 else bosses),
            rnd.choice([0.0, 0.5, 1.0, 1.0]),
            rnd.random() < 0.85,
            random_date(rnd) if rnd.random() < 0.2 else None,
        )
        for staff_id in ids
    ]
    workers = [p.id for p in staff if is_practitioner(p)]
    cases = [
        CaseInfo(
            f"C{n:03d}",
            rnd.choice(workers if workers and rnd.random() < 0.9 else [*ids, "S99"]),
            rnd.choice(["CIN", "CP", "CLA"]),
            random_date(rnd),
            frozenset(rnd.sample(THEMES, rnd.randrange(3))),
            rnd.random() < 0.85,
        )
        for n in range(count)
    ]
    history = History(
        {i: random_date(rnd) for i in ids if rnd.random() < 0.5},
        {c.ref: random_date(rnd) for c in cases if rnd.random() < 0.3},
    )
    return staff, cases, history


def check(activity: CaseAudit, council: Any, month: int, plan: AllocationPlan) -> None:
    staff, cases, history = council
    people = {p.id: p for p in staff}
    by_ref = {c.ref: c for c in cases}
    window_end = window_for(activity, 2026, month)[1]
    if not is_allocation_period(activity, 2026, month):
        assert plan.skipped and not plan.pairs and not plan.uncovered and not plan.idle_auditors
        return
    assert len({p.case_ref for p in plan.pairs}) == len(plan.pairs)
    assert len({p.practitioner_id for p in plan.pairs}) == len(plan.pairs)
    period = period_index(activity, 2026, month)
    for auditor_id, count in Counter(p.auditor_id for p in plan.pairs).items():
        auditor = people[auditor_id]
        rule = activity.rule_for(auditor.role, auditor.service)
        assert rule is not None and count <= auditor_quota(rule, auditor, period)
        assert auditor.away_until is None or auditor.away_until < window_end
    theme = activity.theme_named(plan.theme) if plan.theme else None
    group = theme_group(cases, theme, staff)
    for pair in plan.pairs:
        case, person = by_ref[pair.case_ref], people[pair.practitioner_id]
        assert case.practitioner_id == person.id and case.open
        assert is_case_eligible(case, activity, history, TODAY, group)
        assert is_practitioner(person) and person.active
        assert is_independent(people[pair.auditor_id], person, activity.independence, people)
    if activity.allocation == "random_sample":
        assert len(plan.pairs) <= (activity.sample_size or 0)


@FEW
@given(activities(), councils(), months, st.integers(0, 2**32))
def test_every_plan_keeps_the_rules(
    activity: CaseAudit, council: Any, month: int, seed: int
) -> None:
    staff, cases, history = council
    plan = allocate(activity, staff, cases, history, 2026, month, seed, TODAY)
    check(activity, council, month, plan)


@FEW
@given(activities(), councils(), months, st.integers(0, 2**32), st.randoms())
def test_same_seed_same_plan_whatever_the_input_order(
    activity: CaseAudit, council: Any, month: int, seed: int, rnd: random.Random
) -> None:
    staff, cases, history = council
    first = allocate(activity, staff, cases, history, 2026, month, seed, TODAY)
    staff, cases = list(staff), list(cases)
    rnd.shuffle(staff)
    rnd.shuffle(cases)
    assert allocate(activity, staff, cases, history, 2026, month, seed, TODAY) == first


def months_from(start: dt.date, count: int) -> list[dt.date]:
    return [
        dt.date(start.year + (start.month - 1 + n) // 12, (start.month - 1 + n) % 12 + 1, 1)
        for n in range(count)
    ]


@st.composite
def covered_councils(draw: st.DrawFn) -> tuple[CaseAudit, list[Staff], list[CaseInfo]]:
    """Workers under managers, with auditor places enough that independence cannot starve anyone."""
    coverage = draw(st.sampled_from([2, 3, 6]))
    across = draw(st.booleans())
    per_service = draw(st.integers(2, 3))
    auditors = [
        Staff(f"M{s}{n}", "team_manager", f"T{s}{n}", service)
        for s, service in enumerate(SERVICES)
        for n in range(per_service)
    ]
    workers = draw(st.integers(1, 40))
    staff = list(auditors)
    for n in range(workers):  # no one reports to a worker, so only their manager is barred
        manager = draw(st.sampled_from(auditors))
        staff.append(Staff(f"P{n:02d}", "practitioner", manager.team, manager.service, manager.id))
    free_auditors = len(auditors) - per_service - 1 if across else len(auditors) - 1
    quota = math.ceil(workers / (coverage * free_auditors))
    cases = [
        CaseInfo(f"C{n:02d}{k}", f"P{n:02d}", "CIN", dt.date(2024, 1, 1))
        for n in range(workers)
        for k in range(draw(st.integers(1, 3)))
    ]
    activity = audit(
        auditors=[{"role": "team_manager", "cases": quota}],
        independence={"across_services": across},
        coverage_months=coverage,
        case_lookback_months=draw(st.integers(1, coverage)),
    )
    return activity, staff, cases


@FEW
@given(covered_councils(), st.integers(0, 2**32))
def test_every_worker_is_audited_within_coverage_months(council: Any, seed: int) -> None:
    activity, staff, cases = council
    coverage = activity.coverage_months
    practitioner_last: dict[str, dt.date] = {}
    case_last: dict[str, dt.date] = {}
    audited: dict[str, list[int]] = {p.id: [] for p in staff if p.role == "practitioner"}
    for index, today in enumerate(months_from(dt.date(2026, 1, 1), 3 * coverage + 1)):
        history = History(dict(practitioner_last), dict(case_last))
        plan = allocate(activity, staff, cases, history, today.year, today.month, seed, today)
        for pair in plan.pairs:
            practitioner_last[pair.practitioner_id] = today
            case_last[pair.case_ref] = today
            audited[pair.practitioner_id].append(index)
    for months in audited.values():
        assert months and months[0] < coverage
        assert all(later - earlier <= coverage for earlier, later in itertools.pairwise(months))


def preset_audits() -> list[tuple[str, CaseAudit]]:
    return [
        (name, activity)
        for name in preset_names()
        for activity in load_programme(name).of_kind(CaseAudit)
    ]


@pytest.mark.parametrize(("preset", "activity"), preset_audits())
def test_every_preset_allocates_a_year_within_the_rules(preset: str, activity: CaseAudit) -> None:
    rnd = random.Random(preset)
    services = ["Quality Assurance", "Children in Care", "Safeguarding"]
    staff = [
        Staff(f"{role}-{n}", role, f"T{n}", services[n % 3], f"team_manager-{n % 3}")
        for n in range(6)
        for role in ROLES_ALL
    ]
    workers = [p.id for p in staff if is_practitioner(p)]
    cases = [
        CaseInfo(
            f"C{n:03d}",
            rnd.choice(workers),
            rnd.choice(["CIN", "CP", "CLA", "EH"]),
            random_date(rnd),
            frozenset(rnd.sample(THEMES, rnd.randrange(3))),
        )
        for n in range(120)
    ]
    council = (staff, cases, History())
    pairs = 0
    for month in range(1, 13):
        theme = "neglect" if is_themed_month(activity, month) else None
        plan = allocate(activity, staff, cases, History(), 2026, month, 1, TODAY, theme=theme)
        check(activity, council, month, plan)
        pairs += len(plan.pairs)
    assert pairs > 0
