"""Reflection and moderation reminders through the real router and sweeps, on SQLite and
PostgreSQL: nudged on their days in the one message of the day, held by a snooze, stopped by
an answer or by the rule's limit, and never sent to a manager."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from handlers.capabilities import build_router, reminder_sources
from handlers.case_audit.cycle import (
    OPEN_MODERATION,
    OPEN_REFLECTION,
    RECORD,
    RECORD_MODERATION,
    SAVE_REFLECTION,
)
from handlers.core.calendar import Calendar
from handlers.core.deps import Deps
from handlers.core.inbound import handle_event
from handlers.core.router import EventKind, Inbound, Reply
from handlers.programme.schema import CaseAudit, Programme, load_programme
from handlers.reminders.ids import SNOOZE, WHY
from handlers.reminders.snooze import Reminders
from message_templates.wording import Wording
from scheduler.clock import VirtualClock
from storage import Sessions
from storage.case_audit import audits
from storage.case_audit import people as audit_people
from storage.models import AuditRound, Moderation, OutboxMessage
from storage.people import CaseRecord, PersonRecord, Roster, apply_roster


async def sweep_reminders(deps: Deps, now: dt.datetime) -> int:
    """The daily digest as production runs it, with every capability's reminders."""
    return await Reminders(deps, reminder_sources()).sweep(now)


PROGRAMME = load_programme("default")
AUDIT: CaseAudit = PROGRAMME.of_kind(CaseAudit)[0]
START = dt.datetime(2027, 1, 4, 10, 0, tzinfo=dt.UTC)
DUE = dt.date(2027, 1, 28)
PEOPLE = [
    ("S01", "Helen Clarke", "head_of_service", "Leadership", None),
    ("S02", "Sam Moss", "service_manager", "Leadership", "S01"),
    ("S03", "Dana Hughes", "team_manager", "Team A", "S02"),
    ("S04", "Marcus Reid", "team_manager", "Team B", "S02"),
    ("S05", "Tom Okafor", "practitioner", "Team A", "S03"),
    ("S07", "Priya Shah", "practitioner", "Team B", "S04"),
]
PAIRS = [("S04", "S05", "C-000101"), ("S03", "S07", "C-000103")]  # auditor, worker, case
# Recorded on Monday 11 January: reflections due on the 18th (nudged on the 14th, 21st and
# 26th); the moderation due on the 25th (nudged on the 21st, 1 and 8 February).
RECORDED = dt.datetime(2027, 1, 11, 10, 0, tzinfo=dt.UTC)
REFLECTION_DAYS = [dt.date(2027, 1, 14), dt.date(2027, 1, 21), dt.date(2027, 1, 26)]
MODERATION_DAYS = [dt.date(2027, 1, 21), dt.date(2027, 2, 1), dt.date(2027, 2, 8)]


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC)


def working_days(first: dt.date, last: dt.date) -> list[dt.date]:
    days = (first + dt.timedelta(days=n) for n in range((last - first).days + 1))
    return [day for day in days if Calendar().is_working_day(day)]


async def make_deps(sessions: Sessions, programme: Programme = PROGRAMME) -> Deps:
    """Two audits due on 28 January; S04's audit of S05's case is recorded on the 11th."""
    people = tuple(
        PersonRecord(sid, name, f"{sid.lower()}@council.example", role, team, "Children", boss)
        for sid, name, role, team, boss in PEOPLE
    )
    cases = tuple(CaseRecord(ref, worker, "CIN", dt.date(2026, 9, 1)) for _, worker, ref in PAIRS)
    async with sessions.begin() as session:
        await apply_roster(session, Roster(people, cases), now=START, actor="test")
        new = AuditRound(activity="case_audit", period="2027-01", window_start=START.date(),
                         window_end=DUE, seed=1, created_at=START)  # fmt: skip
        assert await audits.create_round(session, new)
        rows = [audits.NewAllocation(a, w, ref, "test") for a, w, ref in PAIRS]
        await audits.add_allocations(session, new.id, rows, due_on=DUE, now=START)
    deps = Deps(sessions=sessions, wording=Wording(), clock=VirtualClock(RECORDED),
                programme=programme, calendar=Calendar.from_programme(programme),
                case_link="https://lcs.council.example/case/{case_ref}")  # fmt: skip
    reply = await send(deps, "S04", "form", RECORD, str(await allocation_id(deps)),
                       grade="Outstanding", grade_reason="The child's voice is everywhere",
                       action_1="Update the chronology", action_1_due="2027-01-26")  # fmt: skip
    assert reply.message is not None and reply.message.kind == "audit_recorded"
    return deps


