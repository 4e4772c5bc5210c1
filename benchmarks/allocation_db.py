"""Allocation through the database (SPEC §9): 10,000 practitioners, 1,500 auditors, 60,000 cases.

Times make_plan (load + allocate) and run_allocation (also store + enqueue, with the commit) on
SQLite and on the machine's PostgreSQL, after one earlier round so history is not empty. The
council runs Slack and Teams side by side, so each message's platform is looked up as well.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import random
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text

from handlers.case_audit.allocation.rounds import make_plan, run_allocation
from handlers.core.calendar import Calendar
from handlers.core.deps import Deps
from handlers.programme.schema import CaseAudit, load_programme
from message_templates.wording import Wording
from scheduler.clock import VirtualClock
from storage import Sessions, make_engine, make_sessions, upgrade
from storage.case_audit import audits
from storage.models import AuditRound
from storage.people import CaseRecord, PersonRecord, Roster, apply_roster

TARGET_SECONDS = 2.0
PRESETS = ("default", "hammersmith-fulham")
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
EARLIER = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.UTC)
SERVICES = (
    ("Front Door", ("CIN", "EH", "CP")),
    ("Assessment", ("CIN", "CP")),
    ("Child Protection", ("CIN", "CP")),
    ("Children in Care", ("CLA",)),
    ("Care Leavers", ("CL",)),
    ("Early Help", ("EH",)),
    ("Youth Justice", ("YJ", "CIN")),
    ("Disabled Children", ("SEND", "CIN")),
)
THEMES = ("domestic abuse", "neglect", "parental mental health", "substance misuse", "housing")
TEAMS, TEAM_SIZE, DEPUTIES, SERVICE_MANAGERS = 1_000, 10, 300, 8
IROS, CP_CHAIRS, CASES = 85, 40, 60_000


class _Council:
    """A synthetic roster: fictional names, case references only, one seeded generator."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.people: list[PersonRecord] = []

    def hire(self, role: str, team: str, service: str, manager: str | None) -> str:
        staff_id = f"S{len(self.people) + 1:05d}"
        fte = 1.0 if self.rng.random() < 0.85 else self.rng.choice((0.5, 0.6, 0.8))
        email = f"{staff_id.lower()}@council.example"
        # half the council on Slack, half on Teams: each DM's platform is looked up
        on_slack = len(self.people) % 2 == 1
        record = PersonRecord(staff_id, f"Staff {staff_id}", email, role, team, service, manager,
                              slack_user_id=f"U{staff_id}" if on_slack else None,
                              teams_user_id=None if on_slack else staff_id)  # fmt: skip
        self.people.append(record if fte == 1.0 else _with_fte(record, fte))
        return staff_id


def _with_fte(record: PersonRecord, fte: float) -> PersonRecord:
    return PersonRecord(**{**record.__dict__, "fte": fte})


def build_council(seed: int = 2027) -> Roster:
    """Eight services of 125 teams, a QA service of IROs and CP chairs, and 60,000 open cases."""
    council = _Council(seed)
    director = council.hire("director", "Leadership", "Directorate", None)
    workers: list[tuple[str, tuple[str, ...]]] = []
    for number, (service, kinds) in enumerate(SERVICES):
        head = council.hire("head_of_service", f"{service} Leadership", service, director)
        managers = [
            council.hire("service_manager", f"{service} Leadership", service, head)
            for _ in range(SERVICE_MANAGERS)
        ]
        for team_no in range(number, TEAMS, len(SERVICES)):
            team = f"{service} Team {team_no}"
            lead = council.hire("team_manager", team, service, managers[team_no % len(managers)])
            deputy = (
                council.hire("deputy_team_manager", team, service, lead)
                if team_no < DEPUTIES
                else None
            )
            for _ in range(TEAM_SIZE):
                line = deputy if deputy and council.rng.random() < 0.4 else lead
                workers.append((council.hire("practitioner", team, service, line), kinds))
    _reviewing_service(council, director)
    return Roster(tuple(council.people), tuple(_cases(council.rng, workers)))


def _reviewing_service(council: _Council, director: str) -> None:
    head = council.hire("head_of_service", "QA Leadership", "Quality Assurance", director)
    for team, role, count in (
        ("IRO Service", "iro", IROS),
        ("CP Conferences", "cp_chair", CP_CHAIRS),
    ):
        lead = council.hire("team_manager", team, "Quality Assurance", head)
        for _ in range(count):
            council.hire(role, team, "Quality Assurance", lead)


