"""`qabot allocate --period YYYY-MM [--dry-run] [--explain] [--activity ID] [--theme NAME
[--theme-cases FILE]]`: run a round.

`--theme` names a themed round's theme before it is allocated: a theme under the activity's
`themes` (its tags, case types, services), or a tag; `--theme-cases` gives the theme's group as
an uploaded list of case references (one a line, or a CSV with a `case_ref` column).

The plan is printed for the QA team at the terminal (case references included: it is theirs);
`--dry-run` writes nothing and sends nothing; running a stored round again changes nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import re
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.exc import OperationalError, ProgrammingError

from bot.settings import Settings, load_settings
from handlers.case_audit.allocation.plan import AllocationPlan
from handlers.case_audit.cycle import RoundResult, run_allocation
from handlers.core.calendar import Calendar
from handlers.core.deps import Deps
from handlers.core.parsing import parse_date
from handlers.errors import UserError
from handlers.programme.schema import CaseAudit, Programme, Theme, load_programme
from message_templates.wording import Wording
from scheduler.clock import Clock, SystemClock, VirtualClock
from storage import make_engine, make_sessions

PERIOD = re.compile(r"^(\d{4})-(\d{2})$")
CASE_REF = re.compile(r"^\S{1,64}$")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "allocate",
        help="allocate a period's case audits (preview with --dry-run)",
        description="Allocate cases to auditors for one period, and tell everyone involved.",
    )
    parser.add_argument("--period", required=True, metavar="YYYY-MM", help="e.g. 2027-01")
    parser.add_argument("--dry-run", action="store_true", help="show the plan; write nothing")
    parser.add_argument("--explain", action="store_true", help="say why, pair by pair")
    parser.add_argument("--activity", metavar="ID", help="one case audit (default: every one)")
    parser.add_argument(
        "--as-of",
        metavar="DATE",
        help="allocate as on that day's working morning, e.g. to preview a round ahead "
        "(default: now)",
    )
    parser.add_argument(
        "--theme",
        metavar="NAME",
        help="the round's theme: one defined under the activity's themes, or a case tag",
    )
    parser.add_argument(
        "--theme-cases",
        metavar="FILE",
        help="the theme's cases as a list of case references (one a line, or a case_ref column)",
    )
    parser.set_defaults(handler=run_allocate)


def parse_period(text: str) -> tuple[int, int]:
    """YYYY-MM, a real month; anything else is one clear line."""
    found = PERIOD.match(text.strip())
    if found is None or not 1 <= int(found.group(2)) <= 12:
        raise UserError(f"--period must be a month like 2027-01, not {text!r}")
    return int(found.group(1)), int(found.group(2))


def chosen(programme: Programme, activity_id: str | None) -> list[CaseAudit]:
    activities: list[CaseAudit] = programme.of_kind(CaseAudit)
    if activity_id is None:
        if not activities:
            raise UserError(f"the programme {programme.name!r} has no case audit")
        return activities
    found = [a for a in activities if a.id == activity_id]
    if not found:
        names = ", ".join(a.id for a in activities) or "none"
        raise UserError(f"no case audit {activity_id!r} in the programme (it has: {names})")
    return found


def theme_of(args: argparse.Namespace, activities: list[CaseAudit]) -> str | Theme | None:
    """The theme the QA team named, checked before anything is read or written."""
    if args.theme_cases and not args.theme:
        raise UserError("--theme-cases needs --theme, the name the round's messages will show")
    if not args.theme:
        return None
    if len(activities) > 1:
        names = ", ".join(a.id for a in activities)
        raise UserError(f"--theme is for one case audit: add --activity (one of: {names})")
    if not args.theme_cases:
        return str(args.theme).strip()
    refs = case_refs(Path(args.theme_cases))
    return Theme(name=str(args.theme).strip(), case_refs=refs)


def case_refs(path: Path) -> list[str]:
    """Case references from a file: one a line, or a CSV whose header has `case_ref`."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise UserError(f"couldn't read {path}: {error.strerror or error}") from error
    rows = list(csv.reader(io.StringIO(text)))
    header = [cell.strip().lower() for cell in rows[0]] if rows else []
    column = header.index("case_ref") if "case_ref" in header else None
    body = rows[1:] if column is not None else rows
    refs = [row[column or 0].strip() for row in body if row and row[column or 0].strip()]
    if not refs:
        raise UserError(f"{path} lists no case references")
    bad = [ref for ref in refs if not CASE_REF.match(ref)]
    if bad:
        raise UserError(f"{path}: not case references: {', '.join(bad[:5])}")
    return list(dict.fromkeys(refs))


