"""A practice week's schedule as a CSV: read and checked whole, or drafted for the QA team.

Columns: visitor (staff_id), team (its name), day (a date in the week), slot ("10:00-12:00") and
activity ("case records", "direct observation"…). Every problem is named with its line and
column, and a schedule with any problem is not loaded at all. The days must be working days of
one Monday-to-Friday week; no one visits their own team or is in two places at once; the text
names no case and nothing that could identify a child (the privacy check of SPEC §7 refuses
the line, saying what and where: the schedule is posted to a channel).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from handlers.core.calendar import Calendar
from handlers.core.privacy import findings
from handlers.programme.schema import PracticeWeekActivity
from handlers.roster.csv_rows import CsvFile, Problems, Row, read_table
from storage.practice_weeks.schedule import Host, NewVisit

COLUMNS = {"visitor": True, "team": True, "day": True, "slot": True, "activity": True}
HEADER = tuple(COLUMNS)
ACTIVITY_LENGTH = 100
DRAFT_SLOTS = ("10:00-12:00", "14:00-16:00")
_SLOT = re.compile(r"(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})")


class ScheduleError(Exception):
    """The schedule was not loaded; every problem, one a line."""

    def __init__(self, errors: Sequence[str]) -> None:
        super().__init__(f"{len(errors)} problem(s)")
        self.errors = list(errors)


@dataclass(frozen=True)
class Schedule:
    """A checked schedule: the week it falls in and its visits."""

    starts_on: dt.date
    ends_on: dt.date
    visits: list[NewVisit]


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def week_starting(year: int, month: int, week_of_month: int) -> dt.date:
    """The Monday of the month's nth week (its nth Monday)."""
    first = dt.date(year, month, 1)
    first_monday = first + dt.timedelta(days=(7 - first.weekday()) % 7)
    return first_monday + dt.timedelta(weeks=week_of_month - 1)


def post_day(calendar: Calendar, activity: PracticeWeekActivity, starts_on: dt.date) -> dt.date:
    """The working day the schedule goes to the channel: `post_days_before` the week starts
    (or the first working day after that)."""
    return calendar.next_working_day(starts_on - dt.timedelta(days=activity.post_days_before))


