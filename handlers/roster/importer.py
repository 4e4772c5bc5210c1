"""Read people.csv and cases.csv into validated records: every problem found, nothing guessed.

Parsing is pure; `import_roster` is the one unit of work that checks against and writes storage.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from handlers.errors import UserError
from handlers.roster.csv_rows import CsvFile, Problems, Row, Table, read_table
from storage import Sessions
from storage.people import (
    CaseRecord,
    KnownPerson,
    PersonRecord,
    Roster,
    RosterChanges,
    apply_roster,
    known_people,
)

__all__ = [
    "CASE_COLUMNS",
    "CASE_TYPES",
    "PEOPLE_COLUMNS",
    "ROLES",
    "CsvFile",
    "ImportResult",
    "ParsedRoster",
    "RosterError",
    "import_roster",
    "is_identifying",
    "parse_roster",
]

ROLES = (
    "practitioner", "senior_practitioner", "advanced_practitioner", "team_manager",
    "deputy_team_manager", "service_manager", "head_of_service", "iro", "cp_chair",
    "principal_social_worker", "qa_officer", "qa_manager", "director", "other",
)  # fmt: skip
CASE_TYPES = ("EH", "CIN", "CP", "CLA", "CL", "YJ", "SEND", "other")
STATUSES = ("open", "closed")
PEOPLE_COLUMNS = {
    "staff_id": True, "name": True, "email": True, "role": True, "team": True, "service": True,
    "manager_id": False, "asye_start": False, "last_observed": False, "fte": False,
    "slack_user_id": False, "teams_user_id": False, "active": False,
}  # fmt: skip
CASE_COLUMNS = {
    "case_ref": True, "practitioner_id": True, "case_type": True, "opened_on": True,
    "themes": False, "status": False,
}  # fmt: skip
_IDENTIFYING = re.compile(
    r"child|pupil|birth|street|national_insurance|post_?code|^address|home_address"
    r"|(^|_)(dob|upn|nhs|ni)(_|$)"
)
_CHILD_NAME = re.compile(r"(^|_)(first|last|given|family|middle|sur|fore|full)_?names?$|^name$")
_ROLE_OPTIONS = {role: role for role in ROLES}
_TYPE_OPTIONS = {case_type.lower(): case_type for case_type in CASE_TYPES}
_STATUS_OPTIONS = {status: status for status in STATUSES}


class RosterError(UserError):
    """The import was refused; `errors` holds every problem, each naming file, line and column."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class ParsedRoster:
    roster: Roster
    warnings: tuple[str, ...]


