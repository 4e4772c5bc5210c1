"""`qabot practice-week load` and `qabot practice-week draft`: a practice week's schedule."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import TypeVar

from bot.settings import load_settings
from handlers.core.calendar import Calendar
from handlers.core.deps import Deps
from handlers.core.permissions import operator
from handlers.errors import UserError
from handlers.practice_weeks.load import ScheduleError, draft_week, load_schedule
from handlers.practice_weeks.reading import READ_FINDINGS, week_findings
from handlers.programme.schema import Programme, load_programme
from handlers.roster.csv_rows import CsvFile
from message_templates.model import Message
from message_templates.text import to_plain_text
from message_templates.wording import Wording
from scheduler.clock import VirtualClock
from storage import Sessions, make_engine, make_sessions, upgrade

T = TypeVar("T")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    week = subparsers.add_parser(
        "practice-week", help="load or draft a practice week's schedule of visits"
    )
    actions = week.add_subparsers(dest="practice_week_action", required=True)
    load = actions.add_parser(
        "load",
        help="load schedule.csv: all of it, or nothing",
        description="Load a practice week's schedule (columns visitor, team, day, slot, "
        "activity). Every problem is listed with its line and column, and nothing is stored "
        "unless the whole file is valid. Loading the same week again replaces its visits.",
    )
    load.add_argument("schedule", type=Path, help="schedule.csv")
    load.add_argument("--activity", metavar="ID", help="the programme's practice week, if several")
    _operator_argument(load)
    load.set_defaults(handler=run_load)
    draft = actions.add_parser(
        "draft",
        help="write a draft schedule to edit and load",
        description="Pair the senior leaders the programme names with teams across the week, "
        "in turn and never with their own team, as a CSV to edit and then load.",
    )
    draft.add_argument(
        "--week", type=_date, required=True, metavar="DATE", help="a day in the week, 2027-03-08"
    )
    draft.add_argument("--out", type=Path, metavar="FILE", help="write here (default: print)")
    draft.add_argument("--activity", metavar="ID", help="the programme's practice week, if several")
    _operator_argument(draft)
    draft.set_defaults(handler=run_draft)
    read = actions.add_parser(
        "findings",
        help="each visit's findings and the team's feedback",
        description="Print each visit's findings (and grade) and the visited team's feedback, "
        "for the practice week that DATE is in (or the latest before it). An answer that names "
        "a case or a child's details is held back.",
    )
    read.add_argument(
        "--week", type=_date, required=True, metavar="DATE", help="a day in the week, 2027-03-08"
    )
    _operator_argument(read)
    read.set_defaults(handler=run_findings)


def _operator_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as",
        dest="staff_id",
        metavar="STAFF_ID",
        help="who you are (default: QABOT_STAFF_ID); only the roles the programme names may "
        "load, draft or read practice weeks",
    )


def operator_of(args: argparse.Namespace, env: Mapping[str, str]) -> str | None:
    """The staff id given with --as, or QABOT_STAFF_ID."""
    given: str | None = args.staff_id or env.get("QABOT_STAFF_ID") or None
    return given


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date like 2027-03-08: {text!r}") from None


def _with_sessions(url: str, work: Callable[[Sessions], Awaitable[T]]) -> T:
    async def go() -> T:
        engine = make_engine(url)
        try:
            return await work(make_sessions(engine))
        finally:
            await engine.dispose()

    return asyncio.run(go())


def _programme(env: Mapping[str, str]) -> tuple[str, Programme, Calendar]:
    settings = load_settings(env)
    programme = load_programme(settings.programme)
    upgrade(settings.database_url)
    return settings.database_url, programme, Calendar.from_programme(programme)


def run_load(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    try:
        source = CsvFile(args.schedule.name, args.schedule.read_bytes())
    except OSError as error:
        raise UserError(f"cannot read {args.schedule}: {error.strerror or error}") from None
    url, programme, calendar = _programme(env)
    by = operator_of(args, env)
    try:
        loaded = _with_sessions(
            url,
            lambda s: load_schedule(s, programme, calendar, source, args.activity, by=by),
        )
    except ScheduleError as error:
        for problem in error.errors:
            print(problem, file=sys.stderr)
        print(f"qabot: nothing was loaded; {len(error.errors)} problem(s) above", file=sys.stderr)
        return 2
    verb = "replaced" if loaded.replaced else "loaded"
    print(
        f"{loaded.title} {loaded.starts_on.isoformat()} to {loaded.ends_on.isoformat()}: "
        f"{loaded.visits} visits {verb}"
    )
    return 0


def run_draft(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    url, programme, calendar = _programme(env)
    by = operator_of(args, env)
    drafted = _with_sessions(
        url, lambda s: draft_week(s, programme, calendar, args.week, args.activity, by=by)
    )
    if args.out is None:
        sys.stdout.write(drafted.csv)
    else:
        try:
            args.out.write_text(drafted.csv, encoding="utf-8")
        except OSError as error:
            raise UserError(f"cannot write {args.out}: {error.strerror or error}") from None
        print(f"qabot: wrote {args.out} ({drafted.visits} visits); edit it, then load it")
    for team in drafted.unvisited:
        print(f"qabot: warning: no one could be paired with {team}", file=sys.stderr)
    return 0


def run_findings(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    url, programme, calendar = _programme(env)
    wording = Wording(load_settings(env).templates_dir)
    by = operator_of(args, env)

    async def read(sessions: Sessions) -> Message:
        # dates are written as on the week asked about
        clock = VirtualClock(calendar.day_starts_at(args.week))
        deps = Deps(sessions=sessions, wording=wording, clock=clock, programme=programme,
                    calendar=calendar)  # fmt: skip
        async with sessions() as session:
            await operator(session, programme, by, READ_FINDINGS)
            return await week_findings(deps, session, args.week)

    print(to_plain_text(_with_sessions(url, read)))
    return 0
