"""The QA team's summary of a round: what happened, and who is not in it and why, in plain words,
as a DM to each of the QA team (never names in a channel)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select, update

from handlers.case_audit.cycle import run_allocation
from handlers.core.calendar import Calendar
from handlers.core.deps import Deps
from handlers.programme.schema import CaseAudit, load_programme
from message_templates.wording import Wording
from scheduler.clock import VirtualClock
from storage import Sessions
from storage.models import OutboxMessage, Person
from storage.people import CaseRecord, PersonRecord, Roster, apply_roster

MONDAY = dt.datetime(2027, 1, 4, 10, 0, tzinfo=dt.UTC)
PROGRAMME = load_programme("default")
ACTIVITY: CaseAudit = PROGRAMME.of_kind(CaseAudit)[0]
KEY = "allocation.summary:case_audit:2027-01"
# Two auditors, a head of service and Team B's manager. Tom's only possible auditors are his own
# managers (Priya in Team A has Marcus); Leah is away for the round; Ann and the twelve newcomers
# hold no open case.
PEOPLE = [
    ("S01", "Helen Clarke", "head_of_service", "Leadership", None),
    ("S04", "Marcus Reid", "team_manager", "Team B", "S01"),
    ("S05", "Tom Okafor", "practitioner", "Team B", "S04"),
    ("S06", "Leah Brown", "practitioner", "Team B", "S04"),
    ("S07", "Priya Shah", "practitioner", "Team A", "S01"),
    ("S08", "Ruth Adeyemi", "qa_manager", "QA", "S01"),
    ("S10", "Kemi Ade", "qa_officer", "QA", "S08"),
    ("S09", "Ann Other", "practitioner", "Team B", "S04"),
    *((f"N{n:02}", f"Newcomer {n:02}", "practitioner", "Team B", "S04") for n in range(12)),
]
CASES = [("C-000101", "S05", "CP"), ("C-000102", "S06", "CIN"), ("C-000103", "S07", "CLA")]


async def council(sessions: Sessions, people: list[tuple[str, str, str, str, str | None]]) -> Deps:
    records = tuple(
        PersonRecord(sid, name, f"{sid.lower()}@council.example", role, team, "Children", manager)
        for sid, name, role, team, manager in people
    )
    cases = tuple(CaseRecord(ref, worker, kind, dt.date(2026, 9, 1)) for ref, worker, kind in CASES)
    async with sessions.begin() as session:
        await apply_roster(session, Roster(records, cases), now=MONDAY, actor="test")
        await session.execute(
            update(Person).where(Person.staff_id == "S06").values(away_until=dt.date(2027, 2, 5))
        )
    return Deps(
        sessions=sessions,
        wording=Wording(),
        clock=VirtualClock(MONDAY),
        programme=PROGRAMME,
        calendar=Calendar.from_programme(PROGRAMME),
        case_link="https://lcs.council.example/case/{case_ref}",
    )


async def summaries(deps: Deps) -> list[OutboxMessage]:
    async with deps.sessions.begin() as session:
        result = await run_allocation(deps, session, ACTIVITY, 2027, 1)
    assert result.created
    async with deps.sessions() as session:
        found = await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.message_type == "allocation_summary")
            .order_by(OutboxMessage.recipient)
        )
        return list(found)


@pytest.fixture
async def deps(sessions: Sessions) -> Deps:
    """On SQLite and PostgreSQL."""
    return await council(sessions, PEOPLE)


async def test_the_qa_team_each_hear_who_was_not_matched_and_why_in_plain_words(
    deps: Deps,
) -> None:
    sent = await summaries(deps)
    assert [(m.idempotency_key, m.recipient) for m in sent] == [
        (f"{KEY}:S08", "person:S08"),
        (f"{KEY}:S10", "person:S10"),
    ]
    text = sent[0].payload["text"]
    assert text == sent[1].payload["text"]
    # the headline says what happened: one case allocated, one worker left without an auditor
    assert text.startswith(
        "**1** case allocated to **1** auditor; **1** worker with a case to audit couldn't be "
        "given an auditor. 14 aren't in this round: away, or no case due for audit."
    )
    lines = text.splitlines()
    assert (
        "- **Every possible auditor is in their line of management** (1, not audited in 6 months): "
        "Tom Okafor" in lines
    )
    assert "- **Away** (1, not audited in 6 months): Leah Brown (until Friday 5 February)" in lines
    # a long list is capped: eight names, then how many more
    no_case = next(line for line in lines if line.startswith("- **No open case**"))
    assert no_case == (
        "- **No open case** (13, none audited in 6 months): Ann Other, Newcomer 00, Newcomer 01, "
        "Newcomer 02, Newcomer 03, Newcomer 04, Newcomer 05, Newcomer 06 and 5 more"
    )
    # the reasons the QA team may act on come first
    assert lines.index(no_case) > lines.index(
        "- **Away** (1, not audited in 6 months): Leah Brown (until Friday 5 February)"
    )
    assert "C-0001" not in json.dumps(sent[0].payload)


async def test_with_no_one_in_a_qa_role_the_channel_hears_counts_without_names(
    sqlite_sessions: Sessions,
) -> None:
    people = [p for p in PEOPLE if p[0] not in {"S08", "S10"}]
    deps = await council(sqlite_sessions, people)
    [sent] = await summaries(deps)
    assert (sent.idempotency_key, sent.recipient) == (KEY, "channel:qa-team")
    text = json.dumps(sent.payload)
    assert "**Away** (1, not audited in 6 months)" in sent.payload["text"]
    assert "**No open case** (13, none audited in 6 months)" in sent.payload["text"]
    for _, name, *_ in PEOPLE:
        assert name not in text


async def test_a_sample_drawn_at_random_says_so_rather_than_that_everyone_is_matched(
    sqlite_sessions: Sessions,
) -> None:
    deps = await council(sqlite_sessions, PEOPLE)
    sample = ACTIVITY.model_copy(update={"allocation": "random_sample", "sample_size": 1})
    async with deps.sessions.begin() as session:
        assert (await run_allocation(deps, session, sample, 2027, 1)).created
    async with deps.sessions() as session:
        sent = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.recipient == "person:S08")
        )
    assert sent is not None and sent.message_type == "allocation_summary"
    headline = sent.payload["text"].splitlines()[0]
    assert headline.startswith("**1** case allocated to **1** auditor")
    assert "drawn at random for a sample of 1" in headline
    assert "every worker with a case to audit" not in headline
