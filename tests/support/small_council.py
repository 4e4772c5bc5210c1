"""A small council for handler tests: people of one team, imported as `qabot import` would,
and the Deps production builds over them on a virtual clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from handlers.core.calendar import Calendar
from handlers.core.deps import Deps
from handlers.programme.schema import Programme
from message_templates.wording import Wording
from scheduler.clock import VirtualClock
from storage import Sessions
from storage.people import PersonRecord, Roster, apply_roster

# (staff id, role, manager's staff id, other PersonRecord fields)
Member = tuple[str, str, str | None, dict[str, Any]]


def team_a(people: Iterable[Member], names: Mapping[str, str]) -> tuple[PersonRecord, ...]:
    """Each member as a row of people.csv: Team A of Children's services."""
    return tuple(
        PersonRecord(sid, names[sid], f"{sid.lower()}@council.example", role, "Team A",
                     "Children", boss, **extra)
        for sid, role, boss, extra in people
    )  # fmt: skip


async def council_deps(
    sessions: Sessions,
    people: Iterable[Member],
    names: Mapping[str, str],
    programme: Programme,
    imported: dt.datetime,
) -> Deps:
    """The members imported at `imported`, and Deps with the clock standing there."""
    async with sessions.begin() as session:
        await apply_roster(session, Roster(team_a(people, names), ()), now=imported, actor="test")
    return Deps(sessions=sessions, wording=Wording(), clock=VirtualClock(imported),
                programme=programme, calendar=Calendar.from_programme(programme))  # fmt: skip
