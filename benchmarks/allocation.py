"""Allocation at council scale (SPEC §9): 10,000 practitioners, 1,500 auditors, 60,000 cases."""

from __future__ import annotations

import datetime as dt
import random
import time

from handlers.case_audit.allocation.plan import CaseInfo, History, Staff, allocate
from handlers.programme.schema import CaseAudit

TARGET_SECONDS = 2.0
PRACTITIONERS = 10_000
AUDITORS = 1_500
CASES = 60_000
SERVICES = [f"Service {n}" for n in range(1, 9)]
THEMES = ["domestic abuse", "neglect", "pre-birth", "exploitation"]
TODAY = dt.date(2026, 6, 1)


def activity() -> CaseAudit:
    """Every rule switched on: second-week window, FTE quotas, across services, a theme."""
    return CaseAudit.model_validate(
        {
            "id": "monthly_audit",
            "kind": "case_audit",
            "title": "Monthly audit",
            "window": {"week_of_month": 2},
            "skip_months": [8],
            "auditors": [
                {"role": "team_manager", "cases": 1},
                {"role": "deputy_team_manager", "cases": 1},
                {"role": "iro", "cases": 2},
                {"role": "cp_chair", "cases": 2, "every_periods": 2},
            ],
            "independence": {"across_services": True},
            "coverage_months": 6,
            "case_types": ["CIN", "CP", "CLA", "CL", "EH"],
            "themed_rounds": [{"month": 6, "theme": "neglect"}],
            "checklist": [{"id": "chronology", "text": "Chronology up to date"}],
            "reflection": {"prompts": [{"id": "learning", "text": "What did we learn?"}]},
        }
    )


def council(rng: random.Random) -> tuple[list[Staff], list[CaseInfo], History]:
    """A synthetic roster with teams of ten workers under a team manager, and their cases."""
    staff: list[Staff] = []
    managers = [f"M{n:05d}" for n in range(1_000)]
    for n, manager in enumerate(managers):
        staff.append(Staff(manager, "team_manager", f"T{n}", SERVICES[n % len(SERVICES)]))
    roles = ["deputy_team_manager"] * 300 + ["iro"] * 100 + ["cp_chair"] * 100
    for n, role in enumerate(roles):
        staff.append(Staff(f"A{n:05d}", role, "Reviewing", SERVICES[n % len(SERVICES)]))
    for n in range(PRACTITIONERS):
        team = n // 10
        fte = rng.choice([1.0, 1.0, 1.0, 0.8, 0.5])
        away = TODAY + dt.timedelta(days=30) if rng.random() < 0.03 else None
        role = rng.choice(["practitioner", "senior_practitioner", "advanced_practitioner"])
        service = SERVICES[team % len(SERVICES)]
        staff.append(Staff(f"P{n:05d}", role, f"T{team}", service, managers[team], fte, True, away))
    cases = [
        CaseInfo(
            f"C-{n:06d}",
            f"P{rng.randrange(PRACTITIONERS):05d}",
            rng.choice(["CIN", "CP", "CLA", "CL", "EH", "YJ"]),
            TODAY - dt.timedelta(days=rng.randrange(30, 1500)),
            frozenset(rng.sample(THEMES, rng.randrange(0, 2))),
        )
        for n in range(CASES)
    ]
    last_seen = {
        f"P{n:05d}": TODAY - dt.timedelta(days=rng.randrange(20, 400))
        for n in range(PRACTITIONERS)
        if rng.random() < 0.7
    }
    case_last = {c.ref: TODAY - dt.timedelta(days=rng.randrange(20, 700)) for c in cases[::3]}
    return staff, cases, History(last_seen, case_last)


def main() -> None:
    staff, cases, history = council(random.Random(2026))
    audit = activity()
    timings = []
    for run in range(3):
        started = time.perf_counter()
        plan = allocate(audit, staff, cases, history, 2026, 6, run, TODAY)
        timings.append(time.perf_counter() - started)
    best = min(timings)
    print(
        f"allocation: {PRACTITIONERS} practitioners, {AUDITORS} auditors, {CASES} open cases: "
        f"{best:.3f} s (best of 3); target {TARGET_SECONDS:.1f} s; "
        f"ratio {best / TARGET_SECONDS:.2f}; {len(plan.pairs)} pairs, "
        f"{len(plan.uncovered)} uncovered, {len(plan.idle_auditors)} idle"
    )


if __name__ == "__main__":
    main()
