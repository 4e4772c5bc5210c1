"""Roster import: each problem named by file, line and column; nothing written unless all valid."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from handlers.roster.importer import (
    CASE_TYPES,
    ROLES,
    CsvFile,
    RosterError,
    import_roster,
    is_identifying,
    parse_roster,
)
from storage import Sessions
from storage.models import AuditLogEntry, Case, Person, Service, Team
from storage.people import RosterChanges, person_by_staff_id

FIXTURES = Path(__file__).parents[2] / "fixtures" / "roster"
NOW = dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.UTC)
PEOPLE = (FIXTURES / "people.csv").read_text()
CASES = (FIXTURES / "cases.csv").read_text()
CIN = "CIN Team 1,Children in Need & Child Protection"


def fixture(name: str) -> CsvFile:
    return CsvFile(name, (FIXTURES / name).read_bytes())


def text(name: str, body: str) -> CsvFile:
    return CsvFile(name, body.encode())


def person(staff_id: str, **fields: str) -> str:
    """A people.csv row in the fixture's column order, a practitioner under S0003 by default."""
    row = {"name": f"Worker {staff_id}", "email": f"{staff_id.lower()}@council.example"}
    row |= {"role": "practitioner", "team": CIN, "manager_id": "S0003", "asye_start": ""}
    row |= {"last_observed": "", "fte": "1.0", "slack": "", "teams": "", "active": "true"}
    row |= fields
    return ",".join([staff_id, *row.values()]) + "\n"


async def snapshot(sessions: Sessions) -> dict[str, list[Any]]:
    tables = (Service, Team, Person, Case, AuditLogEntry)
    async with sessions() as session:
        return {
            model.__tablename__: [tuple(r) for r in await session.execute(select(model.__table__))]
            for model in tables
        }


async def run(
    sessions: Sessions, people: str, cases: str = CASES, *, deactivate_missing: bool = False
) -> RosterChanges:
    result = await import_roster(
        sessions,
        text("people.csv", people),
        text("cases.csv", cases),
        now=NOW,
        actor="test",
        deactivate_missing=deactivate_missing,
    )
    return result.changes


async def refused(sessions: Sessions, people: str, cases: str = CASES) -> list[str]:
    """Import the fixture, then `people`/`cases`; the refusal must leave the database as it was."""
    await run(sessions, PEOPLE)
    before = await snapshot(sessions)
    with pytest.raises(RosterError) as caught:
        await run(sessions, people, cases)
    assert await snapshot(sessions) == before
    return caught.value.errors


async def test_a_valid_roster_imports_people_managers_and_cases(sqlite_sessions: Sessions) -> None:
    changes = await run(sqlite_sessions, PEOPLE)
    assert changes == RosterChanges(people_added=6, cases_added=4)
    async with sqlite_sessions() as session:
        worker = await person_by_staff_id(session, "S0005")
        cases = {c.case_ref: c for c in (await session.execute(select(Case))).scalars()}
        log = (await session.execute(select(AuditLogEntry))).scalar_one()
    assert worker is not None
    assert (worker.manager_staff_id, worker.asye_start, worker.team) == (
        "S0003",
        dt.date(2026, 9, 1),
        "CIN Team 1",
    )
    assert cases["C-000101"].themes == "domestic abuse;neglect"
    assert cases["C-000104"].status == "closed"
    assert (log.action, log.actor, log.detail["people_added"]) == ("roster.imported", "test", 6)


async def test_unknown_role(sqlite_sessions: Sessions) -> None:
    errors = await refused(sqlite_sessions, PEOPLE + person("S0007", role="social_worker"))
    roles = ", ".join(ROLES)
    assert errors == [
        f"people.csv, line 8, column role: unknown role 'social_worker'; use one of: {roles}"
    ]


async def test_unknown_manager(sqlite_sessions: Sessions) -> None:
    errors = await refused(sqlite_sessions, PEOPLE + person("S0007", manager_id="S0999"))
    assert errors == [
        "people.csv, line 8, column manager_id: manager S0999 is not in people.csv or in qabot"
    ]


async def test_manager_cycle_is_reported_once_at_its_first_line(sqlite_sessions: Sessions) -> None:
    rows = person("S0007", manager_id="S0008") + person("S0008", manager_id="S0007")
    errors = await refused(sqlite_sessions, PEOPLE + rows)
    assert errors == [
        "people.csv, line 8, column manager_id: managers form a loop: S0007 -> S0008 -> S0007; "
        "someone must be at the top"
    ]


async def test_a_cycle_through_someone_already_in_qabot(sqlite_sessions: Sessions) -> None:
    header = PEOPLE.splitlines()[0] + "\n"
    errors = await refused(sqlite_sessions, header + person("S0001", manager_id="S0005"), CASES)
    assert errors == [
        "people.csv, line 2, column manager_id: managers form a loop: "
        "S0001 -> S0005 -> S0003 -> S0002 -> S0001; someone must be at the top"
    ]


