"""Each preset's audit cadence over a year from the pure rules: which rounds run, when, who audits.

The year is played as the daily sweep plays it, over the demo council in memory (see
tests/support/preset_year.py); tests/scheduler/test_simulation_presets.py runs one such year
through the real simulation and checks that it agrees with this model.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter, defaultdict

import pytest
from preset_year import Round, council, open_cases, year_of_rounds

from handlers.programme.schema import CaseAudit, load_programme

SMALL, HARINGEY_SIZE = 80, 150  # Haringey's 50 a month needs enough auditor places


def audited_months(rounds: dict[int, Round]) -> list[int]:
    """The months whose round allocated at least one audit (by due date)."""
    return sorted({r.due.month for r in rounds.values() if r.plan.pairs})


def year_of(preset: str, activity_id: str, people: int = SMALL) -> dict[int, Round]:
    return year_of_rounds(preset, activity_id, people)


def roles(people: int = SMALL) -> dict[str, str]:
    return {p.staff_id: p.role for p in council(people).people}


def auditor_roles(rounds: dict[int, Round], people: int = SMALL) -> set[str]:
    role = roles(people)
    return {role[p.auditor_id] for r in rounds.values() for p in r.plan.pairs}


def test_default_audits_every_month() -> None:
    assert audited_months(year_of("default", "case_audit")) == list(range(1, 13))


def test_camden_ten_months_with_breaks_in_august_and_december() -> None:
    rounds = year_of("camden", "learning_conversation")
    running = audited_months(rounds)
    assert len(running) == 10
    assert 8 not in running and 12 not in running
    assert sorted(rounds) == running, "no round is made in a skipped month"
    # §5.2.2: team managers bimonthly, so never in two running months of conversations
    role = roles()
    team_managers: dict[str, set[int]] = defaultdict(set)
    for month, found in rounds.items():
        for pair in found.plan.pairs:
            if role[pair.auditor_id] == "team_manager":
                team_managers[pair.auditor_id].add(month)
    assert team_managers
    for taken in team_managers.values():
        assert not any(a in taken and b in taken for a, b in itertools.pairwise(running))


def test_haringey_allocates_450_to_500_light_touch_audits_a_year() -> None:
    light = year_of("haringey", "light_touch_audit", HARINGEY_SIZE)
    per_month = Counter({m: len(r.plan.pairs) for m, r in light.items()})
    assert per_month == Counter({m: 40 for m in range(1, 13)})
    assert 450 <= sum(per_month.values()) <= 500  # 3.1.3: "450 to 500 cases each year"


def test_camden_learning_conversations_include_iros_and_cp_chairs() -> None:
    used = auditor_roles(year_of("camden", "learning_conversation"))
    assert {"iro", "cp_chair"} <= used


def test_haringey_themed_event_rounds_take_their_group_sized_in_cases() -> None:
    events = year_of("haringey", "event_audit", HARINGEY_SIZE)
    (audit,) = [a for a in load_programme("haringey").of_kind(CaseAudit) if a.id == "event_audit"]
    assert {m: r.plan.theme for m, r in events.items()} == {
        9: "domestic abuse",
        10: "children in residential care",
        11: "pre-birth",
    }
    cases = {c.ref: c for c in open_cases(council(HARINGEY_SIZE))}
    for month in (9, 11):
        pairs = events[month].plan.pairs
        theme = audit.theme_named(events[month].plan.theme or "")
        assert len(pairs) == theme.cases == 12
        assert all(cases[p.case_ref].themes & theme.spellings() for p in pairs)
    # residential care is a placement of a child looked after: the demo council's cases name no
    # placement, so October's round is held with the reason, not allocated empty
    october = events[10].plan
    assert october.pairs == [] and october.skipped is not None
    assert "no open case is in the theme 'children in residential care' (CLA cases" in (
        october.skipped
    )


def test_hammersmith_fulham_every_month_due_in_the_second_week() -> None:
    rounds = year_of("hammersmith-fulham", "monthly_audit")
    assert audited_months(rounds) == list(range(1, 13))
    for found in rounds.values():
        due = found.due
        monday = due - dt.timedelta(days=due.weekday())
        assert due.weekday() < 5 and (monday.day - 1) // 7 == 1, due
        assert found.made_on < monday, "the auditor is told before the window opens"


def test_durham_collaborative_audits_monthly_by_its_managers() -> None:
    rounds = year_of("durham", "collaborative_audit")
    assert audited_months(rounds) == list(range(1, 13))
    assert auditor_roles(rounds) <= {"team_manager", "service_manager"}


def test_shropshire_child_journey_audits_monthly_by_its_roles() -> None:
    rounds = year_of("shropshire", "child_journey_audit")
    assert audited_months(rounds) == list(range(1, 13))
    allowed = {"director", "head_of_service", "service_manager", "team_manager",
               "senior_practitioner", "deputy_team_manager", "iro", "cp_chair"}  # fmt: skip
    used = auditor_roles(rounds)
    assert used <= allowed and {"director", "team_manager", "senior_practitioner"} <= used


CASE_AUDITS = [
    ("default", "case_audit", SMALL),
    ("camden", "learning_conversation", SMALL),
    ("durham", "collaborative_audit", SMALL),
    ("hammersmith-fulham", "monthly_audit", SMALL),
    ("haringey", "light_touch_audit", HARINGEY_SIZE),
    ("shropshire", "child_journey_audit", SMALL),
]


def managers_above(people: int) -> dict[str, set[str]]:
    """Each person's whole line of management, from the demo roster itself."""
    manager_of = {p.staff_id: p.manager_staff_id for p in council(people).people}
    above: dict[str, set[str]] = {}
    for person in manager_of:
        chain, up = set(), manager_of[person]
        while up is not None and up not in chain:
            chain.add(up)
            up = manager_of.get(up)
        above[person] = chain
    return above


@pytest.mark.parametrize(("preset", "activity", "people"), CASE_AUDITS)
def test_no_manager_audits_anyone_in_their_own_line_over_a_year(
    preset: str, activity: str, people: int
) -> None:
    rounds = year_of(preset, activity, people)
    above = managers_above(people)
    pairs = [p for r in rounds.values() for p in r.plan.pairs]
    assert pairs
    (audit,) = [a for a in load_programme(preset).of_kind(CaseAudit) if a.id == activity]
    exempt = set(audit.independence.line_of_management_exempt)
    role, manager = roles(people), {p.staff_id: p.manager_staff_id for p in council(people).people}
    in_line = [
        p
        for p in pairs
        if p.auditor_id in above[p.practitioner_id]
        and (role[p.auditor_id] not in exempt or manager[p.practitioner_id] == p.auditor_id)
    ]
    assert in_line == []