def _normalise(column: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", column.lower()).strip("_")


def is_identifying(column: str, *, cases: bool) -> bool:
    """Whether a column looks like child-identifying data (in cases.csv any name counts too)."""
    name = _normalise(column)
    return bool(_IDENTIFYING.search(name) or (cases and _CHILD_NAME.search(name)))


def parse_roster(
    people: CsvFile,
    cases: CsvFile,
    known: Mapping[str, KnownPerson],
    *,
    deactivate_missing: bool = False,
) -> ParsedRoster:
    """Validate both files against each other and the people qabot `known`s; raise RosterError.

    Nothing is written here: the caller applies the returned roster in one unit of work.
    """
    problems = Problems()
    people_table, people_extras = read_table(
        people, 0, PEOPLE_COLUMNS, problems, lambda c: is_identifying(c, cases=False)
    )
    cases_table, case_extras = read_table(
        cases, 1, CASE_COLUMNS, problems, lambda c: is_identifying(c, cases=True)
    )
    records = [(row, _person(row)) for row in people_table.rows]
    staff = _Staff(people_table, known, deactivate_missing)
    staff.check([(row, record) for row, record in records if record is not None])
    case_records = _cases(cases_table, staff)
    if problems.found:
        raise RosterError(problems.messages())
    roster = Roster(
        people=tuple(record for _, record in records if record is not None),
        cases=tuple(case_records),
        deactivate_missing=deactivate_missing,
    )
    warnings = [
        f"{source.name}: ignored columns, not stored: {', '.join(extras)}"
        for source, extras in ((people, people_extras), (cases, case_extras))
        if extras
    ]
    return ParsedRoster(roster, tuple(warnings))


@dataclass(frozen=True)
class ImportResult:
    changes: RosterChanges
    warnings: tuple[str, ...]


async def import_roster(
    sessions: Sessions,
    people: CsvFile,
    cases: CsvFile,
    *,
    now: dt.datetime,
    actor: str,
    deactivate_missing: bool = False,
) -> ImportResult:
    """Validate against the database and apply in one unit of work: all of it, or nothing."""
    async with sessions.begin() as session:
        known = await known_people(session)
        parsed = parse_roster(people, cases, known, deactivate_missing=deactivate_missing)
        changes = await apply_roster(session, parsed.roster, now=now, actor=actor)
    return ImportResult(changes, parsed.warnings)


def _person(row: Row) -> PersonRecord | None:
    record = PersonRecord(
        staff_id=row.text("staff_id", 64, required=True),
        name=row.text("name", 200, required=True),
        email=_email(row),
        role=row.choice("role", _ROLE_OPTIONS),
        team=row.text("team", 200, required=True),
        service=row.text("service", 200, required=True),
        manager_staff_id=row.text("manager_id", 64) or None,
        asye_start=row.date("asye_start"),
        last_observed=row.date("last_observed"),
        fte=row.fte(),
        slack_user_id=row.text("slack_user_id", 32) or None,
        teams_user_id=row.text("teams_user_id", 64) or None,
        active=row.flag("active"),
    )
    return None if row.failed else record


def _email(row: Row) -> str:
    email = row.text("email", 320, required=True)
    local, _, domain = email.partition("@")
    if email and (not local or "." not in domain or " " in email or "@" in domain):
        row.fail("email", f"{email!r} is not an email address")
    return email


def _case(row: Row) -> CaseRecord | None:
    themes = (" ".join(theme.split()).lower() for theme in row.cells.get("themes", "").split(";"))
    record = CaseRecord(
        case_ref=row.text("case_ref", 64, required=True),
        practitioner_staff_id=row.text("practitioner_id", 64, required=True),
        case_type=row.choice("case_type", _TYPE_OPTIONS),
        opened_on=row.date("opened_on", required=True) or dt.date.min,
        themes=tuple(theme for theme in themes if theme),
        status=row.choice("status", _STATUS_OPTIONS, default="open"),
    )
    return None if row.failed else record


class _Staff:
    """Who will be on the roster after the import: the database's people, overlaid by the file."""

    def __init__(
        self, table: Table, known: Mapping[str, KnownPerson], deactivate_missing: bool
    ) -> None:
        self.table = table
        self.known = known
        self.active = {sid: p.active and not deactivate_missing for sid, p in known.items()}
        self.manager = {sid: p.manager_staff_id for sid, p in known.items()}
        self.lines: dict[str, int] = {}
        self.unsure = {row.cells.get("staff_id", "") for row in table.rows if row.failed}

    def is_unsure(self, staff_id: str) -> bool:
        """A reference to a row already reported as wrong, or into an unreadable file."""
        return staff_id not in self.active and (staff_id in self.unsure or not self.table.readable)

    def check(self, records: list[tuple[Row, PersonRecord]]) -> None:
        emails: dict[str, int] = {}
        for row, record in records:
            if record.staff_id in self.lines:
                line = self.lines[record.staff_id]
                row.fail("staff_id", f"staff_id {record.staff_id} is also on line {line}")
                continue
            self.lines[record.staff_id] = row.line
            self.active[record.staff_id] = record.active
            self.manager[record.staff_id] = record.manager_staff_id
            first = emails.setdefault(record.email.casefold(), row.line)
            if first != row.line:
                row.fail("email", f"{record.email} is also on line {first}")
        self._check_known_emails(records)
        for row, record in records:
            self._check_manager(row, record)
        self._check_cycles()

    def _check_known_emails(self, records: list[tuple[Row, PersonRecord]]) -> None:
        held = {p.email.casefold(): sid for sid, p in self.known.items() if sid not in self.lines}
        for row, record in records:
            holder = held.get(record.email.casefold())
            if holder is not None and self.lines.get(record.staff_id) == row.line:
                row.fail("email", f"{record.email} already belongs to {holder} in qabot")

    def _check_manager(self, row: Row, record: PersonRecord) -> None:
        manager = record.manager_staff_id
        if manager is None or self.lines.get(record.staff_id) != row.line:
            return
        if self.is_unsure(manager):
            return
        if manager not in self.active:
            row.fail("manager_id", f"manager {manager} is not in {self.table.name} or in qabot")
        elif record.active and not self.active[manager]:
            row.fail(
                "manager_id",
                f"manager {manager} is inactive; give {record.staff_id} an active manager",
            )

    def _check_cycles(self) -> None:
        """Report each loop of line managers once, at its earliest line in the file."""
        settled: set[str] = set()
        for start in self.lines:
            path: list[str] = []
            node: str | None = start
            while node is not None and node in self.active and node not in settled:
                if node in path:
                    self._report_cycle(path[path.index(node) :])
                    break
                path.append(node)
                node = self.manager.get(node)
            settled.update(path)

    def _report_cycle(self, cycle: list[str]) -> None:
        first = min((sid for sid in cycle if sid in self.lines), key=self.lines.__getitem__)
        at = cycle.index(first)
        loop = [*cycle[at:], *cycle[:at], first]
        reason = f"managers form a loop: {' -> '.join(loop)}; someone must be at the top"
        self.table.problems.add(self.table, self.lines[first], "manager_id", reason)


def _cases(table: Table, staff: _Staff) -> list[CaseRecord]:
    records: list[CaseRecord] = []
    lines: dict[str, int] = {}
    for row in table.rows:
        record = _case(row)
        if record is None:
            continue
        if record.case_ref in lines:
            row.fail(
                "case_ref", f"case_ref {record.case_ref} is also on line {lines[record.case_ref]}"
            )
            continue
        lines[record.case_ref] = row.line
        worker = record.practitioner_staff_id
        if worker not in staff.active and not staff.is_unsure(worker):
            row.fail(
                "practitioner_id", f"practitioner {worker} is not in {staff.table.name} or in qabot"
            )
        elif record.status == "open" and not staff.active.get(worker, True):
            reason = f"practitioner {worker} is inactive; an open case needs an active worker"
            row.fail("practitioner_id", reason)
        records.append(record)
    return records