async def test_duplicate_staff_id(sqlite_sessions: Sessions) -> None:
    errors = await refused(sqlite_sessions, PEOPLE + person("S0004", email="x@council.example"))
    assert errors == ["people.csv, line 8, column staff_id: staff_id S0004 is also on line 5"]


async def test_duplicate_email_ignores_case(sqlite_sessions: Sessions) -> None:
    errors = await refused(
        sqlite_sessions, PEOPLE + person("S0007", email="Amara.Lowe@council.example")
    )
    assert errors == [
        "people.csv, line 8, column email: Amara.Lowe@council.example is also on line 5"
    ]


async def test_email_held_by_someone_only_in_qabot(sqlite_sessions: Sessions) -> None:
    header = PEOPLE.splitlines()[0] + "\n"
    errors = await refused(
        sqlite_sessions, header + person("S0007", email="jamie.frost@council.example"), CASES
    )
    assert errors == [
        "people.csv, line 2, column email: jamie.frost@council.example already belongs to "
        "S0005 in qabot"
    ]


@pytest.mark.parametrize("fte", ["0", "0.05", "1.5", "full", "-1"])
async def test_invalid_fte(sqlite_sessions: Sessions, fte: str) -> None:
    errors = await refused(sqlite_sessions, PEOPLE + person("S0007", fte=fte))
    assert errors == [
        f"people.csv, line 8, column fte: fte must be a number from 0.1 to 1.0, not {fte!r}"
    ]


async def test_bad_active_value(sqlite_sessions: Sessions) -> None:
    errors = await refused(sqlite_sessions, PEOPLE + person("S0007", active="maybe"))
    assert errors == [
        "people.csv, line 8, column active: active must be true or false, not 'maybe'"
    ]


async def test_unknown_case_type(sqlite_sessions: Sessions) -> None:
    errors = await refused(sqlite_sessions, PEOPLE, CASES + "C-000105,S0004,LAC,2026-01-01,,\n")
    types = ", ".join(CASE_TYPES)
    assert errors == [
        f"cases.csv, line 6, column case_type: unknown case_type 'LAC'; use one of: {types}"
    ]


async def test_case_practitioner_missing(sqlite_sessions: Sessions) -> None:
    errors = await refused(sqlite_sessions, PEOPLE, CASES + "C-000105,S0999,CP,2026-01-01,,\n")
    assert errors == [
        "cases.csv, line 6, column practitioner_id: practitioner S0999 is not in people.csv "
        "or in qabot"
    ]


async def test_open_case_of_an_inactive_practitioner(sqlite_sessions: Sessions) -> None:
    people = PEOPLE + person("S0007", active="false")
    cases = CASES + "C-000105,S0007,CP,2026-01-01,,open\nC-000106,S0007,CP,2025-01-01,,closed\n"
    errors = await refused(sqlite_sessions, people, cases)
    assert errors == [
        "cases.csv, line 6, column practitioner_id: practitioner S0007 is inactive; "
        "an open case needs an active worker"
    ]


async def test_duplicate_case_ref(sqlite_sessions: Sessions) -> None:
    errors = await refused(sqlite_sessions, PEOPLE, CASES + "C-000102,S0005,CIN,2026-01-01,,\n")
    assert errors == ["cases.csv, line 6, column case_ref: case_ref C-000102 is also on line 3"]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2027/01/04", "'2027/01/04' is not a date; write 2027-01-04 or 04/01/2027"),
        ("Jan 4 2027", "'Jan 4 2027' is not a date; write 2027-01-04 or 04/01/2027"),
        ("31/02/2027", "'31/02/2027' is not a real date"),
        ("2027-13-01", "'2027-13-01' is not a real date"),
    ],
)
async def test_dates_other_than_iso_or_uk_are_refused(
    sqlite_sessions: Sessions, value: str, reason: str
) -> None:
    errors = await refused(sqlite_sessions, PEOPLE + person("S0007", last_observed=value))
    assert errors == [f"people.csv, line 8, column last_observed: {reason}"]


async def test_missing_columns_and_values(sqlite_sessions: Sessions) -> None:
    people = "staff_id,name,role,team,service\nS0007,,practitioner,A,B\n"
    errors = await refused(sqlite_sessions, people, CASES.replace("C-000101", ""))
    assert errors == [
        "people.csv, line 1, column email: this required column is missing",
        "cases.csv, line 2, column case_ref: a value is required",
    ]


async def test_forty_bad_rows_give_forty_errors(sqlite_sessions: Sessions) -> None:
    rows = "".join(person(f"S1{n:03d}", fte="2") for n in range(40))
    errors = await refused(sqlite_sessions, PEOPLE + rows)
    assert len(errors) == 40
    assert errors[0].startswith("people.csv, line 8, column fte:")
    assert errors[-1].startswith("people.csv, line 47, column fte:")


async def test_errors_in_both_files_are_all_listed_in_reading_order(
    sqlite_sessions: Sessions,
) -> None:
    people = PEOPLE + person("S0007", role="boss") + person("S0008", active="nope")
    cases = CASES + "C-000105,S0004,CP,yesterday,,\n"
    errors = await refused(sqlite_sessions, people, cases)
    assert [e.split(":")[0] for e in errors] == [
        "people.csv, line 8, column role",
        "people.csv, line 9, column active",
        "cases.csv, line 6, column opened_on",
    ]