@pytest.fixture
async def deps(sessions: Sessions) -> Deps:
    return await make_deps(sessions)


async def allocation_id(deps: Deps) -> int:
    async with deps.sessions() as session:
        [view] = [v for v in await audits.allocations(session) if v.auditor.staff_id == "S04"]
    return view.id


async def moderation(deps: Deps) -> tuple[int, str]:
    """The moderation asked for, and its moderator's staff id."""
    async with deps.sessions() as session:
        [row] = (await session.scalars(select(Moderation))).all()
        people = await audit_people.people_by_id(session, [row.moderator_id])
    return row.id, people[row.moderator_id].staff_id


async def send(
    deps: Deps, staff_id: str, kind: EventKind, name: str, value: str, **fields: str
) -> Reply:
    router = build_router(deps)
    event_id = f"{staff_id}:{name}:{value}:{deps.clock.now().isoformat()}"
    event = Inbound("sandbox", event_id, staff_id, kind, name, value, fields=tuple(fields.items()))
    reply = await handle_event(deps, router, event)
    assert reply is not None
    return reply


def answers(text: str) -> dict[str, str]:
    return {prompt.id: f"{text} ({prompt.id})" for prompt in AUDIT.reflection.prompts}


async def sweep(deps: Deps, days: list[dt.date]) -> dict[dt.date, dict[str, list[str]]]:
    """Each day's reminder sweep: who got which kinds of reminder, in their one message."""
    found: dict[dt.date, dict[str, list[str]]] = {}
    for day in days:
        deps.clock.set(at(day))  # type: ignore[attr-defined]
        await sweep_reminders(deps, at(day))
        async with deps.sessions() as session:
            prefix = "reminders:"
            rows = await session.scalars(
                select(OutboxMessage).where(OutboxMessage.idempotency_key.like(f"{prefix}%"))
            )
            for row in rows:
                _, staff_id, sent_on = row.idempotency_key.split(":")
                if sent_on == day.isoformat():
                    items = row.payload["meta"]["items"]
                    found.setdefault(day, {})[staff_id] = [item["kind"] for item in items]
    return found


def days_with(
    found: dict[dt.date, dict[str, list[str]]], staff_id: str, kind: str
) -> list[dt.date]:
    return [day for day, people in found.items() if kind in people.get(staff_id, [])]


async def test_reflections_and_moderation_are_nudged_on_their_days_then_stop(deps: Deps) -> None:
    _, moderator = await moderation(deps)
    found = await sweep(deps, working_days(dt.date(2027, 1, 11), dt.date(2027, 2, 19)))
    assert days_with(found, "S05", "reflection_reminder") == REFLECTION_DAYS
    assert days_with(found, moderator, "moderation_reminder") == MODERATION_DAYS
    reflecting = [p for day in found.values() for p, k in day.items() if "reflection_reminder" in k]
    assert set(reflecting) == {"S05"}  # not the auditor, not the worker's manager


