"""The people repository applies a roster in bulk and answers simple questions about staff."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from sqlalchemy import event, select

from storage import Sessions
from storage.models import AuditLogEntry, Case, Person, Team
from storage.people import (
    CaseRecord,
    KnownPerson,
    PersonRecord,
    Roster,
    RosterChanges,
    StaffMember,
    active_people,
    apply_roster,
    count_people,
    known_on,
    known_people,
    person_by_staff_id,
    picker_people,
    search_people,
)

NOW = dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.UTC)
LATER = dt.datetime(2027, 2, 1, 9, 0, tzinfo=dt.UTC)
TEAM = {"team": "CLA Team 2", "service": "Children Looked After"}
PEOPLE = (
    PersonRecord("S1", "Morgan Ashby", "morgan@council.example", "head_of_service", **TEAM),
    PersonRecord("S2", "Tomasz Reed", "tomasz@council.example", "team_manager", **TEAM,
                 manager_staff_id="S1", slack_user_id="U02"),
    PersonRecord("S3", "Amara Lowe", "amara@council.example", "practitioner", **TEAM,
                 manager_staff_id="S2", asye_start=dt.date(2026, 9, 1), fte=0.8),
    PersonRecord("S4", "Jamie Frost", "jamie@council.example", "practitioner", **TEAM,
                 manager_staff_id="S2", last_observed=dt.date(2026, 5, 5)),
)  # fmt: skip
CASES = (
    CaseRecord("C-1", "S3", "CLA", dt.date(2025, 4, 1), ("neglect",)),
    CaseRecord("C-2", "S3", "CLA", dt.date(2026, 1, 2), ("exploitation", "missing")),
    CaseRecord("C-3", "S4", "CLA", dt.date(2026, 6, 3)),
)


def replace(
    records: tuple[PersonRecord, ...], staff_id: str, **changes: Any
) -> tuple[PersonRecord, ...]:
    return tuple(
        dataclasses.replace(r, **changes) if r.staff_id == staff_id else r for r in records
    )


async def apply(sessions: Sessions, roster: Roster, now: dt.datetime = NOW) -> RosterChanges:
    async with sessions.begin() as session:
        return await apply_roster(session, roster, now=now, actor="test")


async def rows(sessions: Sessions) -> dict[str, Person]:
    async with sessions() as session:
        return {p.staff_id: p for p in (await session.execute(select(Person))).scalars()}


async def cases(sessions: Sessions) -> dict[str, Case]:
    async with sessions() as session:
        return {c.case_ref: c for c in (await session.execute(select(Case))).scalars()}


async def test_apply_adds_people_teams_managers_and_cases(sessions: Sessions) -> None:
    assert await apply(sessions, Roster(PEOPLE, CASES)) == RosterChanges(
        people_added=4, cases_added=3
    )
    async with sessions() as session:
        worker = await person_by_staff_id(session, "S3")
        teams = (await session.execute(select(Team))).scalars().all()
        log = (await session.execute(select(AuditLogEntry))).scalar_one()
        assert await count_people(session) == 4
        assert await person_by_staff_id(session, "S9") is None
    assert worker is not None
    assert (worker.manager_staff_id, worker.team, worker.service) == ("S2", *TEAM.values())
    assert (worker.asye_start, worker.fte, worker.active) == (dt.date(2026, 9, 1), 0.8, True)
    assert [t.name for t in teams] == ["CLA Team 2"]
    assert (await cases(sessions))["C-2"].themes == "exploitation;missing"
    assert (log.action, log.subject, log.detail["cases_added"]) == (
        "roster.imported",
        "4 people, 3 cases",
        3,
    )


async def test_applying_the_same_roster_twice_changes_nothing(sessions: Sessions) -> None:
    await apply(sessions, Roster(PEOPLE, CASES))
    before = {
        k: (p.name, p.manager_id, p.team_id, p.active) for k, p in (await rows(sessions)).items()
    }
    assert await apply(sessions, Roster(PEOPLE, CASES)) == RosterChanges()
    after = {
        k: (p.name, p.manager_id, p.team_id, p.active) for k, p in (await rows(sessions)).items()
    }
    assert after == before


async def test_changes_update_by_staff_id_and_case_ref(sessions: Sessions) -> None:
    await apply(sessions, Roster(PEOPLE, CASES))
    moved = replace(PEOPLE, "S4", team="CLA Team 3", role="senior_practitioner")
    moved = replace(moved, "S3", manager_staff_id="S1")
    reassigned = (CASES[0], dataclasses.replace(CASES[1], practitioner_staff_id="S4"),
                  dataclasses.replace(CASES[2], status="closed"))  # fmt: skip
    changes = await apply(sessions, Roster(moved, reassigned))
    assert changes == RosterChanges(people_updated=2, cases_updated=1, cases_closed=1)
    people = await rows(sessions)
    assert people["S3"].manager_id == people["S1"].id
    assert people["S4"].role == "senior_practitioner"
    stored = await cases(sessions)
    assert (stored["C-2"].practitioner_id, stored["C-3"].status) == (people["S4"].id, "closed")


async def test_two_people_may_swap_emails(sessions: Sessions) -> None:
    await apply(sessions, Roster(PEOPLE, ()))
    swapped = replace(PEOPLE, "S3", email="jamie@council.example")
    swapped = replace(swapped, "S4", email="amara@council.example")
    assert await apply(sessions, Roster(swapped, ())) == RosterChanges(people_updated=2)
    people = await rows(sessions)
    assert (people["S3"].email, people["S4"].email) == (
        "jamie@council.example",
        "amara@council.example",
    )


async def test_blank_platform_ids_and_last_observed_keep_what_qabot_has(
    sessions: Sessions,
) -> None:
    await apply(sessions, Roster(PEOPLE, ()))
    blanked = replace(PEOPLE, "S2", slack_user_id=None)
    blanked = replace(blanked, "S4", last_observed=None, asye_start=None)
    assert await apply(sessions, Roster(blanked, ())) == RosterChanges()
    people = await rows(sessions)
    assert (people["S2"].slack_user_id, people["S4"].last_observed) == ("U02", dt.date(2026, 5, 5))


async def test_deactivate_missing_keeps_leavers_and_their_cases(sessions: Sessions) -> None:
    await apply(sessions, Roster(PEOPLE, CASES))
    stayers = tuple(p for p in PEOPLE if p.staff_id != "S4")
    changes = await apply(sessions, Roster(stayers, CASES[:2], deactivate_missing=True), LATER)
    assert changes == RosterChanges(people_deactivated=1, cases_closed=1)
    people = await rows(sessions)
    assert (people["S4"].active, people["S4"].deactivated_at) == (False, LATER)
    stored = await cases(sessions)
    assert (stored["C-3"].status, stored["C-3"].practitioner_id) == ("closed", people["S4"].id)
    async with sessions() as session:
        assert [p.staff_id for p in await active_people(session)] == ["S1", "S2", "S3"]
        practitioners = await active_people(session, roles=["practitioner", "qa_officer"])
        assert [p.staff_id for p in practitioners] == ["S3"]  # S4 has left
        assert await count_people(session) == 4
        assert await count_people(session, active_only=True) == 3


async def test_without_deactivate_missing_absent_people_stay(sessions: Sessions) -> None:
    await apply(sessions, Roster(PEOPLE, CASES))
    assert await apply(sessions, Roster(PEOPLE[:1], ())) == RosterChanges()
    assert all(p.active for p in (await rows(sessions)).values())


async def test_a_returner_is_reactivated(sessions: Sessions) -> None:
    leaver = replace(PEOPLE, "S4", active=False)
    assert await apply(sessions, Roster(leaver, ())) == RosterChanges(people_added=4)
    assert (await rows(sessions))["S4"].deactivated_at == NOW
    assert await apply(sessions, Roster(PEOPLE, ()), LATER) == RosterChanges(people_updated=1)
    returned = (await rows(sessions))["S4"]
    assert (returned.active, returned.deactivated_at) == (True, None)


async def test_known_people_and_search(sessions: Sessions) -> None:
    await apply(sessions, Roster(replace(PEOPLE, "S4", active=False), ()))
    async with sessions() as session:
        known = await known_people(session)
        by_name = await search_people(session, "lowe", 10)
        by_role = await search_people(session, "Team Manager", 10)
        practitioners = await search_people(session, "practitioner", 10)
        everyone = await search_people(session, "practitioner", 10, include_inactive=True)
        wildcard = await search_people(session, "%", 10)
    assert known["S3"] == KnownPerson("S3", "amara@council.example", True, "S2")
    assert known["S4"].active is False
    assert [p.staff_id for p in by_name] == ["S3"]
    assert [p.staff_id for p in by_role] == ["S2"]
    assert [p.staff_id for p in practitioners] == ["S3"]
    assert [p.staff_id for p in everyone] == ["S3", "S4"]
    assert wildcard == []


async def test_a_picker_offers_the_near_peoples_services_near_ones_first(
    sessions: Sessions,
) -> None:
    other = {"team": "Front Door 1", "service": "Front Door"}
    roster = (
        *replace(PEOPLE, "S4", active=False),
        PersonRecord("S5", "Beth Ames", "beth@council.example", "practitioner", **other),
        PersonRecord("S6", "Cal Ng", "cal@council.example", "practitioner", **other),
    )
    await apply(sessions, Roster(roster, ()))
    async with sessions() as session:
        cla = await picker_people(session, ["S3"])
        both = await picker_people(session, ["S6", "S2"])
        two = await picker_people(session, ["S6", "S2"], limit=2)
    # everyone active in Amara's service by name; Jamie has left
    assert [p.staff_id for p in cla] == ["S3", "S1", "S2"]
    assert cla[0] == StaffMember(*[getattr(cla[0], f) for f in ("id", "staff_id")], "Amara Lowe",
                                 "amara@council.example", "practitioner", "CLA Team 2",
                                 "Children Looked After", cla[2].id, "S2", dt.date(2026, 9, 1),
                                 None, 0.8, None, None, True, None)  # fmt: skip
    assert [p.staff_id for p in both] == ["S6", "S2", "S3", "S5", "S1"]
    assert [p.staff_id for p in two] == ["S6", "S2"]


async def test_a_picker_offers_every_team_of_the_near_peoples_service(
    sessions: Sessions,
) -> None:
    other_team = {"team": "CLA Team 1", "service": "Children Looked After"}
    other_service = {"team": "Front Door 1", "service": "Front Door"}
    roster = (
        *PEOPLE,
        PersonRecord("S5", "Beth Ames", "beth@council.example", "practitioner", **other_team),
        PersonRecord("S6", "Cal Ng", "cal@council.example", "practitioner", **other_service),
    )
    await apply(sessions, Roster(roster, ()))
    async with sessions() as session:
        offered = await picker_people(session, ["S5"])
    assert [p.staff_id for p in offered] == ["S5", "S3", "S4", "S1", "S2"]


async def test_a_picker_reads_the_near_teams_people_not_every_active_person(
    sqlite_sessions: Sessions,
) -> None:
    """Nearly everyone is active: looking people up by the flag would read the whole roster."""
    await apply(sqlite_sessions, Roster(PEOPLE, ()))
    seen: list[tuple[str, Any]] = []

    def capture(_c: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.startswith("SELECT people.id"):
            seen.append((statement, parameters))

    async with sqlite_sessions() as session:
        connection = await session.connection()
        event.listen(connection.sync_connection, "before_cursor_execute", capture)
        offered = await picker_people(session, ["S3"])
        event.remove(connection.sync_connection, "before_cursor_execute", capture)
        statement, parameters = seen[-1]
        plan = await connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        steps = [row[-1] for row in plan.all()]
    assert [p.staff_id for p in offered] == ["S3", "S4", "S1", "S2"]
    assert not any("ix_people_active" in step for step in steps), steps
    assert any("ix_people_team_id" in step for step in steps), steps


async def test_known_on_finds_each_persons_platforms_in_one_lookup(sessions: Sessions) -> None:
    roster = replace(PEOPLE, "S3", teams_user_id="29:amara")
    roster = replace(roster, "S4", slack_user_id="U04", teams_user_id="29:jamie")
    await apply(sessions, Roster(roster, ()))
    async with sessions() as session:
        everyone = {"S1", "S2", "S3", "S4", "S9"}
        assert await known_on(session, everyone, ("slack", "teams")) == {
            "S2": {"slack"},
            "S3": {"teams"},
            "S4": {"slack", "teams"},
        }
        assert await known_on(session, everyone, ("teams", "sandbox")) == {
            "S3": {"teams"},
            "S4": {"teams"},
        }
        assert await known_on(session, everyone, ("sandbox",)) == {}
        assert await known_on(session, set(), ("slack",)) == {}