def _cases(rng: random.Random, workers: list[tuple[str, tuple[str, ...]]]) -> Iterator[CaseRecord]:
    for n in range(CASES):
        staff_id, kinds = workers[n % len(workers)] if n < len(workers) else rng.choice(workers)
        opened = NOW.date() - dt.timedelta(days=rng.randint(7, 1500))
        themes = tuple(rng.sample(THEMES, rng.choice((0, 1, 1, 2))))
        yield CaseRecord(f"C-{n + 1:06d}", staff_id, rng.choice(kinds), opened, themes)


@dataclass(frozen=True)
class Figure:
    database: str
    preset: str
    plan_seconds: float
    run_seconds: float
    pairs: int
    messages: int


def _deps(sessions: Sessions, preset: str, now: dt.datetime) -> tuple[Deps, CaseAudit]:
    programme = load_programme(preset)
    calendar = Calendar.from_programme(programme)
    deps = Deps(sessions, Wording(), VirtualClock(now), programme, calendar,
                platforms=("slack", "teams"))  # fmt: skip
    return deps, programme.of_kind(CaseAudit)[0]


async def _earlier_round(sessions: Sessions, preset: str) -> None:
    """December's allocations stored straight through storage (no messages), as history."""
    deps, activity = _deps(sessions, preset, EARLIER)
    async with sessions.begin() as session:
        plan = await make_plan(deps, session, activity, 2026, 12)
        new = AuditRound(
            activity=activity.id,
            period="2026-12",
            window_start=plan.window[0],
            window_end=plan.window[1],
            seed=1,
            created_at=EARLIER,
        )
        assert await audits.create_round(session, new)
        rows = [
            audits.NewAllocation(p.auditor_id, p.practitioner_id, p.case_ref, p.reason)
            for p in plan.pairs
        ]
        await audits.add_allocations(session, new.id, rows, due_on=plan.window[1], now=EARLIER)


async def _preset(sessions: Sessions, database: str, preset: str) -> Figure:
    """An untimed earlier round for history, then the timed plan and round for January."""
    await _earlier_round(sessions, preset)
    deps, activity = _deps(sessions, preset, NOW)
    started = time.perf_counter()
    async with sessions() as session:
        plan = await make_plan(deps, session, activity, 2027, 1)
    planned = time.perf_counter() - started
    started = time.perf_counter()
    async with sessions.begin() as session:
        result = await run_allocation(deps, session, activity, 2027, 1)
    ran = time.perf_counter() - started
    assert result.created and result.allocations == len(plan.pairs)
    return Figure(database, preset, planned, ran, result.allocations, result.messages)


async def _bench(database: str, url: str, roster: Roster) -> list[Figure]:
    upgrade(url)
    engine = make_engine(url)
    sessions = make_sessions(engine)
    try:
        started = time.perf_counter()
        async with sessions.begin() as session:
            await apply_roster(session, roster, now=EARLIER, actor="benchmark")
        print(f"  {database}: roster loaded in {time.perf_counter() - started:.1f} s (setup)")
        return [await _preset(sessions, database, preset) for preset in PRESETS]
    finally:
        await engine.dispose()


@contextmanager
def _postgres_database() -> Iterator[str | None]:
    """A uniquely named database on the machine's PostgreSQL, dropped afterwards; None if down."""
    server = os.environ.get("QABOT_TEST_POSTGRES_URL", POSTGRES_URL)
    admin = create_engine(server, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    name = f"qabot_bench_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as problem:
        print(f"  PostgreSQL skipped: {server} unreachable ({type(problem).__name__})")
        admin.dispose()
        yield None
        return
    try:
        yield f"{server.rsplit('/', 1)[0]}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _report(figure: Figure) -> None:
    where = f"allocation ({figure.database}, {figure.preset})"
    for what, seconds in (
        ("make_plan", figure.plan_seconds),
        ("run_allocation", figure.run_seconds),
    ):
        print(
            f"{where} {what}: {seconds:.2f} s; target {TARGET_SECONDS:.1f} s; "
            f"ratio {seconds / TARGET_SECONDS:.2f}; {figure.pairs} pairs"
        )
    stored = figure.run_seconds - figure.plan_seconds
    print(f"{where} of which store + enqueue {figure.messages} messages: about {stored:.2f} s")


def main() -> None:
    roster = build_council()
    auditors = sum(
        not p.role.endswith("practitioner") and p.role != "director" for p in roster.people
    )
    practitioners = sum(p.role == "practitioner" for p in roster.people)
    print(
        f"allocation through the database: {practitioners} practitioners, {auditors} auditors, "
        f"{len(roster.cases)} open cases"
    )
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        figures += asyncio.run(_bench("SQLite", url, roster))
    with _postgres_database() as postgres:
        if postgres is not None:
            figures += asyncio.run(_bench("PostgreSQL", postgres, roster))
    for figure in figures:
        _report(figure)


if __name__ == "__main__":
    main()
