"""`qabot import` and `qabot demo-data`: bring a council's roster in, or make a fictional one."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
from collections.abc import Mapping
from pathlib import Path

from bot.settings import load_settings
from handlers.errors import UserError
from handlers.roster.demo import REFERENCE_DAY, write_demo_council
from handlers.roster.importer import CsvFile, ImportResult, RosterError, import_roster
from storage import make_engine, make_sessions, upgrade


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    importer = subparsers.add_parser(
        "import",
        help="import people.csv and cases.csv: all of it, or nothing",
        description="Import the HR roster and the case list. Every problem is listed with its "
        "file, line and column, and nothing is written unless both files are valid.",
    )
    importer.add_argument("people", type=Path, help="people.csv from HR")
    importer.add_argument("cases", type=Path, help="cases.csv from the case-management system")
    importer.add_argument(
        "--deactivate-missing",
        action="store_true",
        help="mark people missing from people.csv as leavers and close open cases missing "
        "from cases.csv (their history is kept)",
    )
    importer.set_defaults(handler=run_import)
    demo = subparsers.add_parser(
        "demo-data", help="write people.csv and cases.csv for a fictional council"
    )
    demo.add_argument("--people", type=int, default=300, metavar="N", help="staff (default 300)")
    demo.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder to write")
    demo.add_argument(
        "--seed", type=int, default=1, metavar="S", help="the same seed, the same council"
    )
    demo.add_argument(
        "--as-of",
        type=dt.date.fromisoformat,
        default=REFERENCE_DAY,
        metavar="DATE",
        help=f"the day dates count back from (default {REFERENCE_DAY.isoformat()})",
    )
    demo.set_defaults(handler=run_demo_data)


def run_import(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    settings = load_settings(env)
    people, cases = _read(args.people), _read(args.cases)
    upgrade(settings.database_url)
    try:
        result = asyncio.run(
            _import(
                settings.database_url, people, cases, deactivate_missing=args.deactivate_missing
            )
        )
    except RosterError as error:
        for problem in error.errors:
            print(problem, file=sys.stderr)
        print(f"qabot: nothing was imported; {len(error.errors)} problem(s) above", file=sys.stderr)
        return 2
    for warning in result.warnings:
        print(f"qabot: warning: {warning}", file=sys.stderr)
    changes = result.changes
    print(
        f"people: {changes.people_added} added, {changes.people_updated} updated, "
        f"{changes.people_deactivated} deactivated"
    )
    print(
        f"cases: {changes.cases_added} added, {changes.cases_updated} updated, "
        f"{changes.cases_closed} closed"
    )
    return 0


def _read(path: Path) -> CsvFile:
    try:
        return CsvFile(path.name, path.read_bytes())
    except OSError as error:
        raise UserError(f"cannot read {path}: {error.strerror or error}") from None


async def _import(
    url: str, people: CsvFile, cases: CsvFile, *, deactivate_missing: bool
) -> ImportResult:
    engine = make_engine(url)
    try:
        return await import_roster(
            make_sessions(engine),
            people,
            cases,
            now=dt.datetime.now(dt.UTC),
            actor="cli",
            deactivate_missing=deactivate_missing,
        )
    finally:
        await engine.dispose()


def run_demo_data(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    summary = write_demo_council(args.out, args.people, args.seed, args.as_of)
    print(
        f"qabot: wrote {summary.people_csv} ({summary.people} people in {summary.teams} teams, "
        f"{summary.practitioners} practitioners) and {summary.cases_csv} "
        f"({summary.open_cases} open and {summary.closed_cases} closed cases)"
    )
    return 0
