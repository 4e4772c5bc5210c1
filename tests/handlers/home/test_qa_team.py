"""The QA team's My QA and the word about an Inadequate grade, through the real router on SQLite
and PostgreSQL: the month's audits by service, the Inadequate audit and its open action, a parked
message and who it could not reach; the line manager hears privately, the channel without case
data; nobody outside the QA team sees the team's view."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from dataclasses import replace

import pytest
from sqlalchemy import event, select

from handlers.capabilities import build_router
from handlers.case_audit.cycle import RECORD, RECORD_MODERATION
from handlers.core.calendar import Calendar
from handlers.core.deps import Deps
from handlers.core.inbound import handle_event
from handlers.core.router import Inbound
from handlers.programme.schema import load_programme
from message_templates.model import Message
from message_templates.wording import Wording
from scheduler.clock import VirtualClock
from storage import Sessions
from storage.case_audit import audits
from storage.models import AuditRecord, AuditRound, Moderation, OutboxMessage, Person
from storage.outbox import claim_due, enqueue, mark_parked
from storage.people import CaseRecord, PersonRecord, Roster, apply_roster

PROGRAMME = load_programme("default")
START = dt.datetime(2027, 1, 4, 10, 0, tzinfo=dt.UTC)
RECORDED = dt.datetime(2027, 1, 11, 10, 0, tzinfo=dt.UTC)  # a Monday, in working hours
DUE = dt.date(2027, 1, 28)
PEOPLE = [  # staff id, name, role, team, service, line manager
    ("S01", "Helen Clarke", "head_of_service", "Leadership", "Children in Need", None),
    ("S03", "Dana Hughes", "team_manager", "Team A", "Children in Need", "S01"),
    ("S04", "Marcus Reid", "team_manager", "Team B", "Children Looked After", "S01"),
    ("S05", "Tom Okafor", "practitioner", "Team A", "Children in Need", "S03"),
    ("S07", "Priya Shah", "practitioner", "Team B", "Children Looked After", "S04"),
    ("S08", "Ruth Adeyemi", "qa_manager", "QA", "Quality Assurance", "S01"),
]
PAIRS = [("S04", "S05", "C-000101"), ("S03", "S07", "C-000103")]  # auditor, worker, case
EVENTS = itertools.count()


async def send(deps: Deps, staff_id: str, kind: str, name: str = "", value: str = "",
               text: str = "", **fields: str) -> Message:  # fmt: skip
    event_id = f"e{next(EVENTS)}"
    inbound = Inbound("sandbox", event_id, staff_id, kind, name, value, text,  # type: ignore[arg-type]
                      fields=tuple(fields.items()))  # fmt: skip
    reply = await handle_event(deps, build_router(deps), inbound)
    assert reply is not None and reply.message is not None
    return reply.message


async def my_qa(deps: Deps, staff_id: str) -> Message:
    message = await send(deps, staff_id, "text", text="my qa")
    assert message.kind == "my_qa"
    return message


async def record(deps: Deps, auditor: str, grade: str, **fields: str) -> None:
    async with deps.sessions() as session:
        [view] = [v for v in await audits.allocations(session)
                  if v.auditor.staff_id == auditor and v.period == "2027-01"]  # fmt: skip
    reply = await send(deps, auditor, "form", RECORD, str(view.id), grade=grade,
                       grade_reason="What the file shows", **fields)  # fmt: skip
    assert reply.kind == "audit_recorded"


@pytest.fixture
async def deps(sessions: Sessions) -> Deps:
    """Two audits due 28 January, one in each service; nothing recorded yet."""
    people = tuple(
        PersonRecord(sid, name, f"{sid.lower()}@council.example", role, team, service, boss)
        for sid, name, role, team, service, boss in PEOPLE
    )
    cases = tuple(CaseRecord(ref, worker, "CIN", dt.date(2026, 9, 1)) for _, worker, ref in PAIRS)
    async with sessions.begin() as session:
        await apply_roster(session, Roster(people, cases), now=START, actor="test")
        new = AuditRound(activity="case_audit", period="2027-01", window_start=START.date(),
                         window_end=DUE, seed=1, created_at=START)  # fmt: skip
        assert await audits.create_round(session, new)
        rows = [audits.NewAllocation(a, w, ref, "test") for a, w, ref in PAIRS]
        await audits.add_allocations(session, new.id, rows, due_on=DUE, now=START)
    return Deps(sessions=sessions, wording=Wording(), clock=VirtualClock(RECORDED),
                programme=PROGRAMME, calendar=Calendar.from_programme(PROGRAMME))  # fmt: skip


async def outbox(deps: Deps, kind: str) -> list[OutboxMessage]:
    async with deps.sessions() as session:
        found = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.message_type == kind)
        )
        return list(found)


async def park_one(deps: Deps, staff_id: str) -> None:
    """A message to the person that the dispatcher gives up on, as it does after its retries."""
    now = deps.clock.now()
    async with deps.sessions.begin() as session:
        message = Message(kind="audit_notified", text="The body stays in the outbox")
        to = f"person:{staff_id}"
        assert await enqueue(session, key=f"test:{staff_id}", recipient=to, platform="teams",
                             message=message, not_before=now, now=now)  # fmt: skip
        [claimed] = await claim_due(session, now=now, limit=10, lease=dt.timedelta(minutes=1),
                                    platforms=["teams"])  # fmt: skip
        assert await mark_parked(session, claimed, error="user_not_found")


async def test_an_inadequate_grade_tells_the_line_manager_and_the_qa_channel(deps: Deps) -> None:
    await record(deps, "S04", "Inadequate", action_1="Update the chronology",
                 action_1_due="2027-01-26")  # fmt: skip
    [to_manager] = await outbox(deps, "audit_inadequate")
    assert to_manager.recipient == "person:S03"  # Tom's line manager, not the auditor
    assert to_manager.next_attempt_at == RECORDED  # the same day, in working hours
    text = to_manager.payload["text"]
    assert "Marcus Reid has audited **C-000101** with Tom Okafor" in text
    assert "- Update the chronology (Tom Okafor, by Tuesday 26 January)" in text
    [to_channel] = await outbox(deps, "audit_inadequate_qa")
    assert to_channel.recipient == "channel:qa-team" and to_channel.next_attempt_at == RECORDED
    assert (
        "An audit in **Children in Need** (Case file audit with the worker) was graded "
        "Inadequate on Monday 11 January." in to_channel.payload["text"]
    )
    shown = json.dumps(to_channel.payload)
    for private in ("C-000101", "Tom", "Okafor", "Marcus", "Dana", "chronology"):
        assert private not in shown
    # a second submission is turned away: the audit is recorded once, and told once
    allocation = str(to_manager.payload["meta"]["allocation_id"])
    again = await send(deps, "S04", "form", RECORD, allocation, grade="Inadequate",
                       grade_reason="Again")  # fmt: skip
    assert again.kind == "user_error"
    assert len(await outbox(deps, "audit_inadequate")) == 1
    assert len(await outbox(deps, "audit_inadequate_qa")) == 1


async def test_other_grades_tell_nobody_else(deps: Deps) -> None:
    await record(deps, "S04", "Good")
    await record(deps, "S03", "Outstanding")
    assert await outbox(deps, "audit_inadequate") == []
    assert await outbox(deps, "audit_inadequate_qa") == []


async def test_the_qa_manager_sees_the_month_by_service(deps: Deps) -> None:
    await record(deps, "S04", "Inadequate", action_1="Update the chronology",
                 action_1_due="2027-01-26")  # fmt: skip
    await park_one(deps, "S07")
    deps.clock.set(dt.datetime(2027, 1, 29, 10, 0, tzinfo=dt.UTC))  # type: ignore[attr-defined]
    text = (await my_qa(deps, "S08")).text
    assert "**The audits of January 2027**, by the worker's service:" in text
    assert "- **Children Looked After**: 0 of 1 recorded, 1 past their date." in text
    assert "- **Children in Need**: 1 of 1 recorded; Inadequate 1." in text
    assert (
        "- **C-000101** (Children in Need), audited by Marcus Reid on Monday 11 January: "
        "Update the chronology (Tom Okafor, by Tuesday 26 January)." in text
    )
    assert "**Messages I couldn't deliver**: 1, parked" in text
    assert "- The checklist message, to Priya Shah" in text and "The body" not in text
    assert "People I couldn't reach**, each with a message parked" in text
    assert "Priya Shah (S07)" in text


async def test_moderation_agreement_is_counted_by_service(deps: Deps) -> None:
    await record(deps, "S04", "Inadequate")
    async with deps.sessions() as session:
        moderation = await session.scalar(select(Moderation))
        assert moderation is not None
        moderator = await session.get(Person, moderation.moderator_id)
        assert moderator is not None
    done = await send(deps, moderator.staff_id, "form", RECORD_MODERATION, str(moderation.id),
                      agree="yes", comments="The evidence supports it")  # fmt: skip
    assert done.kind == "moderation_saved"
    text = (await my_qa(deps, "S08")).text
    assert "Inadequate 1; moderation agreed 1, disagreed 0." in text
    assert "no actions open" in text


async def test_nobody_outside_the_qa_team_sees_the_teams_view(deps: Deps) -> None:
    await record(deps, "S04", "Inadequate", action_1="Update the chronology",
                 action_1_due="2027-01-26")  # fmt: skip
    await park_one(deps, "S07")
    for staff_id in ("S01", "S03", "S04", "S05", "S07"):
        message = await my_qa(deps, staff_id)
        assert "The audits of" not in message.text and "couldn't deliver" not in message.text
    worker = await my_qa(deps, "S05")
    assert worker.text.startswith("Hi Tom, here's what's on your plate, soonest first:")
    assert "QA team's view" not in worker.fallback


async def test_my_qa_reads_the_teams_view_in_the_same_few_queries_however_many_audits(
    deps: Deps,
) -> None:
    """A council records thousands of audits a year: the view never reads them one by one."""
    await record(deps, "S04", "Inadequate", action_1="Update the chronology",
                 action_1_due="2027-01-26")  # fmt: skip
    await park_one(deps, "S07")
    few = await _statements(deps)
    await record(deps, "S03", "Inadequate", action_1="Book a review", action_1_due="2027-01-26",
                 action_2="Share the plan", action_2_due="2027-01-27")  # fmt: skip
    await park_one(deps, "S05")
    assert await _statements(deps) == few


async def _statements(deps: Deps) -> int:
    engine = deps.sessions.kw["bind"].sync_engine  # type: ignore[attr-defined]
    seen: list[str] = []

    def count(*args: object) -> None:
        seen.append("statement")

    event.listen(engine, "before_cursor_execute", count)
    try:
        await my_qa(deps, "S08")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


async def moderate(deps: Deps, case_ref: str, **answers: str) -> None:
    """The moderator asked about this case's audit saves their view through the form."""
    async with deps.sessions() as session:
        views = {v.id: v.case_ref for v in await audits.allocations(session)}
        asked = [m for m in await session.scalars(select(Moderation)) if m.completed_at is None]
        records = {r.id: r.allocation_id for r in await session.scalars(select(AuditRecord))}
        [moderation] = [m for m in asked if views[records[m.audit_record_id]] == case_ref]
        moderator = await session.get(Person, moderation.moderator_id)
        assert moderator is not None
    done = await send(deps, moderator.staff_id, "form", RECORD_MODERATION, str(moderation.id),
                      comments="Read the whole record", **answers)  # fmt: skip
    assert done.kind == "moderation_saved", done.text


