"""`qabot simulate`: preview the programme over a date range; nothing is sent (SPEC §5, §6).

It never opens QABOT_DATABASE_URL: the run uses a temporary SQLite database holding the
council's files (or a demo council), and production's own sweeps, router, outbox and dispatcher.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from bot.app import build_router, build_sweeps
from bot.settings import load_settings
from handlers.core.parsing import parse_date
from handlers.errors import UserError
from handlers.programme.schema import Programme, load_programme
from handlers.roster.importer import CsvFile, RosterError
from scheduler._simulation_output import FIELDS, counts_by_month
from scheduler.simulation import Behaviour, Council, SimulationResult, Wiring, run_simulation

Number = TypeVar("Number", int, float)
EXAMPLES_PER_TYPE = 3
QUIET_LOGGERS = ("scheduler", "handlers", "storage", "alembic")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "simulate",
        help="preview the programme over a date range; nothing is sent",
        description="Run the programme day by day on a temporary database with a virtual clock "
        "and simulated people, and print every message qabot would send. Your database is "
        "never touched.",
    )
    parser.add_argument("--from", dest="start", metavar="DATE", help="first day, e.g. 2027-01-04")
    parser.add_argument("--to", dest="end", metavar="DATE", help="last day, e.g. 31/12/2027")
    parser.add_argument("--programme", metavar="P", help="preset or file (default QABOT_PROGRAMME)")
    parser.add_argument("--people", type=Path, metavar="F", help="people.csv (with --cases)")
    parser.add_argument("--cases", type=Path, metavar="F", help="cases.csv (with --people)")
    parser.add_argument("--demo-people", default="300", metavar="N", help="demo council size")
    parser.add_argument("--seed", default="1", metavar="S", help="the same seed, the same run")
    parser.add_argument("--respond-rate", default="0.7", metavar="R", help="share on time")
    parser.add_argument("--late-rate", default="0.2", metavar="L", help="share late")
    parser.add_argument("--json", action="store_true", help="one JSON object per message")
    parser.set_defaults(handler=run_simulate)


@dataclass(frozen=True)
class Request:
    programme: Programme
    start: dt.date
    end: dt.date
    council: Council
    seed: int
    behaviour: Behaviour


def run_simulate(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    request = parse_request(args, env)
    wiring = Wiring(router=build_router, sweeps=build_sweeps)
    try:
        with _quiet(not getattr(args, "verbose", False)):
            result = asyncio.run(
                run_simulation(request.programme, wiring, request.start, request.end,
                               council=request.council, seed=request.seed,
                               behaviour=request.behaviour)
            )  # fmt: skip
    except RosterError as error:
        for problem in error.errors:
            print(problem, file=sys.stderr)
        count = len(error.errors)
        print(f"qabot: nothing was simulated; {count} problem(s) above", file=sys.stderr)
        return 2
    lines = result.lines()
    text = [json.dumps(line, ensure_ascii=False) for line in lines] if args.json else None
    sys.stdout.write("\n".join(text or summary(request, result, lines)) + "\n")
    return 0


@contextmanager
def _quiet(wanted: bool) -> Iterator[None]:
    """A year of deliveries would log a line each: keep the run's own logs to warnings."""
    loggers = [logging.getLogger(name) for name in QUIET_LOGGERS] if wanted else []
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def parse_request(args: argparse.Namespace, env: Mapping[str, str]) -> Request:
    """Every argument checked before anything runs; a problem is one clear line."""
    start, end = _day(args.start, "--from"), _day(args.end, "--to")
    if (args.people is None) != (args.cases is None):
        raise UserError("give --people and --cases together, or neither for a demo council")
    council = Council(demo_people=_number(args.demo_people, "--demo-people", int))
    if args.people is not None:
        council = Council(_read(args.people), _read(args.cases))
    behaviour = Behaviour(
        _number(args.respond_rate, "--respond-rate", float),
        _number(args.late_rate, "--late-rate", float),
    )
    programme = load_programme(args.programme or load_settings(env).programme)
    return Request(programme, start, end, council, _number(args.seed, "--seed", int), behaviour)


def _day(text: str | None, option: str) -> dt.date:
    if not text:
        raise UserError(f"{option} is needed: a date like 2027-01-04 or 04/01/2027")
    day = parse_date(text.strip())
    if day is None:
        raise UserError(f"{option} must be a date like 2027-01-04 or 04/01/2027, not {text!r}")
    return day


def _number(text: str, option: str, kind: Callable[[str], Number]) -> Number:
    try:
        return kind(text.strip())
    except ValueError:
        raise UserError(f"{option} must be a number, not {text!r}") from None


def _read(path: Path) -> CsvFile:
    try:
        return CsvFile(path.name, path.read_bytes())
    except OSError as error:
        raise UserError(f"cannot read {path}: {error.strerror or error}") from None


def summary(request: Request, result: SimulationResult, lines: list[dict[str, Any]]) -> list[str]:
    """Counts per type per month, what people did, and the first few lines of each type."""
    people = "from your files" if request.council.people else "a demo council"
    out = [
        f"qabot simulate: {request.programme.name}, {request.start} to {request.end}, "
        f"{people}, seed {request.seed}. Nothing was sent.",
        f"{len(lines)} messages; {len(result.responses)} responses by simulated people.",
        "",
    ]
    out += _table(lines, _months(request.start, request.end))
    out += ["", "Simulated people:", *_responses(result)]
    for kind, examples in _examples(lines).items():
        out += ["", kind] + [f"  {_readable(line)}" for line in examples]
    return out


def _months(start: dt.date, end: dt.date) -> list[str]:
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _table(lines: list[dict[str, Any]], months: list[str]) -> list[str]:
    counts = counts_by_month(lines)
    width = max([len("type"), *(len(t) for t in counts)])
    head = f"{'type':<{width}} " + " ".join(f"{m[2:]:>5}" for m in months) + "  total"
    rows = [
        f"{kind:<{width}} " + " ".join(f"{by_month[m]:>5}" for m in months)
        + f"  {sum(by_month.values()):>5}"
        for kind, by_month in sorted(counts.items())
    ]  # fmt: skip
    return [head, *rows] if rows else ["No messages in this range."]


def _responses(result: SimulationResult) -> list[str]:
    done: dict[str, int] = {}
    for response in result.responses:
        done[response.event] = done.get(response.event, 0) + 1
    refused = sum(r.answer == "user_error" for r in result.responses)
    outcomes = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in result.outcomes.items())
    lines = [f"  tasks: {outcomes}"]
    lines += [f"  {event}: {n}" for event, n in sorted(done.items())]
    if refused:
        lines.append(f"  {refused} came too late to count (qabot said so politely)")
    return lines


def _examples(lines: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        examples = found.setdefault(line["type"], [])
        if len(examples) < EXAMPLES_PER_TYPE:
            examples.append(line)
    return dict(sorted(found.items()))


def _readable(line: dict[str, Any]) -> str:
    at = dt.datetime.fromisoformat(line["at"]).strftime("%a %d %b %Y %H:%M")
    fields = " ".join(f"{name}={line[name]}" for name in FIELDS if name in line)
    items = f" (+{len(line['items']) - 1} more gathered)" if "items" in line else ""
    return f"{at}  to {line['recipient']}  {fields}{items}"
