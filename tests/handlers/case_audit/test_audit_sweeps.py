"""Reminder and escalation sweeps: one message a person a working day; managers told once."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select, update

from handlers.capabilities import build_router, reminder_sources
from handlers.case_audit.cycle import (
    ACTION_DONE,
    CHECKLIST_TICK,
    sweep_escalations,
)
from handlers.core.calendar import Calendar
from handlers.core.deps import Deps
from handlers.core.inbound import handle_event
from handlers.core.router import Inbound, Reply
from handlers.programme.schema import CaseAudit, load_programme
from handlers.reminders.ids import SNOOZE, WHY
from handlers.reminders.snooze import Reminders
from message_templates.wording import Wording
from scheduler.clock import VirtualClock
from storage import Sessions
from storage.case_audit import audits
from storage.case_audit import people as audit_people
from storage.models import Action, AuditRound, OutboxMessage, Person
from storage.people import CaseRecord, PersonRecord, Roster, apply_roster


async def sweep_reminders(deps: Deps, now: dt.datetime) -> int:
    """The daily digest as production runs it, with every capability's reminders."""
    return await Reminders(deps, reminder_sources()).sweep(now)


PROGRAMME = load_programme("default")
AUDIT: CaseAudit = PROGRAMME.of_kind(CaseAudit)[0]
DUE = dt.date(2027, 1, 28)  # a Thursday
START = dt.datetime(2027, 1, 4, 10, 0, tzinfo=dt.UTC)
PEOPLE = [
    ("S01", "Helen Clarke", "head_of_service", "Leadership", None),
    ("S02", "Sam Moss", "service_manager", "Leadership", "S01"),
    ("S03", "Dana Hughes", "team_manager", "Team A", "S02"),
    ("S04", "Marcus Reid", "team_manager", "Team B", "S02"),
    ("S05", "Tom Okafor", "practitioner", "Team A", "S03"),
    ("S07", "Priya Shah", "practitioner", "Team B", "S04"),
]
PAIRS = [("S04", "S05", "C-000101"), ("S03", "S07", "C-000103")]  # auditor, worker, case