async def test_agreement_rates_are_kept_by_service_and_by_auditor_over_the_last_year(
    deps: Deps,
) -> None:
    # a year earlier: Marcus's Outstanding for Tom, agreed on 12 January 2026
    async with deps.sessions.begin() as session:
        old = AuditRound(activity="case_audit", period="2026-01", window_start=dt.date(2026, 1, 5),
                         window_end=dt.date(2026, 1, 28), seed=1, created_at=START)  # fmt: skip
        assert await audits.create_round(session, old)
        pair = audits.NewAllocation("S04", "S05", "C-000101", "test")
        await audits.add_allocations(session, old.id, [pair], due_on=old.window_end, now=START)
    then = replace(deps, clock=VirtualClock(dt.datetime(2026, 1, 12, 10, 0, tzinfo=dt.UTC)))
    async with deps.sessions() as session:
        [view] = await audits.allocations(session, round_id=old.id)
    recorded = await send(then, "S04", "form", RECORD, str(view.id), grade="Outstanding",
                          grade_reason="What the file shows")  # fmt: skip
    assert recorded.kind == "audit_recorded"
    await moderate(then, "C-000101", agree="yes")
    # this month: the moderator agrees with Marcus's Inadequate, not with Dana's Outstanding
    await record(deps, "S04", "Inadequate")
    await record(deps, "S03", "Outstanding")
    await moderate(deps, "C-000101", agree="yes")
    await moderate(deps, "C-000103", agree="no", grade="Good")
    lines = (await my_qa(deps, "S08")).text.splitlines()
    start = lines.index(
        "**Moderation agreement** over the last year, how often the moderator agreed with the "
        "auditor's grade:"
    )
    assert lines[start + 2 : start + 4] == [
        "- By service: Children Looked After 0% (0 of 1); Children in Need 100% (2 of 2)",
        "- By auditor, lowest first: Dana Hughes 0% (0 of 1); Marcus Reid 100% (2 of 2)",
    ]
    # more than a year on from the old moderation, it no longer counts
    deps.clock.set(dt.datetime(2027, 1, 29, 10, 0, tzinfo=dt.UTC))  # type: ignore[attr-defined]
    text = (await my_qa(deps, "S08")).text
    assert "- By service: Children Looked After 0% (0 of 1); Children in Need 100% (1 of 1)" in text
    assert "- By auditor, lowest first: Dana Hughes 0% (0 of 1); Marcus Reid 100% (1 of 1)" in text
