"""The demo council is realistic, deterministic for a seed, and imports through the real checks."""

from __future__ import annotations

import collections
import datetime as dt
import re
from pathlib import Path

import pytest

from handlers.errors import UserError
from handlers.roster.demo import (
    REFERENCE_DAY,
    SERVICES,
    build_demo_council,
    load_demo_council,
    roster_csv,
    write_demo_council,
)
from handlers.roster.importer import CASE_COLUMNS, CASE_TYPES, PEOPLE_COLUMNS, CsvFile, parse_roster
from storage import Sessions
from storage.people import RosterChanges, active_people, count_people


def test_the_same_seed_writes_the_same_files(tmp_path: Path) -> None:
    first = write_demo_council(tmp_path / "a", 120, seed=5)
    second = write_demo_council(tmp_path / "b", 120, seed=5)
    other = write_demo_council(tmp_path / "c", 120, seed=6)
    assert first.people_csv and second.people_csv and other.people_csv
    assert first.cases_csv and second.cases_csv
    assert first.people_csv.read_bytes() == second.people_csv.read_bytes()
    assert first.cases_csv.read_bytes() == second.cases_csv.read_bytes()
    assert first.people_csv.read_bytes() != other.people_csv.read_bytes()


@pytest.mark.parametrize("people", [80, 97, 250, 1001])
def test_the_council_has_exactly_the_people_asked_for(people: int) -> None:
    assert len(build_demo_council(people, seed=1).people) == people


@pytest.mark.parametrize("people", [0, 79, 100_000])
def test_sizes_outside_the_range_are_refused(people: int) -> None:
    with pytest.raises(UserError, match=f"a demo council has 80 to 99999 people, not {people}"):
        build_demo_council(people, seed=1)


def test_a_realistic_structure() -> None:
    roster = build_demo_council(1500, seed=2)
    roles = collections.Counter(p.role for p in roster.people)
    assert roles["director"] == roles["qa_manager"] == roles["principal_social_worker"] == 1
    assert roles["head_of_service"] == len(SERVICES) + 1
    for role in ("service_manager", "team_manager", "deputy_team_manager", "iro", "cp_chair",
                 "qa_officer", "senior_practitioner", "advanced_practitioner"):  # fmt: skip
        assert roles[role] > 0, role
    services = {p.service for p in roster.people}
    assert services == {s[0] for s in SERVICES} | {"Quality Assurance", "Directorate"}
    staff = {p.staff_id: p for p in roster.people}
    assert all(p.manager_staff_id in staff for p in roster.people if p.role != "director")
    assert sum(p.fte == 1.0 for p in roster.people) > 0.8 * len(roster.people)
    assert sum(p.last_observed is not None for p in roster.people) > 0.5 * len(roster.people)


def test_about_one_practitioner_in_ten_is_in_their_asye_year() -> None:
    roster = build_demo_council(2000, seed=3)
    workers = [
        p for p in roster.people if p.role.endswith("practitioner") and "principal" not in p.role
    ]
    asye = [p for p in workers if p.asye_start is not None]
    assert 0.07 < len(asye) / len(workers) < 0.13
    year_ago = REFERENCE_DAY - dt.timedelta(days=365)
    assert all(p.asye_start and year_ago < p.asye_start <= REFERENCE_DAY for p in asye)
    assert all(p.role == "practitioner" for p in asye)


def test_cases_of_every_type_with_themes_and_about_six_open_each() -> None:
    roster = build_demo_council(1500, seed=4)
    for status in ("open", "closed"):
        assert {c.case_type for c in roster.cases if c.status == status} == set(CASE_TYPES)
    assert all(re.fullmatch(r"C-\d{6}", c.case_ref) for c in roster.cases)
    themes = collections.Counter(t for c in roster.cases for t in c.themes)
    for theme in ("domestic abuse", "neglect", "parental mental health", "substance misuse",
                  "criminal exploitation", "pre-birth"):  # fmt: skip
        assert themes[theme] > 0, theme
    holders = collections.Counter(
        c.practitioner_staff_id for c in roster.cases if c.status == "open"
    )
    workers = [
        p for p in roster.people if p.role.endswith("_practitioner") or p.role == "practitioner"
    ]
    active = [p for p in workers if p.active]
    assert 5.0 < sum(holders[p.staff_id] for p in active) / len(active) < 7.0
    assert all(c.opened_on <= REFERENCE_DAY for c in roster.cases)


def test_the_files_hold_only_the_roster_columns_and_read_back_exactly() -> None:
    roster = build_demo_council(300, seed=9, today=dt.date(2026, 6, 1))
    people, cases = roster_csv(roster)
    assert people.splitlines()[0].split(",") == list(PEOPLE_COLUMNS)
    assert cases.splitlines()[0].split(",") == list(CASE_COLUMNS)
    parsed = parse_roster(
        CsvFile("people.csv", people.encode()), CsvFile("cases.csv", cases.encode()), {}
    )
    assert parsed.warnings == ()
    assert parsed.roster == roster


async def test_loading_the_demo_council_twice_imports_once(sessions: Sessions) -> None:
    now = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)
    first = await load_demo_council(sessions, people=90, seed=11, now=now)
    roster = build_demo_council(90, seed=11, today=now.date())
    assert first.changes == RosterChanges(people_added=90, cases_added=len(roster.cases))
    again = await load_demo_council(sessions, people=90, seed=11, now=now)
    assert again.changes == RosterChanges()
    async with sessions() as session:
        assert await count_people(session) == 90
        assert len(await active_people(session)) == sum(p.active for p in roster.people)
