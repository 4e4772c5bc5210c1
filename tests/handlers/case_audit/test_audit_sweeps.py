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
    ESCALATION_ASK,
    ESCALATION_EXTEND,
    ESCALATION_TAKE,
    OPEN_NOT_APPLICABLE,
)
from handlers.case_audit.ids import (
    ESCALATION_REASSIGN,
    ESCALATION_REASSIGN_SAVE,
    OPEN_RECORD,
    RECORD,
    SET_AGREED,
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
from storage import Sessions, snoozes
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


async def deliver(deps: Deps) -> None:
    """What the dispatcher does with each message queued: sends it at its time."""
    async with deps.sessions.begin() as session:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == "pending")
            .values(status="sent", sent_at=OutboxMessage.next_attempt_at)
        )


async def every_working_day(deps: Deps, first: dt.date, last: dt.date) -> None:
    """The daily sweep each working day, each day's messages delivered."""
    day = first
    while day <= last:
        if deps.calendar.is_working_day(day):
            await sweep_reminders(deps, at(day.day, day.month))
            await deliver(deps)
        day += dt.timedelta(days=1)


def sections(message: OutboxMessage) -> list[str]:
    """The heading of each item of a message: its sections, or its title when it has one item."""
    found = [s["title"] for s in message.payload.get("sections", [])]
    return found or [message.payload["title"]]


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
                                               "audit_reminder", "digest"])  # fmt: skip
    wording.composed.clear()
    assert await sweep_reminders(counted, at(25).replace(hour=11)) == 0
    assert wording.composed == []
    assert await sweep_reminders(counted, at(26)) == 0  # not a nudge day: nothing to compose
    assert await sweep_reminders(counted, at(27)) == 4  # a working day before: all again
    assert len(wording.composed) == 6  # and the digest's greeting for S05's two items


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
    await every_working_day(deps, dt.date(2027, 1, 26), dt.date(2027, 2, 4))
    manager = (await outbox(deps))["reminders:S02:2027-02-04"]
    assert kinds(manager) == ["audit_escalated", "audit_escalated"]


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


async def test_a_manager_hears_of_several_overdue_items_in_their_one_message(deps: Deps) -> None:
    await every_working_day(deps, dt.date(2027, 1, 25), dt.date(2027, 2, 3))
    assert not any(k.startswith("reminders:S02") for k in await outbox(deps))  # four days over
    await every_working_day(deps, dt.date(2027, 2, 4), dt.date(2027, 2, 4))
    sent = await outbox(deps)
    [message] = [m for k, m in sent.items() if k.startswith("reminders:S02")]
    assert message.idempotency_key == "reminders:S02:2027-02-04"  # both auditors' manager
    assert kinds(message) == ["audit_escalated", "audit_escalated"]
    assert sections(message) == [
        "Marcus Reid's audit of C-000101",
        "Dana Hughes's audit of C-000103",
    ]
    actions = [[b["action"] for b in s["buttons"]] for s in message.payload["sections"]]
    assert actions[0] == [ESCALATION_ASK, ESCALATION_EXTEND, ESCALATION_REASSIGN, ESCALATION_TAKE,
                          WHY]  # fmt: skip
    assert actions[1] == [ESCALATION_ASK, ESCALATION_EXTEND, ESCALATION_REASSIGN,
                          ESCALATION_TAKE]  # why: once  # fmt: skip
    assert not message.payload["text"].count("Hi Sam")
    await every_working_day(deps, dt.date(2027, 2, 5), dt.date(2027, 2, 10))
    assert not any(k.startswith("reminders:S02:2027-02-1") for k in await outbox(deps))
    await every_working_day(deps, dt.date(2027, 2, 11), dt.date(2027, 2, 11))
    [action] = [m for k, m in (await outbox(deps)).items() if k == "reminders:S03:2027-02-11"]
    assert kinds(action)[-1] == "action_escalated"  # ten working days over, beside Dana's own
    assert action.payload["meta"]["items"][-1]["meta"]["owner"] == "S05"