def run_allocate(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    year, month = parse_period(args.period)
    settings = load_settings(env)
    programme = load_programme(settings.programme)
    activities = chosen(programme, args.activity)
    args.chosen_theme = theme_of(args, activities)
    try:
        lines = asyncio.run(_allocate(settings, programme, activities, year, month, args))
    except (OperationalError, ProgrammingError) as error:
        raise UserError("the database isn't ready: run `qabot db upgrade` first") from error
    print("\n".join(lines))
    return 0


async def _allocate(
    settings: Settings,
    programme: Programme,
    activities: list[CaseAudit],
    year: int,
    month: int,
    args: argparse.Namespace,
) -> list[str]:
    engine = make_engine(settings.database_url)
    sessions = make_sessions(engine)
    deps = Deps(
        sessions=sessions,
        wording=Wording(settings.templates_dir),
        clock=_clock(args.as_of, programme),
        programme=programme,
        calendar=Calendar.from_programme(programme),
        platforms=settings.platforms,
        case_link=settings.case_link,
        qa_channel=programme.qa_channel,
    )
    lines: list[str] = []
    try:
        for activity in activities:
            async with sessions.begin() as session:
                result = await run_allocation(
                    deps, session, activity, year, month, dry_run=args.dry_run,
                    theme=args.chosen_theme,
                )  # fmt: skip
                lines += describe(result, explain=args.explain)
    finally:
        await engine.dispose()
    return lines


def _clock(as_of: str | None, programme: Programme) -> Clock:
    """The machine's clock, or the working morning of --as-of."""
    if as_of is None:
        return SystemClock()
    day = parse_date(as_of.strip())
    if day is None:
        raise UserError(f"--as-of must be a date like 2027-01-04 or 04/01/2027, not {as_of!r}")
    return VirtualClock(Calendar.from_programme(programme).day_starts_at(day))


def describe(result: RoundResult, *, explain: bool) -> list[str]:
    """The run in plain lines: a header, each pair, and (with explain) why and who is left out."""
    head = f"{result.activity} {result.period}:"
    if result.plan is None:
        done = plural(result.allocations, "audit")
        return [f"{head} already allocated ({done}); nothing changed"]
    plan = result.plan
    if plan.skipped is not None:
        return [f"{head} no round: {plan.skipped}"]
    state = "preview, nothing written" if result.round_id is None else "allocated"
    window = f"window {plan.window[0]} to {plan.window[1]}"
    theme = f", theme '{plan.theme}'" if plan.theme else ""
    lines = [f"{head} {plural(len(plan.pairs), 'audit')} ({state}); {window}{theme}"]
    for pair in plan.pairs:
        lines.append(f"  {pair.auditor_id} audits {pair.case_ref} with {pair.practitioner_id}")
        if explain:
            lines.append(f"    why: {pair.reason}")
    if explain:
        lines += _left_out(plan)
    elif plan.uncovered:
        left = plural(len(plan.uncovered), "practitioner")
        lines.append(f"  {left} not covered (--explain says why)")
    return lines


def _left_out(plan: AllocationPlan) -> list[str]:
    lines = [f"  uncovered: {plural(len(plan.uncovered), 'practitioner')}"]
    for u in plan.uncovered:
        overdue = " (overdue)" if u.overdue else ""
        lines.append(f"    {u.practitioner_id}{overdue}: {u.reason}")
    if plan.idle_auditors:
        lines.append(f"  without a case: {plural(len(plan.idle_auditors), 'auditor')}")
        lines += [f"    {i.auditor_id}: {i.reason}" for i in plan.idle_auditors]
    lines += [f"  note: {note}" for note in plan.notes]
    return lines


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