def at(day: int, month: int = 1) -> dt.datetime:
    return dt.datetime(2027, month, day, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
async def deps(sqlite_sessions: Sessions) -> Deps:
    """Two audits due on 28 January and one action for S05 due the same day."""
    people = tuple(
        PersonRecord(sid, name, f"{sid.lower()}@council.example", role, team, "Children", boss)
        for sid, name, role, team, boss in PEOPLE
    )
    cases = tuple(CaseRecord(ref, worker, "CIN", dt.date(2026, 9, 1)) for _, worker, ref in PAIRS)
    async with sqlite_sessions.begin() as session:
        await apply_roster(session, Roster(people, cases), now=START, actor="test")
        new = AuditRound(activity="case_audit", period="2027-01", window_start=dt.date(2027, 1, 4),
                         window_end=DUE, seed=1, created_at=START)  # fmt: skip
        assert await audits.create_round(session, new)
        rows = [audits.NewAllocation(a, w, ref, "test") for a, w, ref in PAIRS]
        await audits.add_allocations(session, new.id, rows, due_on=DUE, now=START)
        owner = await audit_people.person_by_staff_id(session, "S05")
        assert owner is not None
        session.add(Action(source="audit", source_id=0, description="Update the chronology",
                           owner_id=owner.id, due_on=DUE, created_at=START))  # fmt: skip
    return Deps(
        sessions=sqlite_sessions,
        wording=Wording(),
        clock=VirtualClock(START),
        programme=PROGRAMME,
        calendar=Calendar.from_programme(PROGRAMME),
    )


async def outbox(deps: Deps) -> dict[str, OutboxMessage]:
    async with deps.sessions() as session:
        found = await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return {m.idempotency_key: m for m in found}


def kinds(message: OutboxMessage) -> list[str]:
    return [item["kind"] for item in message.payload["meta"]["items"]]


async def click(deps: Deps, staff_id: str, name: str, value: str, source_key: str = "") -> Reply:
    router = build_router(deps)
    event = Inbound(
        "sandbox", f"{staff_id}:{name}:{value}", staff_id, "action", name, value,
        source_key=source_key,
    )  # fmt: skip
    reply = await handle_event(deps, router, event)
    assert reply is not None
    return reply


async def set_column(deps: Deps, staff_id: str, **values: Any) -> None:
    async with deps.sessions.begin() as session:
        await session.execute(update(Person).where(Person.staff_id == staff_id).values(**values))


async def test_reminders_due_today_are_gathered_into_one_message_per_person(deps: Deps) -> None:
    assert await sweep_reminders(deps, at(25)) == 4  # three working days before the 28th
    sent = await outbox(deps)
    assert kinds(sent["reminders:S05:2027-01-25"]) == ["checklist_reminder", "action_reminder"]
    assert kinds(sent["reminders:S04:2027-01-25"]) == ["audit_reminder"]
    assert kinds(sent["reminders:S07:2027-01-25"]) == ["checklist_reminder"]
    assert sent["reminders:S05:2027-01-25"].recipient == "person:S05"
    assert await sweep_reminders(deps, at(25).replace(hour=14)) == 0
    assert len(await outbox(deps)) == 4


class CountingWording(Wording):
    """The real wording, counting what it composes."""

    def __init__(self) -> None:
        super().__init__()
        self.composed: list[str] = []

    def compose(self, name: str, context: Any, **structure: Any) -> Any:
        self.composed.append(name)
        return super().compose(name, context, **structure)


async def test_later_sweeps_the_same_day_compose_nothing_already_queued(deps: Deps) -> None:
    """The sweep runs every minute: once today's messages are queued it only checks their keys."""
    wording = CountingWording()
    counted = dataclasses.replace(deps, wording=wording)
    assert await sweep_reminders(counted, at(25)) == 4
    # S05's checklist and action, each auditor's audit, S07's checklist: four people, five items
    assert sorted(wording.composed) == sorted(["checklist_reminder", "action_reminder",
                                               "audit_reminder", "checklist_reminder",
                                               "audit_reminder"])  # fmt: skip
    wording.composed.clear()
    assert await sweep_reminders(counted, at(25).replace(hour=11)) == 0
    assert wording.composed == []
    assert await sweep_reminders(counted, at(26)) == 0  # not a nudge day: nothing to compose
    assert await sweep_reminders(counted, at(27)) == 4  # a working day before: all again
    assert len(wording.composed) == 5


async def test_reminders_come_only_on_their_days_and_stop_once_the_checklist_is_done(
    deps: Deps,
) -> None:
    assert await sweep_reminders(deps, at(26)) == 0
    async with deps.sessions.begin() as session:
        [view] = [v for v in await audits.allocations(session) if v.practitioner.staff_id == "S07"]
        done = {item.id: True for item in AUDIT.checklist}
        await audits.set_ticks(session, view.id, done, by_id=view.practitioner.id, at=at(26))
    assert await sweep_reminders(deps, at(27)) == 3
    assert "reminders:S07:2027-01-27" not in await outbox(deps)


async def test_nobody_is_nudged_while_away(deps: Deps) -> None:
    await set_column(deps, "S05", away_until=dt.date(2027, 1, 29))
    assert await sweep_reminders(deps, at(25)) == 3
    assert not any(key.startswith("reminders:S05") for key in await outbox(deps))


async def test_a_leaver_hears_nothing_more_but_their_overdue_audit_still_escalates(
    deps: Deps,
) -> None:
    await set_column(deps, "S05", active=False)  # the worker with a checklist and an action
    assert await sweep_reminders(deps, at(25)) == 3
    assert not any(key.startswith("reminders:S05") for key in await outbox(deps))
    await set_column(deps, "S04", active=False)  # an auditor who left before recording
    assert await sweep_escalations(deps, at(4, 2)) == 2
    escalated = [k for k in await outbox(deps) if k.startswith("audit.escalated")]
    assert len(escalated) == 2


async def test_a_snoozed_reminder_waits_then_comes_the_next_working_day(deps: Deps) -> None:
    async with deps.sessions() as session:
        [view] = [v for v in await audits.allocations(session) if v.auditor.staff_id == "S04"]
    deps.clock.set(at(22))  # type: ignore[attr-defined]
    reply = await click(deps, "S04", SNOOZE, f"audit:{view.id}:2")  # held to Monday the 25th
    assert reply.message is not None and reply.message.kind == "reminder_snoozed"
    assert await sweep_reminders(deps, at(25)) == 3
    assert "reminders:S04:2027-01-25" not in await outbox(deps)
    assert await sweep_reminders(deps, at(26)) == 1
    assert kinds((await outbox(deps))["reminders:S04:2027-01-26"]) == ["audit_reminder"]


async def test_overdue_audits_and_actions_escalate_once_to_the_line_manager(deps: Deps) -> None:
    assert await sweep_escalations(deps, at(3, 2)) == 0  # four working days overdue
    assert await sweep_escalations(deps, at(4, 2)) == 2
    sent = await outbox(deps)
    escalated = {k: m for k, m in sent.items() if k.startswith("audit.escalated")}
    assert {m.recipient for m in escalated.values()} == {"person:S02"}  # both auditors' manager
    assert {m.message_type for m in escalated.values()} == {"audit_escalated"}
    assert await sweep_escalations(deps, at(4, 2)) == 0
    assert await sweep_escalations(deps, at(11, 2)) == 1  # the action, ten working days over
    [action] = [m for k, m in (await outbox(deps)).items() if k.startswith("action.escalated")]
    assert action.recipient == "person:S03" and action.payload["meta"]["owner"] == "S05"


async def test_the_owner_closes_an_action_in_one_click(deps: Deps) -> None:
    async with deps.sessions() as session:
        [action] = (await session.scalars(select(Action))).all()
    refused = await click(deps, "S07", ACTION_DONE, str(action.id))
    assert refused.message is not None and refused.message.kind == "user_error"
    reply = await click(deps, "S05", ACTION_DONE, str(action.id))
    assert reply.message is not None and reply.message.kind == "action_done"
    async with deps.sessions() as session:
        assert (await session.get(Action, action.id)).status == "done"  # type: ignore[union-attr]
    assert await sweep_reminders(deps, at(25)) == 4
    assert kinds((await outbox(deps))["reminders:S05:2027-01-25"]) == ["checklist_reminder"]


async def test_every_reminder_can_be_acted_on_snoozed_or_explained(deps: Deps) -> None:
    await sweep_reminders(deps, at(25))
    gathered = (await outbox(deps))["reminders:S05:2027-01-25"]
    actions = [b["action"] for b in gathered.payload["buttons"]]
    assert actions.count(WHY) == 2 and actions.count(SNOOZE) == 2 and ACTION_DONE in actions
    reply = await click(deps, "S05", WHY, "checklist.reminder")
    assert reply.message is not None and reply.message.kind == "reminder_why"
    assert "checklist" in reply.message.text


async def test_ticking_from_a_reminder_keeps_the_reminder_whole(deps: Deps) -> None:
    await sweep_reminders(deps, at(25))
    key = "reminders:S07:2027-01-25"
    reminder = (await outbox(deps))[key]
    assert reminder.payload["checklist_action"] == CHECKLIST_TICK
    value = f"{reminder.payload['checklist_value']}:plan"
    reply = await click(deps, "S07", CHECKLIST_TICK, value, source_key=key)
    assert reply.update is None and reply.message is None
    assert (await outbox(deps))[key].revision == 0
    async with deps.sessions() as session:
        [view] = [v for v in await audits.allocations(session) if v.practitioner.staff_id == "S07"]
    assert view.ticked == frozenset({"plan"})