async def test_no_manager_hears_before_the_person_was_reminded_and_had_a_day(deps: Deps) -> None:
    await set_column(deps, "S04", away_until=dt.date(2027, 2, 3))  # away: no reminder reaches him
    await every_working_day(deps, dt.date(2027, 1, 25), dt.date(2027, 2, 4))
    sent = await outbox(deps)
    assert sections(sent["reminders:S02:2027-02-04"]) == ["Dana Hughes's audit of C-000103"]
    assert "reminders:S04:2027-02-04" in sent  # Marcus is back and reminded on Thursday 4th
    await every_working_day(deps, dt.date(2027, 2, 5), dt.date(2027, 2, 5))
    assert "reminders:S02:2027-02-05" not in await outbox(deps)  # Friday: his day to act
    await every_working_day(deps, dt.date(2027, 2, 8), dt.date(2027, 2, 8))
    assert sections((await outbox(deps))["reminders:S02:2027-02-08"]) == [
        "Marcus Reid's audit of C-000101"
    ]


async def test_a_queued_reminder_not_yet_delivered_does_not_count(deps: Deps) -> None:
    await every_working_day(deps, dt.date(2027, 1, 25), dt.date(2027, 1, 29))
    async with deps.sessions.begin() as session:  # nothing delivered since the due date
        await session.execute(
            update(OutboxMessage).where(OutboxMessage.idempotency_key.startswith("reminders:"))
            .values(status="pending")
        )  # fmt: skip
    await sweep_reminders(deps, at(4, 2))
    assert "reminders:S02:2027-02-04" not in await outbox(deps)


async def test_the_managers_buttons_ask_extend_and_take(deps: Deps) -> None:
    await every_working_day(deps, dt.date(2027, 1, 25), dt.date(2027, 2, 4))
    message = (await outbox(deps))["reminders:S02:2027-02-04"]
    second, first = (s["buttons"][0]["value"] for s in message.payload["sections"])
    refused = await click(deps, "S03", ESCALATION_ASK, first)  # not Dana's manager
    assert refused.message is not None and refused.message.kind == "user_error"
    deps.clock.set(at(4, 2))  # type: ignore[attr-defined]
    asked = await click(deps, "S02", ESCALATION_ASK, first)
    assert asked.message is not None and "let Dana Hughes know" in asked.message.text
    [word] = [m for k, m in (await outbox(deps)).items() if k.startswith("escalation.asked")]
    assert word.recipient == "person:S03" and "Sam Moss asked" in word.payload["text"]
    extended = await click(deps, "S02", ESCALATION_EXTEND, first)
    assert extended.message is not None and "Thursday 11 February" in extended.message.text
    taken = await click(deps, "S02", ESCALATION_TAKE, second)
    assert taken.message is not None and "with you now" in taken.message.text
    async with deps.sessions() as session:
        due = {v.auditor.staff_id: v.due_on for v in await audits.allocations(session)}
    assert due == {"S03": dt.date(2027, 2, 11), "S04": DUE}
    # Dana is reminded of the new date; Marcus's audit, taken on, is never raised again
    await every_working_day(deps, dt.date(2027, 2, 5), dt.date(2027, 3, 5))
    later = [m for k, m in (await outbox(deps)).items() if k.startswith("reminders:S02")]
    assert [sections(m) for m in later[1:]] == [["Dana Hughes's audit of C-000103"]]


async def test_the_manager_reassigns_an_escalated_audit_and_both_are_told(deps: Deps) -> None:
    await every_working_day(deps, dt.date(2027, 1, 25), dt.date(2027, 2, 4))
    message = (await outbox(deps))["reminders:S02:2027-02-04"]
    _, first = (s["buttons"][0]["value"] for s in message.payload["sections"])  # Dana's (S03)
    opened = await click(deps, "S02", ESCALATION_REASSIGN, first)
    assert opened.message is not None and opened.message.form is not None
    [picker] = opened.message.form.fields
    assert picker.kind == "person" and "S03" not in {c.value for c in picker.choices}
    assert any(c.label.startswith("Marcus Reid — ") for c in picker.choices)
    same = await submit(deps, "S02", ESCALATION_REASSIGN_SAVE, first, person="S03")
    assert same.message is not None and same.message.form is not None
    assert "already" in same.message.form.fields[0].error
    nobody = await submit(deps, "S02", ESCALATION_REASSIGN_SAVE, first, person="Nobody Known")
    assert nobody.message is not None and nobody.message.form is not None
    assert nobody.message.form.fields[0].value == "Nobody Known"  # kept as typed
    async with deps.sessions() as session:
        assert {v.auditor.staff_id for v in await audits.allocations(session)} == {"S03", "S04"}
    moved = await submit(deps, "S02", ESCALATION_REASSIGN_SAVE, first, person="Marcus Reid")
    assert moved.message is not None and "with Marcus Reid now" in moved.message.text
    async with deps.sessions() as session:
        assert [v.auditor.staff_id for v in await audits.allocations(session)] == ["S04", "S04"]
    sent = await outbox(deps)
    [given] = [m for k, m in sent.items() if k.startswith("escalation.reassigned:")]
    [released] = [m for k, m in sent.items() if k.startswith("escalation.released:")]
    assert given.recipient == "person:S04" and "Sam Moss has asked you" in given.payload["text"]
    assert given.payload["buttons"][0]["action"] == OPEN_RECORD
    assert released.recipient == "person:S03" and "to Marcus Reid" in released.payload["text"]


