"""Reading a CSV export into rows by column name, each problem kept with its line and column."""

from __future__ import annotations

import _csv
import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
_UK = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_FLAGS = {"true": True, "yes": True, "y": True, "1": True, "false": False, "no": False, "n": False}
_FLAGS |= {"0": False}


@dataclass(frozen=True)
class CsvFile:
    """A CSV export as bytes, with the name used in messages."""

    name: str
    data: bytes


@dataclass
class Problems:
    """Problems kept with their file and line, so they print in reading order."""

    found: list[tuple[int, int, str]] = field(default_factory=list)

    def add(self, table: Table, line: int, column: str | None, reason: str) -> None:
        where = f"{table.name}, line {line}" + (f", column {column}" if column else "")
        self.found.append((table.rank, line, f"{where}: {reason}"))

    def messages(self) -> list[str]:
        return [message for _, _, message in sorted(self.found, key=lambda p: (p[0], p[1]))]


@dataclass
class Table:
    name: str
    rank: int
    problems: Problems
    rows: list[Row] = field(default_factory=list)
    readable: bool = False


@dataclass(slots=True)
class Row:
    """One data row: each getter records its own problem and returns a harmless value."""

    table: Table
    line: int
    cells: dict[str, str]
    failed: bool = False

    def fail(self, column: str, reason: str) -> None:
        self.failed = True
        self.table.problems.add(self.table, self.line, column, reason)

    def text(self, column: str, limit: int, *, required: bool = False) -> str:
        value = self.cells.get(column, "")
        if required and not value:
            self.fail(column, "a value is required")
        elif len(value) > limit:
            self.fail(column, f"is {len(value)} characters long; at most {limit} fit")
        return value

    def choice(self, column: str, options: Mapping[str, str], default: str | None = None) -> str:
        value = self.cells.get(column, "")
        if not value and default is not None:
            return default
        if value.lower() not in options:
            listed = ", ".join(options.values())
            self.fail(column, f"unknown {column} {value!r}; use one of: {listed}")
            return ""
        return options[value.lower()]

    def date(self, column: str, *, required: bool = False) -> dt.date | None:
        value = self.cells.get(column, "")
        if not value:
            if required:
                self.fail(column, "a date is required")
            return None
        try:
            if _ISO.fullmatch(value):
                return dt.date.fromisoformat(value)
            if uk := _UK.fullmatch(value):
                return dt.date(int(uk[3]), int(uk[2]), int(uk[1]))
        except ValueError:
            self.fail(column, f"{value!r} is not a real date")
            return None
        self.fail(column, f"{value!r} is not a date; write 2027-01-04 or 04/01/2027")
        return None

    def fte(self) -> float:
        value = self.cells.get("fte", "") or "1.0"
        try:
            number = float(value)
        except ValueError:
            number = -1.0
        if not 0.1 <= number <= 1.0:
            self.fail("fte", f"fte must be a number from 0.1 to 1.0, not {value!r}")
        return number

    def flag(self, column: str) -> bool:
        value = self.cells.get(column, "").lower() or "true"
        if value not in _FLAGS:
            self.fail(column, f"{column} must be true or false, not {value!r}")
        return _FLAGS.get(value, True)


def read_table(
    source: CsvFile,
    rank: int,
    columns: Mapping[str, bool],
    problems: Problems,
    refuse: Callable[[str], bool],
) -> tuple[Table, list[str]]:
    """The file's rows by column name, after checking its encoding and header row.

    `refuse` names columns whose presence rejects the whole file; extra columns are returned.
    """
    table = Table(source.name, rank, problems)
    try:
        text = source.data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        reason = f"is not UTF-8 text (byte {error.start + 1}); save it as 'CSV UTF-8' and retry"
        problems.add(table, 1, None, reason)
        return table, []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [cell.strip().lower() for cell in next(reader, [])]
    except csv.Error as error:
        problems.add(table, 1, None, f"cannot be read as CSV: {error}")
        return table, []
    extras = [name or f"(unnamed column {i + 1})" for i, name in enumerate(header)]
    extras = [name for name in extras if name not in columns]
    if _check_header(table, header, columns, refuse):
        table.readable = _read_rows(table, reader, header, columns)
    return table, extras


def _check_header(
    table: Table, header: list[str], columns: Mapping[str, bool], refuse: Callable[[str], bool]
) -> bool:
    refused = [name for name in header if refuse(name)]
    for name in refused:
        reason = (
            "looks like child-identifying data; qabot keeps case references only, so the "
            "whole file is refused. Remove the column and export again"
        )
        table.problems.add(table, 1, name, reason)
    if refused:
        return False
    required = [name for name, needed in columns.items() if needed]
    if not set(header) & set(columns):
        reason = f"no header row; the first line must name the columns ({', '.join(required)})"
        table.problems.add(table, 1, None, reason)
        return False
    ok = True
    for name in sorted({name for name in header if name and header.count(name) > 1}):
        table.problems.add(table, 1, name, "the column appears more than once")
        ok = False
    for name in required:
        if name not in header:
            table.problems.add(table, 1, name, "this required column is missing")
            ok = False
    return ok


def _read_rows(
    table: Table, reader: _csv.Reader, header: list[str], columns: Mapping[str, bool]
) -> bool:
    """Collect the non-blank rows; False when the file breaks off as unreadable CSV."""
    wanted = [(i, name) for i, name in enumerate(header) if name in columns]
    start = reader.line_num + 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            if not "".join(cells).strip():
                continue
            if len(cells) > len(header) and "".join(cells[len(header) :]).strip():
                reason = f"{len(cells)} values, but the header names {len(header)} columns"
                table.problems.add(table, line, None, reason)
                continue
            values = {name: cells[i].strip() for i, name in wanted if i < len(cells)}
            table.rows.append(Row(table, line, values))
    except csv.Error as error:
        table.problems.add(table, reader.line_num, None, f"cannot be read as CSV: {error}")
        return False
    return True