async def test_a_file_with_a_bom_crlf_and_uk_dates(sqlite_sessions: Sessions) -> None:
    result = await import_roster(
        sqlite_sessions,
        fixture("people_bom_uk_dates.csv"),
        fixture("cases_bom_uk_dates.csv"),
        now=NOW,
        actor="test",
    )
    assert result.changes == RosterChanges(people_added=2, cases_added=1)
    async with sqlite_sessions() as session:
        lead = await person_by_staff_id(session, "S0101")
        worker = await person_by_staff_id(session, "S0102")
        case = (await session.execute(select(Case))).scalar_one()
    assert lead is not None and lead.last_observed == dt.date(2026, 3, 15)
    assert worker is not None and worker.asye_start == dt.date(2027, 1, 4)
    assert case.opened_on == dt.date(2027, 1, 4)


async def test_extra_columns_are_named_in_a_warning_and_never_stored(
    sqlite_sessions: Sessions,
) -> None:
    result = await import_roster(
        sqlite_sessions,
        fixture("people_extra_columns.csv"),
        fixture("cases_extra_columns.csv"),
        now=NOW,
        actor="test",
    )
    assert result.warnings == (
        "people_extra_columns.csv: ignored columns, not stored: payroll_number, grade, cost_centre",
        "cases_extra_columns.csv: ignored columns, not stored: worker_team",
    )
    stored = repr(await snapshot(sqlite_sessions))
    assert "S0201" in stored
    assert not any(value in stored for value in ("P-77", "SW2", "CC-410"))


async def test_a_child_identifying_column_refuses_the_whole_file(sqlite_sessions: Sessions) -> None:
    await run(sqlite_sessions, PEOPLE)
    before = await snapshot(sqlite_sessions)
    with pytest.raises(RosterError) as caught:
        await import_roster(
            sqlite_sessions,
            text("people.csv", PEOPLE),
            fixture("cases_child_name.csv"),
            now=NOW,
            actor="test",
        )
    reason = (
        "looks like child-identifying data; qabot keeps case references only, so the whole "
        "file is refused. Remove the column and export again"
    )
    assert caught.value.errors == [
        f"cases_child_name.csv, line 1, column child_name: {reason}",
        f"cases_child_name.csv, line 1, column dob: {reason}",
    ]
    assert "Example Child" not in str(caught.value)
    assert await snapshot(sqlite_sessions) == before


@pytest.mark.parametrize(
    ("column", "in_cases", "refused"),
    [
        ("Date of Birth", False, True),
        ("NHS Number", False, True),
        ("postcode", True, True),
        ("Address Line 1", True, True),
        ("Child's name", True, True),
        ("first_name", True, True),
        ("Surname", True, True),
        ("name", True, True),
        ("first_name", False, False),
        ("email_address", False, False),
        ("practitioner_name", True, False),
        ("grade", False, False),
    ],
)
def test_which_columns_look_child_identifying(column: str, in_cases: bool, refused: bool) -> None:
    assert is_identifying(column, cases=in_cases) is refused


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", "people.csv, line 1: no header row; the first line must name the columns "),
        (b"S0001,Ann,ann@x.example\n", "people.csv, line 1: no header row;"),
        (b"staff_id,name\n\xff\xfe", "people.csv, line 1: is not UTF-8 text (byte 15);"),
    ],
)
def test_files_without_a_header_or_not_utf8(data: bytes, error: str) -> None:
    with pytest.raises(RosterError) as caught:
        parse_roster(CsvFile("people.csv", data), text("cases.csv", CASES), {})
    assert caught.value.errors[0].startswith(error)


def test_a_row_with_more_values_than_columns() -> None:
    people = PEOPLE + person("S0007").rstrip("\n") + ",surplus\n"
    with pytest.raises(RosterError) as caught:
        parse_roster(text("people.csv", people), text("cases.csv", CASES), {})
    assert caught.value.errors == ["people.csv, line 8: 14 values, but the header names 13 columns"]


async def test_reimporting_the_same_files_changes_nothing(sqlite_sessions: Sessions) -> None:
    await run(sqlite_sessions, PEOPLE)
    before = await snapshot(sqlite_sessions)
    assert await run(sqlite_sessions, PEOPLE) == RosterChanges()
    after = await snapshot(sqlite_sessions)
    assert {k: v for k, v in after.items() if k != "audit_log"} == {
        k: v for k, v in before.items() if k != "audit_log"
    }
    assert len(after["audit_log"]) == 2


async def test_cases_may_name_people_already_in_qabot(sqlite_sessions: Sessions) -> None:
    await run(sqlite_sessions, PEOPLE)
    header = PEOPLE.splitlines()[0] + "\n"
    changes = await run(sqlite_sessions, header, "case_ref,practitioner_id,case_type,opened_on\n"
                        "C-000900,S0004,SEND,2026-12-01\n")  # fmt: skip
    assert changes == RosterChanges(cases_added=1)