async def test_an_overdue_audit_reassigned_gets_a_fair_due_date_and_ladder(deps: Deps) -> None:
    await every_working_day(deps, dt.date(2027, 1, 25), dt.date(2027, 2, 4))
    message = (await outbox(deps))["reminders:S02:2027-02-04"]
    _, first = (s["buttons"][0]["value"] for s in message.payload["sections"])  # Dana's (S03)
    deps.clock.set(at(4, 2))  # type: ignore[attr-defined]
    moved = await submit(deps, "S02", ESCALATION_REASSIGN_SAVE, first, person="Marcus Reid")
    new_due = dt.date(2027, 2, 11)  # a working week on from Thursday 4 February, not 28 January
    assert moved.message is not None and "Thursday 11 February" in moved.message.text
    async with deps.sessions() as session:
        due = {v.case_ref: v.due_on for v in await audits.allocations(session)}
    assert due == {"C-000101": DUE, "C-000103": new_due}
    [given] = [m for k, m in (await outbox(deps)).items() if k.startswith("escalation.reassigned:")]
    assert "It's due **Thursday 11 February**" in given.payload["text"]
    assert given.payload["meta"]["due"] == new_due.isoformat()
    # the ladder counts from the new date: Marcus is reminded, then has his days before Sam hears
    await every_working_day(deps, dt.date(2027, 2, 5), dt.date(2027, 2, 17))
    sent = await outbox(deps)
    assert not [k for k in sent if k.startswith("reminders:S02:2027-02")][1:]
    reminded = [k for k, m in sent.items() if k.startswith("reminders:S04:2027-02")
                and any(i["meta"].get("case_ref") == "C-000103"
                        for i in m.payload["meta"]["items"])]  # fmt: skip
    assert reminded == ["reminders:S04:2027-02-08", "reminders:S04:2027-02-10"]  # before it
    await every_working_day(deps, dt.date(2027, 2, 18), dt.date(2027, 2, 18))
    assert sections((await outbox(deps))["reminders:S02:2027-02-18"]) == [
        "Marcus Reid's audit of C-000103"
    ]


async def test_someone_new_is_welcomed_before_what_is_reassigned_to_them(deps: Deps) -> None:
    await every_working_day(deps, dt.date(2027, 1, 25), dt.date(2027, 2, 4))
    message = (await outbox(deps))["reminders:S02:2027-02-04"]
    second, first = (s["buttons"][0]["value"] for s in message.payload["sections"])
    deps.clock.set(at(4, 2))  # type: ignore[attr-defined]
    await set_column(deps, "S01", welcomed_at=START)  # Helen has met qabot; Priya has not
    await submit(deps, "S02", ESCALATION_REASSIGN_SAVE, first, person="Helen Clarke")
    await submit(deps, "S02", ESCALATION_REASSIGN_SAVE, second, person="Priya Shah")
    rows = sorted(
        (m for m in (await outbox(deps)).values()
         if m.recipient in ("person:S01", "person:S07") and not m.idempotency_key.startswith(
             "reminders:")),
        key=lambda m: m.id,
    )  # fmt: skip
    assert [(m.recipient, m.message_type) for m in rows] == [
        ("person:S01", "escalation_reassigned"),
        ("person:S07", "welcome"),
        ("person:S07", "escalation_reassigned"),
    ]
    welcome, given = rows[1:]
    assert welcome.payload["title"] == "Hello from qabot"
    assert welcome.next_attempt_at == given.next_attempt_at  # together, the hello first
    hello = Inbound("sandbox", "hello:S07", "S07", "hello")  # her page opened later: no second
    said = await handle_event(deps, build_router(deps), hello)
    assert said is None or said.message is None


