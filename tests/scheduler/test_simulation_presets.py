"""A simulated year of each preset keeps its framework's audit cadence, read from the output.

Everyone responds on time here, so each year runs quickly; the cadence of allocations does not
depend on how people respond.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from collections import Counter, defaultdict
from typing import Any

from handlers.programme.schema import load_programme
from handlers.roster.demo import build_demo_council
from scheduler.simulation import Behaviour, Council, run_simulation

YEAR = 2027
ON_TIME = Behaviour(respond_rate=1.0, late_rate=0.0)
SMALL, HARINGEY_SIZE = 80, 150  # Haringey's 50 a month needs enough auditor places


def allocations(preset: str, people: int = SMALL) -> list[dict[str, Any]]:
    """The year's audit.allocated lines for audits due in the year."""
    result = asyncio.run(
        run_simulation(load_programme(preset), dt.date(YEAR, 1, 1),
                       dt.date(YEAR, 12, 31), council=Council(demo_people=people),
                       behaviour=ON_TIME)
    )  # fmt: skip
    return [
        line
        for line in result.lines()
        if line["type"] == "audit.allocated" and line["due"].startswith(f"{YEAR}-")
    ]


def due_month(line: dict[str, Any]) -> int:
    return dt.date.fromisoformat(line["due"]).month


def per_month(lines: list[dict[str, Any]], activity: str | None = None) -> Counter[int]:
    return Counter(due_month(x) for x in lines if activity is None or x["activity"] == activity)


def roles(people: int = SMALL) -> dict[str, str]:
    return {p.staff_id: p.role for p in build_demo_council(people, 1, dt.date(YEAR, 1, 1)).people}


def test_default_audits_every_month() -> None:
    months = per_month(allocations("default"), "case_audit")
    assert sorted(months) == list(range(1, 13))


def test_camden_ten_months_with_breaks_in_august_and_december() -> None:
    lines = allocations("camden")
    months = per_month(lines, "learning_conversation")
    assert len(months) == 10
    assert 8 not in months and 12 not in months
    role = roles()
    # §5.2.2: team managers bimonthly, so never in two running months of conversations
    team_managers: dict[str, set[int]] = defaultdict(set)
    for line in lines:
        if role[line["auditor"]] == "team_manager":
            team_managers[line["auditor"]].add(due_month(line))
    assert team_managers
    running = sorted(months)
    for taken in team_managers.values():
        assert not any(a in taken and b in taken for a, b in itertools.pairwise(running))


def test_haringey_allocates_fifty_light_touch_audits_a_month() -> None:
    lines = allocations("haringey", HARINGEY_SIZE)
    assert per_month(lines, "light_touch_audit") == Counter({m: 50 for m in range(1, 13)})
    # three themed event audit rounds a year; the demo council tags no case "children in
    # residential care", so October's strict themed round finds none to allocate
    events = per_month(lines, "event_audit")
    assert sorted(events) == [9, 11]


def test_hammersmith_fulham_every_month_due_in_the_second_week() -> None:
    lines = allocations("hammersmith-fulham")
    assert sorted(per_month(lines, "monthly_audit")) == list(range(1, 13))
    for line in lines:
        due = dt.date.fromisoformat(line["due"])
        monday = due - dt.timedelta(days=due.weekday())
        assert due.weekday() < 5 and (monday.day - 1) // 7 == 1, line["due"]
        allocated = dt.date.fromisoformat(line["at"][:10])
        assert allocated < monday, "the auditor is told before the window opens"


def test_durham_collaborative_audits_monthly_by_its_managers() -> None:
    lines = allocations("durham")
    assert sorted(per_month(lines, "collaborative_audit")) == list(range(1, 13))
    role = roles()
    assert {role[line["auditor"]] for line in lines} <= {"team_manager", "service_manager"}


def test_shropshire_child_journey_audits_monthly_by_its_roles() -> None:
    lines = allocations("shropshire")
    assert sorted(per_month(lines, "child_journey_audit")) == list(range(1, 13))
    allowed = {"director", "head_of_service", "service_manager", "team_manager",
               "senior_practitioner", "deputy_team_manager", "iro", "cp_chair"}  # fmt: skip
    role = roles()
    used = {role[line["auditor"]] for line in lines}
    assert used <= allowed and {"director", "team_manager", "senior_practitioner"} <= used
