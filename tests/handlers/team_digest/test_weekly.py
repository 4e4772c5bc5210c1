"""The weekly manager digest, on SQLite and PostgreSQL: once a week each line manager gets one
message with their team's picture (observations overdue by how long with the snooze reason, due
soon and in date; audits open, reflections still to write and open actions, with how many are
late), never a case reference, and nothing at all for a manager with nothing to say.

The council (Hammersmith & Fulham's programme): S01 manages S02, who manages S03, who manages
S05 (observation due Thursday 25 March 2027) and S06 (ASYE observation due 1 March 2027).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from small_council import council_deps
from sqlalchemy import select, update

from handlers.capabilities import build_router, jobs, team_pictures
from handlers.core.deps import Deps
from handlers.core.inbound import handle_event
from handlers.core.router import Inbound
from handlers.programme.schema import load_programme
from handlers.team_digest.weekly import digest_day, send_weekly
from scheduler.clock import VirtualClock
from storage import Sessions, snoozes
from storage.actions import raise_actions
from storage.models import Allocation, AuditRecord, AuditRound, Case, OutboxMessage, Person

PROGRAMME = load_programme("hammersmith-fulham")
IMPORTED = dt.datetime(2027, 1, 4, 10, 0, tzinfo=dt.UTC)
MONDAY = dt.date(2027, 3, 22)
PEOPLE: list[tuple[str, str, str | None, dict[str, Any]]] = [
    ("S01", "head_of_service", None, {}),
    ("S02", "service_manager", "S01", {}),
    ("S03", "team_manager", "S02", {}),
    ("S05", "practitioner", "S03", {"last_observed": dt.date(2026, 3, 25)}),
    ("S06", "practitioner", "S03", {"asye_start": dt.date(2026, 12, 1)}),
]
NAMES = {"S01": "Helen Clarke", "S02": "Sam Moss", "S03": "Dana Hughes", "S05": "Tom Okafor",
         "S06": "Priya Shah"}  # fmt: skip
CASE_REF = re.compile(r"C-\d{6}")


@pytest.fixture
async def deps(sessions: Sessions) -> Deps:
    return await council_deps(sessions, PEOPLE, NAMES, PROGRAMME, IMPORTED)


async def ids(deps: Deps) -> dict[str, int]:
    async with deps.sessions() as session:
        return {sid: pid for pid, sid in await session.execute(select(Person.id, Person.staff_id))}


async def digests(deps: Deps) -> dict[str, OutboxMessage]:
    async with deps.sessions() as session:
        found = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.idempotency_key.like("team_digest:%"))
        )
        return {m.recipient.removeprefix("person:"): m for m in found}


async def audits(deps: Deps, people: dict[str, int]) -> None:
    """Tom: one audit open and past its date; Priya: one recorded last week, not reflected on."""
    now = dt.datetime(2027, 3, 15, 10, tzinfo=dt.UTC)
    async with deps.sessions.begin() as session:
        round_ = AuditRound(
            activity="case_file_audit",
            period="2027-03",
            seed=1,
            created_at=now,
            window_start=dt.date(2027, 3, 8),
            window_end=dt.date(2027, 3, 19),
        )
        session.add(round_)
        cases = [
            Case(
                case_ref=f"C-00012{n}",
                practitioner_id=people[sid],
                case_type="CIN",
                opened_on=dt.date(2026, 9, 1),
            )
            for n, sid in ((3, "S05"), (4, "S06"))
        ]
        session.add_all(cases)
        await session.flush()
        open_, done = (
            Allocation(
                round_id=round_.id,
                auditor_id=people["S02"],
                practitioner_id=people[sid],
                case_id=c.id,
                due_on=dt.date(2027, 3, 19),
                status=status,
                created_at=now,
            )
            for sid, c, status in (("S05", cases[0], "allocated"), ("S06", cases[1], "recorded"))
        )
        session.add_all([open_, done])
        await session.flush()
        session.add(
            AuditRecord(
                allocation_id=done.id,
                grade="Good",
                grade_reason="Clear plan",
                recorded_by_id=people["S02"],
                recorded_at=now,
            )
        )


async def test_each_line_manager_gets_their_teams_picture_once_a_week(deps: Deps) -> None:
    people = await ids(deps)
    await audits(deps, people)
    async with deps.sessions.begin() as session:
        now = dt.datetime(2027, 3, 1, 10, tzinfo=dt.UTC)
        for due in (dt.date(2027, 3, 12), dt.date(2027, 4, 30)):
            await raise_actions(session, source="observation", source_id=1,
                                owner_id=people["S05"], descriptions=["Share the plan"],
                                due_on=due, now=now)  # fmt: skip
        await snoozes.set_snooze(session, people["S03"], f"observation:{people['S06']}",
                                 dt.date(2027, 3, 24))  # fmt: skip
        await snoozes.give_reason(session, people["S03"], f"observation:{people['S06']}",
                                  "In court this week")  # fmt: skip
    queued = await send_weekly(deps, team_pictures(), dt.datetime(2027, 3, 22, 7, tzinfo=dt.UTC))
    found = await digests(deps)
    assert queued == 1 and set(found) == {"S03"}  # Sam's team (Dana) has nothing to say
    message = found["S03"]
    assert message.payload["kind"] == "team_digest"
    assert message.payload["meta"]["type"] == "digest.sent"
    text = message.payload["text"]
    assert "Priya Shah: 15 working days past its date — snoozed: “In court this week”" in text
    assert "Tom Okafor: due by Thursday 25 March" in text
    assert "Tom Okafor: 1 audit open, 1 past the date" in text
    assert "Priya Shah: 1 reflection still to write" in text
    assert "Tom Okafor: 2 open actions, 1 past due" in text
    assert text.index("Observations") < text.index("Audits") < text.index("Open actions")
    assert not CASE_REF.search(str(message.payload))
    # once a week: later the same day, and the rest of the week, nothing more
    assert await send_weekly(deps, team_pictures(), dt.datetime(2027, 3, 22, 9, tzinfo=dt.UTC)) == 0
    assert await send_weekly(deps, team_pictures(), dt.datetime(2027, 3, 23, 9, tzinfo=dt.UTC)) == 0
    assert len(await digests(deps)) == 1


async def test_nothing_at_all_when_there_is_nothing_to_say(deps: Deps) -> None:
    # everything in date: observed recently, nobody in an ASYE year
    async with deps.sessions.begin() as session:
        await session.execute(update(Person).values(last_observed=dt.date(2027, 1, 10),
                                                    asye_start=None))  # fmt: skip
    assert await send_weekly(deps, team_pictures(), dt.datetime(2027, 3, 22, 7, tzinfo=dt.UTC)) == 0
    assert await digests(deps) == {}


def test_the_digest_goes_on_the_weeks_first_working_day(deps: Deps) -> None:
    assert digest_day(deps, dt.date(2027, 3, 24)) == MONDAY
    # Easter Monday is a bank holiday: that week's digest goes on the Tuesday
    assert digest_day(deps, dt.date(2027, 4, 1)) == dt.date(2027, 3, 30)
    assert "team_digest" in [name for name, _ in jobs(deps)]


async def my_qa(deps: Deps, staff_id: str) -> str:
    """`my qa` typed to qabot, through the router qabot runs (the Slack Home tab is built from
    the same reply)."""
    event = Inbound("sandbox", f"{staff_id}:my-qa", staff_id, "text", "", "", "my qa")
    reply = await handle_event(deps, build_router(deps), event)
    assert reply is not None and reply.message is not None and reply.message.kind == "my_qa"
    return reply.message.text


async def test_a_line_managers_my_qa_shows_their_teams_picture(deps: Deps) -> None:
    people = await ids(deps)
    await audits(deps, people)
    assert isinstance(deps.clock, VirtualClock)
    deps.clock.set(dt.datetime(2027, 3, 24, 10, tzinfo=dt.UTC))  # a Wednesday
    dana = await my_qa(deps, "S03")
    assert "**Your team**" in dana
    assert "Priya Shah: 17 working days past its date" in dana
    assert "Tom Okafor: due by Thursday 25 March" in dana
    assert "Tom Okafor: 1 audit open, 1 past the date" in dana
    assert "Priya Shah: 1 reflection still to write" in dana
    assert not CASE_REF.search(dana.split("**Your team**")[1])
    # Sam manages only Dana, whose own observations are in date: the team part says all is well
    sam = await my_qa(deps, "S02")
    assert "**Your team**: nothing to pick up" in sam
    assert "Priya Shah:" not in sam and "Tom Okafor:" not in sam
    # a practitioner manages no one: no team part
    assert "Your team" not in await my_qa(deps, "S05")