async def submit(deps: Deps, staff_id: str, name: str, value: str, **fields: str) -> Reply:
    event = Inbound("sandbox", f"{staff_id}:{name}:{value}:{sorted(fields.items())}", staff_id,
                    "form", name, value, fields=tuple(fields.items()))  # fmt: skip
    reply = await handle_event(deps, build_router(deps), event)
    assert reply is not None
    return reply


async def test_the_owner_closes_an_action_saying_what_was_done(deps: Deps) -> None:
    async with deps.sessions() as session:
        [action] = (await session.scalars(select(Action))).all()
    refused = await click(deps, "S07", ACTION_DONE, str(action.id))
    assert refused.message is not None and refused.message.kind == "user_error"
    opened = await click(deps, "S05", ACTION_DONE, str(action.id))
    assert opened.message is not None and opened.message.kind == "action_done_form"
    assert opened.message.form is not None and opened.message.form.action == ACTION_DONE
    blank = await submit(deps, "S05", ACTION_DONE, str(action.id), evidence="  ")
    assert blank.message is not None and blank.message.kind == "action_done_form"
    assert blank.message.form is not None
    assert "nothing is closed yet" in blank.message.form.fields[0].error
    async with deps.sessions() as session:
        assert (await session.get(Action, action.id)).status == "open"  # type: ignore[union-attr]
    reply = await submit(deps, "S05", ACTION_DONE, str(action.id), evidence="Chronology updated")
    assert reply.message is not None and reply.message.kind == "action_done"
    async with deps.sessions() as session:
        closed = await session.get(Action, action.id)
        assert closed is not None and closed.status == "done"
        assert closed.evidence == "Chronology updated" and closed.confirmed_by_id is None
    assert await sweep_reminders(deps, at(25)) == 4
    assert kinds((await outbox(deps))["reminders:S05:2027-01-25"]) == ["checklist_reminder"]


async def test_every_reminder_can_be_acted_on_snoozed_or_explained(deps: Deps) -> None:
    await sweep_reminders(deps, at(25))
    gathered = (await outbox(deps))["reminders:S05:2027-01-25"]
    actions = [[b["action"] for b in s["buttons"]] for s in gathered.payload["sections"]]
    # two kinds, "why" for each; an unfinished checklist also offers "an item doesn't apply"
    assert actions == [[OPEN_NOT_APPLICABLE, SNOOZE, WHY], [ACTION_DONE, SNOOZE, WHY]]
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


async def test_a_recorded_audit_settles_its_reminders_in_the_daily_messages(deps: Deps) -> None:
    """Cards that know they are done: the audit's item in the day's message loses its buttons
    and says what happened; the manager's escalation of another audit is left as it was."""
    await every_working_day(deps, dt.date(2027, 1, 25), dt.date(2027, 2, 4))
    async with deps.sessions.begin() as session:  # delivered on a platform: each has its id
        await session.execute(update(OutboxMessage).values(platform_message_id="m"))
    sent = await outbox(deps)
    reminder = sent["reminders:S04:2027-02-04"]
    allocation = reminder.payload["meta"]["items"][0]["meta"]["allocation_id"]
    deps.clock.set(at(4, 2))  # type: ignore[attr-defined]
    reply = await submit(deps, "S04", RECORD, str(allocation), grade="Good",
                         grade_reason="A clear plan")  # fmt: skip
    assert reply.message is not None and reply.message.kind == "audit_recorded"
    sent = await outbox(deps)
    settled = sent["reminders:S04:2027-02-04"].payload
    assert not settled.get("buttons") and settled["footer"].startswith("✓ Audit recorded (Good)")
    manager = sent["reminders:S02:2027-02-04"].payload  # both auditors' manager: two sections
    done, still = sorted(manager["sections"], key=lambda s: bool(s["buttons"]))
    assert not done["buttons"] and "✓ Audit recorded (Good)" in done["text"]
    assert still["buttons"] and "✓" not in still["text"]