def slot_text(text: str) -> str | None:
    """A slot as "HH:MM–HH:MM", or None when it is not a time range that ends after it starts."""
    found = _SLOT.fullmatch(text.strip())
    if found is None:
        return None
    h1, m1, h2, m2 = (int(part) for part in found.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59 or (h1, m1) >= (h2, m2):
        return None
    return f"{h1:02d}:{m1:02d}–{h2:02d}:{m2:02d}"


def read_schedule(
    source: CsvFile,
    calendar: Calendar,
    people: Sequence[Host],
    teams: Mapping[int, str],
    case_refs: Collection[str],
) -> Schedule:
    """The schedule in `source`, checked whole; ScheduleError listing every problem otherwise."""
    problems = Problems()
    table, _ = read_table(source, 0, COLUMNS, problems, lambda name: False)
    by_staff_id = {p.staff_id.lower(): p for p in people}
    by_team: dict[str, list[int]] = {}
    for team_id, name in teams.items():
        by_team.setdefault(name.strip().lower(), []).append(team_id)
    refs = set(case_refs)
    read: list[tuple[Row, NewVisit]] = []
    for row in table.rows:
        visit = _visit(row, calendar, by_staff_id, by_team, refs)
        if visit is not None:
            read.append((row, visit))
    if table.readable and not table.rows and not problems.found:
        problems.add(table, 2, None, "no visits: the schedule has a header row and nothing else")
    days = [visit.day for _, visit in read]
    starts_on = monday_of(min(days)) if days else dt.date.min
    seen: dict[tuple[int, dt.date, str], int] = {}
    for row, visit in read:
        if monday_of(visit.day) != starts_on:
            row.fail("day", f"{visit.day.isoformat()} is not in the week of "
                            f"{starts_on.isoformat()}; a schedule is one week")  # fmt: skip
        clash = seen.setdefault((visit.visitor_id, visit.day, visit.slot), row.line)
        if clash != row.line:
            row.fail("slot", f"the same visitor is already booked then, on line {clash}")
    if problems.found:
        raise ScheduleError(problems.messages())
    return Schedule(starts_on, starts_on + dt.timedelta(days=4), [visit for _, visit in read])


def _visit(
    row: Row,
    calendar: Calendar,
    by_staff_id: Mapping[str, Host],
    by_team: Mapping[str, list[int]],
    refs: Collection[str],
) -> NewVisit | None:
    """One line's visit, or None once its problems are recorded."""
    staff_id = row.text("visitor", 64, required=True)
    visitor = by_staff_id.get(staff_id.lower()) if staff_id else None
    if staff_id and visitor is None:
        row.fail("visitor", f"no one on the staff list has staff_id {staff_id!r}")
    elif visitor is not None and not visitor.active:
        row.fail("visitor", f"{visitor.staff_id} has left")
    team_name = row.text("team", 200, required=True)
    team_ids = by_team.get(team_name.strip().lower(), []) if team_name else []
    if team_name and not team_ids:
        row.fail("team", f"no team is called {team_name!r}")
    elif len(team_ids) > 1:
        row.fail("team", f"more than one team is called {team_name!r}; qabot can't tell which")
    day = row.date("day", required=True)
    if day is not None and not calendar.is_working_day(day):
        row.fail("day", f"{day.isoformat()} is not a working day")
    slot_given = row.text("slot", 32, required=True)
    slot = slot_text(slot_given) if slot_given else None
    if slot_given and slot is None:
        row.fail("slot", f"{slot_given!r} is not a time slot; write it like 10:00-12:00")
    activity = row.text("activity", ACTIVITY_LENGTH, required=True)
    found = findings(activity, refs)
    if found:
        where = "; ".join(f"{f.what} at character {f.column}" for f in found)
        row.fail("activity", f"may identify a child ({where}); the schedule is posted to a "
                             "channel, so leave cases and families out")  # fmt: skip
    if visitor is not None and len(team_ids) == 1 and visitor.team_id == team_ids[0]:
        row.fail("team", f"{visitor.staff_id} would be visiting their own team")
    if row.failed or visitor is None or day is None or slot is None or len(team_ids) != 1:
        return None
    return NewVisit(visitor.id, team_ids[0], day, slot, activity)


def draft(
    calendar: Calendar,
    activity: PracticeWeekActivity,
    starts_on: dt.date,
    people: Sequence[Host],
    teams: Mapping[int, str],
) -> tuple[list[tuple[str, str, str, str, str]], list[str]]:
    """A first schedule for the QA team to edit: each team visited once by one of the senior
        leaders the programme names, taken in turn (round robin), never a leader's own team, spread
        over the week's working days and two slots a day. Rows: visitor, team, day, slot, activity;
    and the teams no leader could visit (say, a leader's own team when they are the only one).

        Only teams with someone active in them are visited. Raises ValueError when the programme's
        visitor roles have no one active.
    """
    visitors = [p for p in people if p.active and p.role in activity.visitors]
    if not visitors:
        roles = ", ".join(activity.visitors)
        raise ValueError(f"no one active holds a visitor role of {activity.title} ({roles})")
    staffed = {p.team_id for p in people if p.active}
    visited = [(team_id, name) for team_id, name in teams.items() if team_id in staffed]
    days = [d for d in (starts_on + dt.timedelta(days=n) for n in range(5))
            if calendar.is_working_day(d)] or [starts_on]  # fmt: skip
    rows: list[tuple[str, str, str, str, str]] = []
    booked: set[tuple[int, dt.date, str]] = set()
    turn = 0
    missed: list[str] = []
    for n, (team_id, name) in enumerate(visited):
        day = days[n % len(days)]
        slot = DRAFT_SLOTS[(n // len(days)) % len(DRAFT_SLOTS)]
        for step in range(len(visitors)):
            visitor = visitors[(turn + step) % len(visitors)]
            if visitor.team_id != team_id and (visitor.id, day, slot) not in booked:
                turn += step + 1
                booked.add((visitor.id, day, slot))
                chosen = activity.activities[n % len(activity.activities)]
                rows.append((visitor.staff_id, name, day.isoformat(), slot, chosen))
                break
        else:
            missed.append(name)
    return rows, missed


def draft_csv(rows: Sequence[tuple[str, str, str, str, str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue()
