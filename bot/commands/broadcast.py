"""`qabot broadcast add FILE.md --kind newsletter|bitesize [--channel ROLE] [--at DATETIME]` and
`qabot broadcast list`: the QA team's queue of newsletter issues and bitesize learning.

A file that may identify a child (an NHS number, a postcode, a date of birth, a case reference
qabot knows) is refused with one line saying what and on which line, and nothing is stored.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
from collections.abc import Mapping
from pathlib import Path

from bot.settings import Settings, load_settings
from handlers.broadcasts.queueing import KINDS, add
from handlers.core.calendar import Calendar
from handlers.core.deps import Deps
from handlers.core.permissions import READ_COUNTS, operator
from handlers.errors import UserError
from handlers.programme.schema import load_programme
from message_templates.wording import Wording
from scheduler.clock import SystemClock
from storage import Sessions, make_engine, make_sessions, upgrade
from storage.broadcasts import queue


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "broadcast",
        help="queue a newsletter or bitesize item for a channel, or list the queue",
        description="The QA team's newsletter issues and bitesize learning, posted to a channel "
        "on the programme's cadence after a check for anything that could identify a child.",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="add|list")
    adding = actions.add_parser("add", help="queue a markdown file (first heading: the title)")
    adding.add_argument("file", type=Path, metavar="FILE.md", help="the item, in markdown")
    adding.add_argument("--kind", required=True, choices=KINDS, help="newsletter or bitesize")
    adding.add_argument(
        "--channel", metavar="ROLE", help="the channel role (default: the programme's for it)"
    )
    adding.add_argument(
        "--at",
        metavar="DATETIME",
        help="post then, e.g. 2027-02-02T10:00 (council time); default: the next slot on "
        "the programme's cadence",
    )
    adding.add_argument(
        "--activity", metavar="ID", help="the programme's broadcast to queue into, if several"
    )
    _operator_argument(adding, "queue broadcasts")
    adding.set_defaults(handler=run_add)
    listing = actions.add_parser(
        "list", help="what is queued and when each posts, and read counts by team"
    )
    listing.add_argument("--all", action="store_true", help="posted ones too")
    _operator_argument(listing, "see read counts")
    listing.set_defaults(handler=run_list)


def _operator_argument(parser: argparse.ArgumentParser, doing: str) -> None:
    parser.add_argument(
        "--as",
        dest="staff_id",
        metavar="STAFF_ID",
        help=f"who you are (default: QABOT_STAFF_ID); only the roles the programme names may "
        f"{doing}",
    )


def operator_of(args: argparse.Namespace, env: Mapping[str, str]) -> str | None:
    """The staff id given with --as, or QABOT_STAFF_ID."""
    given: str | None = args.staff_id or env.get("QABOT_STAFF_ID") or None
    return given


def parse_at(text: str, calendar: Calendar) -> dt.datetime:
    """An ISO date (the start of that working day) or date and time, in council time unless
    it names its own offset."""
    try:
        if len(text.strip()) == 10:
            return calendar.day_starts_at(dt.date.fromisoformat(text.strip()))
        at = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        problem = f"--at must be a date and time like 2027-02-02T10:00, not {text!r}"
        raise UserError(problem) from None
    return at if at.tzinfo is not None else at.replace(tzinfo=calendar.zone)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "it is not UTF-8 text"
        raise UserError(f"cannot read {path}: {reason or error}") from None


def _deps(settings: Settings, sessions: Sessions) -> Deps:
    programme = load_programme(settings.programme)
    return Deps(
        sessions=sessions,
        wording=Wording(settings.templates_dir),
        clock=SystemClock(),
        programme=programme,
        calendar=Calendar.from_programme(programme),
        platforms=settings.platforms,
        qa_channel=programme.qa_channel,
    )


def _when(at: dt.datetime, calendar: Calendar) -> str:
    return at.astimezone(calendar.zone).strftime("%a %d %b %Y %H:%M")


def run_add(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    settings = load_settings(env)
    text = _read(args.file)
    upgrade(settings.database_url)
    print(asyncio.run(_add(settings, text, args, operator_of(args, env))))
    return 0


async def _add(settings: Settings, text: str, args: argparse.Namespace, by: str | None) -> str:
    engine = make_engine(settings.database_url)
    try:
        deps = _deps(settings, make_sessions(engine))
        at = parse_at(args.at, deps.calendar) if args.at else None
        if at is not None and at < deps.clock.now():
            raise UserError(f"--at {args.at} has passed: give a time still to come")
        async with deps.sessions.begin() as session:
            item = await add(deps, session, text=text, source=args.file.name, kind=args.kind,
                             channel=args.channel, at=at, now=deps.clock.now(), by=by,
                             activity_id=args.activity)  # fmt: skip
    finally:
        await engine.dispose()
    return (
        f"qabot: queued {item.kind} {item.id} {item.title!r} for channel:{item.channel}, "
        f"posting {_when(item.scheduled_for, deps.calendar)}"
    )


def run_list(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    settings = load_settings(env)
    upgrade(settings.database_url)
    lines = asyncio.run(_list(settings, show_posted=args.all, by=operator_of(args, env)))
    print("\n".join(lines))
    return 0


async def _list(settings: Settings, *, show_posted: bool, by: str | None) -> list[str]:
    engine = make_engine(settings.database_url)
    try:
        deps = _deps(settings, make_sessions(engine))
        async with deps.sessions.begin() as session:
            await operator(session, deps.programme, by, READ_COUNTS)
            items = await queue.everything(session)
            reads = {r.id: r for r in await queue.reads(session, limit=len(items) or 1)}
    finally:
        await engine.dispose()
    lines = []
    for item in items:
        if not show_posted and item.status == queue.POSTED:
            continue
        lines.append(f"{item.id}  {_when(item.scheduled_for, deps.calendar)}  {item.status:<6}  "
                     f"{item.kind:<10}  channel:{item.channel}  {item.title}")  # fmt: skip
        read = reads.get(item.id)
        if read is not None:
            teams = ", ".join(f"{team} {n}" for team, n in read.by_team)
            lines.append(f"    read by {read.total}" + (f": {teams}" if teams else ""))
    return lines or ["qabot: nothing is queued"]