async def test_a_checklist_ticked_to_the_end_settles_its_reminder(deps: Deps) -> None:
    await sweep_reminders(deps, at(25))
    key = "reminders:S07:2027-01-25"
    async with deps.sessions.begin() as session:  # delivered on a platform: it has its id
        await session.execute(
            update(OutboxMessage).values(
                status="sent", platform_message_id="m", sent_at=OutboxMessage.next_attempt_at
            )
        )
    reminder = (await outbox(deps))[key]
    every = [("done", entry["id"]) for entry in reminder.payload["checklist"]]
    event = Inbound("sandbox", "S07:all", "S07", "action", CHECKLIST_TICK,
                    reminder.payload["checklist_value"], fields=tuple(every[:-1]),
                    source_key=key)  # fmt: skip
    await handle_event(deps, build_router(deps), event)
    assert (await outbox(deps))[key].revision == 0  # not done yet: the reminder stays whole
    whole = Inbound("sandbox", "S07:all2", "S07", "action", CHECKLIST_TICK,
                    reminder.payload["checklist_value"], fields=tuple(every),
                    source_key=key)  # fmt: skip
    await handle_event(deps, build_router(deps), whole)
    settled = (await outbox(deps))[key]
    assert settled.revision == 1 and not settled.payload.get("checklist")
    assert settled.payload["footer"].startswith("✓ Checklist done on ")


async def test_the_manager_hears_why_the_auditor_snoozed_it(deps: Deps) -> None:
    async with deps.sessions.begin() as session:
        [view] = [v for v in await audits.allocations(session) if v.auditor.staff_id == "S04"]
        item = f"audit:{view.id}"
        await snoozes.set_snooze(session, view.auditor.id, item, dt.date(2027, 1, 26))
        await snoozes.give_reason(session, view.auditor.id, item, "Court all this week")
    await every_working_day(deps, dt.date(2027, 1, 25), dt.date(2027, 2, 4))
    [message] = [m for k, m in (await outbox(deps)).items() if k.startswith("reminders:S02")]
    text = " ".join(s["text"] for s in message.payload["sections"])
    assert "When Marcus Reid snoozed it, they said: “Court all this week”." in text
    assert text.count("snoozed it") == 1  # Dana said nothing: nothing said for her audit


def called(word: str) -> Any:
    """The default programme with its audits called `word` (Camden's "learning conversation")."""
    activities = [
        a.model_copy(update={"called": word}) if isinstance(a, CaseAudit) else a
        for a in PROGRAMME.activities
    ]
    return PROGRAMME.model_copy(update={"activities": activities})


@pytest.mark.parametrize("word", ["audit", "learning conversation"])
async def test_an_escalation_says_truthfully_when_the_two_agreed_to_meet(
    deps: Deps, word: str
) -> None:
    """Dana and Priya agreed to meet on the 26th; Marcus and Tom set no day. Each manager's word
    and the auditor's "asked after" say what was agreed, in the programme's word for an audit."""
    deps = dataclasses.replace(deps, programme=called(word))
    async with deps.sessions() as session:
        dana = next(v for v in await audits.allocations(session) if v.auditor.staff_id == "S03")
    agreed = await submit(deps, "S07", SET_AGREED, str(dana.id), day="2027-01-26", time="10:00")
    assert agreed.message is not None and agreed.message.kind == "audit_agreed_saved"
    await every_working_day(deps, dt.date(2027, 1, 25), dt.date(2027, 2, 4))
    message = (await outbox(deps))["reminders:S02:2027-02-04"]
    marcus, dana_s = (s["text"].replace("**", "") for s in message.payload["sections"])
    assert sections(message) == [f"Marcus Reid's {word} of C-000101",
                                 f"Dana Hughes's {word} of C-000103"]  # fmt: skip
    assert (f"Dana Hughes and Priya Shah agreed to meet on Tuesday 26 January at 10:00 for the "
            f"{word} of C-000103.\nIt was to be done by Thursday 28 January and isn't recorded 5 "
            "working days on") in dana_s  # fmt: skip
    assert f"The {word} of C-000101 by Marcus Reid with Tom Okafor was to be done by" in marcus
    assert "planned for" not in marcus + dana_s and "agreed to meet" not in marcus
    deps.clock.set(at(4, 2))  # type: ignore[attr-defined]
    await click(deps, "S02", ESCALATION_ASK, f"audit:{dana.id}")
    [word_to_dana] = [m for k, m in (await outbox(deps)).items()
                      if k.startswith("escalation.asked")]  # fmt: skip
    text = word_to_dana.payload["text"].replace("**", "")
    assert (f"Sam Moss asked how the {word} of C-000103 is going – you and Priya Shah agreed to "
            "meet on Tuesday 26 January at 10:00, and it isn't recorded yet.") in text  # fmt: skip
    assert word_to_dana.payload["buttons"][0]["label"] == f"Record the {word}"