async def test_a_nudge_shares_the_days_one_message_with_other_reminders(deps: Deps) -> None:
    found = await sweep(deps, [dt.date(2027, 1, 21)])
    assert found[dt.date(2027, 1, 21)]["S05"] == ["reflection_reminder", "action_reminder"]
    async with deps.sessions() as session:
        [row] = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.idempotency_key == "reminders:S05:2027-01-21")
        )
    buttons = [(b["action"], b["value"]) for s in row.payload["sections"] for b in s["buttons"]]
    allocation = str(await allocation_id(deps))
    assert (OPEN_REFLECTION, allocation) in buttons and (
        SNOOZE,
        f"reflection:{allocation}:2",
    ) in buttons
    assert (WHY, "reflection.reminder") in buttons
    assert "C-000101" in row.payload["sections"][0]["text"] and row.recipient == "person:S05"
    meta = row.payload["meta"]["items"][0]["meta"]
    assert (meta["type"], meta["due"]) == ("reflection.reminder", "2027-01-18")


async def test_saving_reflections_stops_their_reminders(deps: Deps) -> None:
    found = await sweep(deps, [dt.date(2027, 1, 14)])
    assert days_with(found, "S05", "reflection_reminder") == [dt.date(2027, 1, 14)]
    deps.clock.set(at(dt.date(2027, 1, 15)))  # type: ignore[attr-defined]
    allocation = str(await allocation_id(deps))
    opened = await send(deps, "S05", "action", OPEN_REFLECTION, allocation)
    assert opened.message is not None and opened.message.kind == "reflection_form"
    assert opened.message.form is not None and opened.message.form.action == SAVE_REFLECTION
    saved = await send(deps, "S05", "form", SAVE_REFLECTION, allocation, **answers("Calmer"))
    assert saved.message is not None and saved.message.kind == "reflection_saved"
    found = await sweep(deps, working_days(dt.date(2027, 1, 18), dt.date(2027, 2, 5)))
    assert days_with(found, "S05", "reflection_reminder") == []
    action_days = [dt.date(2027, 1, 21), dt.date(2027, 1, 25), dt.date(2027, 2, 2)]
    assert days_with(found, "S05", "action_reminder") == action_days  # the action goes on


async def test_a_reopened_form_keeps_the_answers_already_saved(deps: Deps) -> None:
    allocation = str(await allocation_id(deps))
    await send(deps, "S05", "form", SAVE_REFLECTION, allocation, **answers("First thoughts"))
    opened = await send(deps, "S05", "action", OPEN_REFLECTION, allocation)
    assert opened.message is not None and opened.message.form is not None
    assert all(f.value.startswith("First thoughts") for f in opened.message.form.fields)
    refused = await send(deps, "S03", "action", OPEN_REFLECTION, allocation)
    assert refused.message is not None and refused.message.kind == "user_error"


async def test_saving_the_moderation_stops_its_reminders(deps: Deps) -> None:
    moderation_id, moderator = await moderation(deps)
    found = await sweep(deps, [dt.date(2027, 1, 21)])
    assert days_with(found, moderator, "moderation_reminder") == [dt.date(2027, 1, 21)]
    opened = await send(deps, moderator, "action", OPEN_MODERATION, str(moderation_id))
    assert opened.message is not None and opened.message.kind == "moderation_form"
    done = await send(deps, moderator, "form", RECORD_MODERATION, str(moderation_id),
                      agree="yes", comments="The evidence supports Outstanding")  # fmt: skip
    assert done.message is not None and done.message.kind == "moderation_saved"
    found = await sweep(deps, working_days(dt.date(2027, 1, 22), dt.date(2027, 2, 12)))
    assert days_with(found, moderator, "moderation_reminder") == []


