"""A synthetic council for demos, tests and benchmarks: fictional staff, case references only.

The same people count, seed and day always give the same council.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import math
import random
from dataclasses import dataclass
from pathlib import Path

from handlers.errors import UserError
from handlers.roster.csv_rows import CsvFile
from handlers.roster.importer import CASE_COLUMNS, PEOPLE_COLUMNS, ImportResult, import_roster
from storage import Sessions
from storage.people import CaseRecord, PersonRecord, Roster

REFERENCE_DAY = dt.date(2027, 1, 4)
MIN_PEOPLE, MAX_PEOPLE = 80, 99_999
DOMAIN = "council.example"
FIRST_NAMES = (
    "Aisha", "Alex", "Amara", "Ben", "Bethan", "Caitlin", "Callum", "Chloe", "Daniel", "Deepa",
    "Eilidh", "Ellis", "Emeka", "Fatima", "Finn", "Grace", "Hannah", "Harvey", "Imran", "Isla",
    "Jamie", "Jasmine", "Jordan", "Kai", "Kemi", "Laura", "Leon", "Lucy", "Marcus", "Maya",
    "Mohammed", "Morgan", "Nadia", "Niamh", "Oliver", "Olu", "Priya", "Rachel", "Reuben", "Rhys",
    "Rowan", "Ruth", "Sam", "Sana", "Sean", "Sophie", "Tariq", "Tom", "Usha", "Yusuf", "Zara",
)  # fmt: skip
SURNAMES = (
    "Adeyemi", "Ashby", "Bailey", "Bhatt", "Brennan", "Calder", "Chowdhury", "Clarke", "Davies",
    "Dunmore", "Ellison", "Evans", "Fenwick", "Frost", "Garside", "Green", "Hale", "Hussain",
    "Iqbal", "Jenkins", "Kaur", "Kowalski", "Lowe", "Malik", "McAllister", "Mensah", "Moor",
    "Nowak", "Okafor", "O'Neill", "Osei", "Patel", "Pike", "Quinn", "Rahman", "Reed", "Rossi",
    "Shah", "Sinclair", "Thornton", "Turner", "Underwood", "Vance", "Walsh", "Wren", "Yates",
)  # fmt: skip
AREAS = ("North", "South", "East", "West", "Central", "Riverside", "Hillside", "Northgate")
COMMON_THEMES = ("domestic abuse", "neglect", "parental mental health", "substance misuse")
THEMES = {
    "EH": ("school attendance", "housing", "parenting support"),
    "CIN": ("emotional abuse", "pre-birth", "young carer"),
    "CP": ("physical abuse", "sexual abuse", "emotional abuse", "pre-birth"),
    "CLA": ("placement stability", "missing from care", "criminal exploitation",
            "unaccompanied asylum seeking"),
    "CL": ("housing", "education employment and training", "unaccompanied asylum seeking"),
    "YJ": ("criminal exploitation", "serious youth violence", "school exclusion"),
    "SEND": ("disability", "respite", "school exclusion"),
    "other": ("private fostering",),
}  # fmt: skip
# (service, share of frontline staff, team label, the case types its teams hold)
SERVICES = (
    ("Front Door/MASH", 6, "MASH Team", ("CIN", "EH", "CP")),
    ("Assessment", 12, "Assessment Team", ("CIN", "CP")),
    ("Children in Need & Child Protection", 22, "CIN/CP Team", ("CIN", "CP", "CP")),
    ("Children Looked After", 16, "Children in Care Team", ("CLA",)),
    ("Care Leavers", 8, "Leaving Care Team", ("CL",)),
    ("Early Help", 14, "Early Help Team", ("EH",)),
    ("Youth Justice", 7, "Youth Justice Team", ("YJ", "CIN")),
    ("Disabled Children/SEND", 7, "Disabled Children's Team", ("SEND", "CIN")),
)
QA_SERVICE = "Quality Assurance"


@dataclass(frozen=True)
class DemoSummary:
    people: int
    practitioners: int
    open_cases: int
    closed_cases: int
    teams: int
    people_csv: Path | None = None
    cases_csv: Path | None = None


class _Council:
    """Builds the roster top-down, drawing every choice from one seeded generator."""

    def __init__(self, seed: int, today: dt.date) -> None:
        self.rng = random.Random(seed)
        self.today = today
        self.people: list[PersonRecord] = []
        self.cases: list[CaseRecord] = []
        self.emails: set[str] = set()

    def hire(self, role: str, team: str, service: str, manager: str | None, **extra: object) -> str:
        first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(SURNAMES)
        local = f"{first}.{last}".lower().replace("'", "")
        email, n = f"{local}@{DOMAIN}", 1
        while email in self.emails:
            n += 1
            email = f"{local}{n}@{DOMAIN}"
        self.emails.add(email)
        staff_id = f"S{len(self.people) + 1:05d}"
        fte = 1.0 if self.rng.random() < 0.85 else self.rng.choice((0.5, 0.6, 0.8, 0.9))
        record = PersonRecord(staff_id, f"{first} {last}", email, role, team, service, manager,
                              fte=fte)  # fmt: skip
        self.people.append(dataclasses.replace(record, **extra))  # type: ignore[arg-type]
        return staff_id

    def days_ago(self, low: int, high: int) -> dt.date:
        return self.today - dt.timedelta(days=self.rng.randint(low, high))

    def open_case(self, staff_id: str, case_types: tuple[str, ...], status: str = "open") -> None:
        case_type = "other" if self.rng.random() < 0.03 else self.rng.choice(case_types)
        pool = COMMON_THEMES + THEMES[case_type]
        themes = self.rng.sample(pool, self.rng.choice((0, 1, 1, 1, 2, 2, 3)))
        oldest = 2500 if case_type in ("CLA", "CL") else 700
        opened = self.days_ago(200, 1800) if status == "closed" else self.days_ago(7, oldest)
        ref = f"C-{len(self.cases) + 1:06d}"
        self.cases.append(CaseRecord(ref, staff_id, case_type, opened, tuple(themes), status))


def build_demo_council(people: int, seed: int, today: dt.date = REFERENCE_DAY) -> Roster:
    """The whole synthetic council in memory, ready to apply or to write as CSV."""
    if not MIN_PEOPLE <= people <= MAX_PEOPLE:
        raise UserError(f"a demo council has {MIN_PEOPLE} to {MAX_PEOPLE} people, not {people}")
    council = _Council(seed, today)
    director = council.hire("director", "Senior Leadership Team", "Directorate", None)
    used = 1 + _quality_assurance(council, director, people)
    for (service, _, label, case_types), budget in zip(
        SERVICES, _shares(people - used, [s[1] for s in SERVICES]), strict=True
    ):
        _frontline_service(council, director, service, label, case_types, budget)
    return Roster(tuple(council.people), tuple(council.cases))


def _shares(total: int, weights: list[int]) -> list[int]:
    """Split `total` by `weights` with the largest remainders, so the parts add up exactly."""
    exact = [total * w / sum(weights) for w in weights]
    parts = [math.floor(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: parts[i] - exact[i])
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _quality_assurance(council: _Council, director: str, size: int) -> int:
    """QA manager and officers, the PSW, IROs and CP chairs; returns how many were hired."""
    head = council.hire("head_of_service", "Quality Assurance Team", QA_SERVICE, director)
    manager = council.hire("qa_manager", "Quality Assurance Team", QA_SERVICE, head)
    council.hire("principal_social_worker", "Quality Assurance Team", QA_SERVICE, director)
    officers = max(1, round(size / 400))
    for _ in range(officers):
        council.hire("qa_officer", "Quality Assurance Team", QA_SERVICE, manager)
    hired = 3 + officers
    for team, role, count in (
        ("Independent Reviewing Service", "iro", max(2, round(size / 40))),
        ("Child Protection Conferences", "cp_chair", max(1, round(size / 80))),
    ):
        lead = council.hire("team_manager", team, QA_SERVICE, head)
        for _ in range(count):
            council.hire(role, team, QA_SERVICE, lead)
        hired += 1 + count
    return hired


def _frontline_service(
    council: _Council,
    director: str,
    service: str,
    label: str,
    case_types: tuple[str, ...],
    budget: int,
) -> None:
    """A head of service, service managers and teams that together use exactly `budget` people."""
    head = council.hire("head_of_service", f"{service} Leadership", service, director)
    staff = budget - 1
    teams = max(1, round(staff / 9))
    managers = max(1, math.ceil(teams / 3))
    while teams > 1 and managers + 2 * teams > staff:
        teams -= 1
        managers = max(1, math.ceil(teams / 3))
    service_managers = [
        council.hire("service_manager", f"{service} Leadership", service, head)
        for _ in range(managers)
    ]
    for number, size in enumerate(_shares(staff - managers, [1] * teams)):
        name = f"{label} {AREAS[number] if teams <= len(AREAS) else number + 1}"
        boss = service_managers[number % managers]
        _team(council, name, service, boss, size, case_types)


def _team(
    council: _Council, team: str, service: str, boss: str, size: int, case_types: tuple[str, ...]
) -> None:
    rng = council.rng
    manager = council.hire("team_manager", team, service, boss, last_observed=_maybe_seen(council))
    deputy = None
    if size >= 6:
        deputy = council.hire("deputy_team_manager", team, service, manager)
        for _ in range(rng.randint(0, 2)):
            council.open_case(deputy, case_types)
    for _ in range(size - (2 if deputy else 1)):
        line = deputy if deputy and rng.random() < 0.4 else manager
        _practitioner(council, team, service, line, case_types)


def _practitioner(
    council: _Council, team: str, service: str, manager: str, case_types: tuple[str, ...]
) -> None:
    rng = council.rng
    draw = rng.random()
    role = "senior_practitioner" if draw < 0.15 else "advanced_practitioner" if draw < 0.2 else ""
    asye = not role and rng.random() < 0.12
    active = asye or rng.random() > 0.01
    start = council.days_ago(14, 350) if asye else None
    seen = _maybe_seen(council)
    if start is not None:
        seen = council.days_ago(0, (council.today - start).days) if rng.random() < 0.5 else None
    staff_id = council.hire(role or "practitioner", team, service, manager, asye_start=start,
                            last_observed=seen, active=active)  # fmt: skip
    open_cases = rng.randint(2, 5) if asye else rng.randint(4, 8)
    for _ in range(open_cases if active else 0):
        council.open_case(staff_id, case_types)
    for _ in range(rng.randint(0, 3)):
        council.open_case(staff_id, case_types, "closed")


def _maybe_seen(council: _Council) -> dt.date | None:
    """A last observation for most staff, some more than a year ago (so overdue)."""
    return council.days_ago(20, 460) if council.rng.random() < 0.75 else None


def roster_csv(roster: Roster) -> tuple[str, str]:
    """people.csv and cases.csv as text, in the formats `qabot import` reads."""
    people = [
        [p.staff_id, p.name, p.email, p.role, p.team, p.service, p.manager_staff_id or "",
         _day(p.asye_start), _day(p.last_observed), f"{p.fte:.1f}", p.slack_user_id or "",
         p.teams_user_id or "", "true" if p.active else "false"]
        for p in roster.people
    ]  # fmt: skip
    cases = [
        [c.case_ref, c.practitioner_staff_id, c.case_type, c.opened_on.isoformat(),
         ";".join(c.themes), c.status]
        for c in roster.cases
    ]  # fmt: skip
    return _csv_text(list(PEOPLE_COLUMNS), people), _csv_text(list(CASE_COLUMNS), cases)


def _day(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def _csv_text(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def summarise(roster: Roster, **paths: Path) -> DemoSummary:
    open_cases = sum(case.status == "open" for case in roster.cases)
    practitioners = sum(p.role.endswith("practitioner") for p in roster.people)
    teams = len({(p.service, p.team) for p in roster.people})
    return DemoSummary(len(roster.people), practitioners, open_cases,
                       len(roster.cases) - open_cases, teams, **paths)  # fmt: skip


def write_demo_council(
    out: Path, people: int, seed: int, today: dt.date = REFERENCE_DAY
) -> DemoSummary:
    """Write people.csv and cases.csv for a synthetic council into the folder `out`."""
    roster = build_demo_council(people, seed, today)
    people_text, cases_text = roster_csv(roster)
    out.mkdir(parents=True, exist_ok=True)
    people_path, cases_path = out / "people.csv", out / "cases.csv"
    people_path.write_text(people_text, encoding="utf-8")
    cases_path.write_text(cases_text, encoding="utf-8")
    return summarise(roster, people_csv=people_path, cases_csv=cases_path)


async def load_demo_council(
    sessions: Sessions, *, people: int, seed: int, now: dt.datetime | None = None
) -> ImportResult:
    """Import a synthetic council through the same checks as `qabot import`, dated from `now`."""
    when = now or dt.datetime.combine(REFERENCE_DAY, dt.time(9), tzinfo=dt.UTC)
    people_text, cases_text = roster_csv(build_demo_council(people, seed, when.date()))
    return await import_roster(
        sessions,
        CsvFile("people.csv", people_text.encode()),
        CsvFile("cases.csv", cases_text.encode()),
        now=when,
        actor="demo",
    )