async def test_a_snooze_holds_a_reflection_reminder_then_it_comes_back(deps: Deps) -> None:
    deps.clock.set(at(dt.date(2027, 1, 20)))  # type: ignore[attr-defined]
    allocation = await allocation_id(deps)
    reply = await send(deps, "S05", "action", SNOOZE, f"reflection:{allocation}:2")
    assert reply.message is not None and reply.message.kind == "reminder_snoozed"
    found = await sweep(deps, working_days(dt.date(2027, 1, 21), dt.date(2027, 1, 29)))
    assert days_with(found, "S05", "reflection_reminder") == [
        dt.date(2027, 1, 22),  # the first working day after the snooze (to the 21st)
        dt.date(2027, 1, 26),
    ]


async def test_a_snooze_holds_a_moderation_reminder(deps: Deps) -> None:
    moderation_id, moderator = await moderation(deps)
    deps.clock.set(at(dt.date(2027, 1, 20)))  # type: ignore[attr-defined]
    reply = await send(deps, moderator, "action", SNOOZE, f"moderation:{moderation_id}:5")
    assert reply.message is not None and reply.message.kind == "reminder_snoozed"
    found = await sweep(deps, working_days(dt.date(2027, 1, 21), dt.date(2027, 2, 2)))
    assert days_with(found, moderator, "moderation_reminder") == [
        dt.date(2027, 1, 27),  # the first working day after five working days held
        dt.date(2027, 2, 1),
    ]


async def test_each_reminder_explains_itself(deps: Deps) -> None:
    for kind, words in (("reflection.reminder", "nobody"), ("moderation.reminder", "moderate")):
        reply = await send(deps, "S05", "action", WHY, kind)
        assert reply.message is not None and reply.message.kind == "reminder_why"
        assert words in reply.message.text


async def test_unanswered_requests_never_reach_a_manager(deps: Deps) -> None:
    days = working_days(dt.date(2027, 1, 12), dt.date(2027, 3, 5))
    await sweep(deps, days)
    async with deps.sessions() as session:
        rows = (await session.scalars(select(OutboxMessage))).all()
    items = [i for r in rows for i in r.payload["meta"].get("items", [])]
    escalated = [i for i in items if i["kind"].endswith("_escalated")]
    assert {i["kind"] for i in escalated} <= {"audit_escalated", "action_escalated"}
    recorded = await allocation_id(deps)
    assert all(i["meta"].get("allocation_id") != recorded for i in escalated)


async def test_when_the_auditor_reflects_each_is_nudged_until_they_answer(
    sessions: Sessions,
) -> None:
    reflection = AUDIT.reflection.model_copy(update={"auditor_reflects": True})
    audit = AUDIT.model_copy(update={"reflection": reflection})
    others = [a for a in PROGRAMME.activities if not isinstance(a, CaseAudit)]
    deps = await make_deps(sessions, PROGRAMME.model_copy(update={"activities": [audit, *others]}))
    async with deps.sessions() as session:
        query = select(OutboxMessage).where(OutboxMessage.message_type == "reflection_requested")
        requests = {r.recipient: r.payload["text"] for r in await session.scalars(query)}
    assert "your time with Marcus Reid" in requests["person:S05"]  # the worker, of the auditor
    assert "Only you, Marcus Reid, your manager" in requests["person:S05"]
    assert "your time with Tom Okafor" in requests["person:S04"]  # the auditor, of the worker
    assert "Only you, Tom Okafor, their manager" in requests["person:S04"]
    found = await sweep(deps, [dt.date(2027, 1, 14)])
    assert found[dt.date(2027, 1, 14)] == {
        "S05": ["reflection_reminder"],
        "S04": ["reflection_reminder"],
    }
    deps.clock.set(at(dt.date(2027, 1, 15)))  # type: ignore[attr-defined]
    allocation = str(await allocation_id(deps))
    await send(deps, "S04", "form", SAVE_REFLECTION, allocation, **answers("As auditor"))
    found = await sweep(deps, working_days(dt.date(2027, 1, 18), dt.date(2027, 1, 29)))
    assert days_with(found, "S04", "reflection_reminder") == []
    assert days_with(found, "S05", "reflection_reminder") == REFLECTION_DAYS[1:]
