"""When the auditor and the worker meet: set from a button's form or in chat, checked beside each
field, told to the other person once; the reminders count towards it and call a deadline one."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select, update

from handlers.capabilities import build_router, reminder_sources
from handlers.case_audit import keys
from handlers.case_audit.ids import (
    CHECKLIST_TICK,
    ESCALATION_REASSIGN_SAVE,
    OPEN_AGREED,
    SET_AGREED,
    STALLED_DECIDE,
)
from handlers.case_audit.meeting import checklist_counts_to, meeting_ahead, record_counts_to
from handlers.case_audit.messages import allocated, case_audit, notified
from handlers.core.calendar import Calendar
from handlers.core.delivery import enqueue
from handlers.core.deps import Deps
from handlers.core.inbound import handle_event
from handlers.core.parsing import parse_time
from handlers.core.recipients import dm
from handlers.core.router import Inbound
from handlers.programme.schema import CaseAudit, Programme, load_programme
from handlers.reminders.snooze import Reminders
from message_templates.model import Message
from message_templates.wording import Wording
from scheduler.clock import VirtualClock
from storage import Sessions
from storage.case_audit import audits
from storage.case_audit.audits import AllocationView
from storage.case_audit.people import PersonRef
from storage.models import AuditLogEntry, AuditRound, OutboxMessage
from storage.people import CaseRecord, PersonRecord, Roster, apply_roster

DUE = dt.date(2027, 1, 28)  # a Thursday
START = dt.datetime(2027, 1, 4, 10, 0, tzinfo=dt.UTC)  # a Monday; in January the UK is on UTC
MEET = dt.date(2027, 1, 19)  # a Tuesday
AUDITOR, WORKER = "S03", "S05"
PEOPLE = [
    ("S02", "Sam Moss", "service_manager", None),
    ("S03", "Dana Hughes", "team_manager", "S02"),
    ("S04", "Marcus Reid", "team_manager", "S02"),
    ("S05", "Tom Okafor", "practitioner", "S04"),
    ("S07", "Leah Brown", "qa_manager", None),
]


def programme(called: str = "audit") -> Programme:
    base = load_programme("default")
    activities = [
        a.model_copy(update={"called": called}) if isinstance(a, CaseAudit) else a
        for a in base.activities
    ]
    return base.model_copy(update={"activities": activities})


async def council(sessions: Sessions, called: str = "audit") -> Deps:
    """Dana audits Tom's case C-000101, due Thursday 28 January."""
    people = tuple(
        PersonRecord(sid, name, f"{sid.lower()}@council.example", role, "Team", "Children", boss)
        for sid, name, role, boss in PEOPLE
    )
    cases = (CaseRecord("C-000101", WORKER, "CIN", dt.date(2026, 9, 1)),)
    async with sessions.begin() as session:
        await apply_roster(session, Roster(people, cases), now=START, actor="test")
        new = AuditRound(activity="case_audit", period="2027-01", window_start=START.date(),
                         window_end=DUE, seed=1, created_at=START)  # fmt: skip
        assert await audits.create_round(session, new)
        row = audits.NewAllocation(AUDITOR, WORKER, "C-000101", "test")
        await audits.add_allocations(session, new.id, [row], due_on=DUE, now=START)
    chosen = programme(called)
    return Deps(sessions=sessions, wording=Wording(), clock=VirtualClock(START),
                programme=chosen, calendar=Calendar.from_programme(chosen))  # fmt: skip


@pytest.fixture
async def deps(sqlite_sessions: Sessions) -> Deps:
    return await council(sqlite_sessions)


async def the_audit(deps: Deps) -> AllocationView:
    async with deps.sessions() as session:
        [view] = await audits.allocations(session)
    return view


async def send(deps: Deps, staff_id: str, kind: str, name: str = "", value: str = "",
               text: str = "", again: str = "", **fields: str) -> Message:  # fmt: skip
    """One event through the real router, as a platform edge passes it on; what is said back.
    `again` tells apart an event sent a second time (its own event id)."""
    event = Inbound("sandbox", f"e-{staff_id}-{kind}-{name}-{sorted(fields.items())}-{text}{again}",
                    staff_id, kind, name, value, text,
                    tuple(fields.items()))  # type: ignore[arg-type]  # fmt: skip
    reply = await handle_event(deps, build_router(deps), event)
    assert reply is not None and reply.message is not None
    return reply.message


async def queued(deps: Deps, key_start: str) -> list[OutboxMessage]:
    async with deps.sessions() as session:
        found = await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.idempotency_key.startswith(key_start))
            .order_by(OutboxMessage.id)
        )
        return list(found)


def words(message: Message | OutboxMessage) -> str:
    data = message.payload if isinstance(message, OutboxMessage) else message.to_dict()
    text = json.dumps(data, ensure_ascii=False).replace("**", "").replace("\\n", " ")
    return " ".join(text.split())


# the rule


def view_with(agreed_on: dt.date | None) -> AllocationView:
    person = PersonRef(1, "S03", "Dana Hughes", "team_manager", None, None)
    return AllocationView(1, 1, "case_audit", "2027-01", "allocated", DUE, "C-000101", "CIN",
                          person, person, agreed_on=agreed_on,
                          agreed_time=dt.time(10) if agreed_on else None)  # fmt: skip


def test_reminders_count_to_the_agreed_day_while_it_is_ahead_then_to_the_deadline() -> None:
    agreed, none = view_with(MEET), view_with(None)
    assert checklist_counts_to(agreed) == MEET and checklist_counts_to(none) == DUE
    assert record_counts_to(agreed, dt.date(2027, 1, 14)) == MEET
    assert record_counts_to(agreed, MEET) == MEET and meeting_ahead(agreed, MEET)
    after = MEET + dt.timedelta(days=1)
    assert record_counts_to(agreed, after) == DUE and not meeting_ahead(agreed, after)
    assert record_counts_to(none, dt.date(2027, 1, 14)) == DUE
    assert not meeting_ahead(none, dt.date(2027, 1, 14))


@pytest.mark.parametrize(
    ("typed", "time"),
    [("10:00", dt.time(10)), ("9.30", dt.time(9, 30)), ("2pm", dt.time(14)),
     ("2.30 pm", dt.time(14, 30)), ("12am", dt.time(0)), ("25:00", None), ("10:5", None),
     ("13pm", None), ("ten", None), ("", None)],
)  # fmt: skip
def test_times_are_read_as_people_type_them(typed: str, time: dt.time | None) -> None:
    assert parse_time(typed) == time


# the form


async def test_the_auditor_sets_the_day_and_time_and_the_worker_is_told_once(deps: Deps) -> None:
    view = await the_audit(deps)
    form = await send(deps, AUDITOR, "action", OPEN_AGREED, str(view.id))
    assert form.kind == "audit_agreed_form" and form.form is not None
    day, time = form.form.fields
    assert (day.id, day.kind, time.id, time.kind) == ("day", "date", "time", "select")
    offered = [c.value for c in time.choices]
    assert offered[0] == "09:00" and offered[-1] == "16:30" and len(offered) == 16
    saved = await send(deps, AUDITOR, "form", SET_AGREED, str(view.id), day="19/01/2027",
                       time="10:00")  # fmt: skip
    assert saved.kind == "audit_agreed_saved"
    assert "Tuesday 19 January at 10:00" in words(saved) and "Tom Okafor" in words(saved)
    told = await queued(deps, "audit.agreed:")
    assert [(m.recipient, m.message_type) for m in told] == [("person:S05", "audit_agreed")]
    set_to = "Dana Hughes has set your audit conversation about C-000101 to Tuesday 19 January"
    assert set_to + " at 10:00" in words(told[0])
    stored = await the_audit(deps)
    assert (stored.agreed_on, stored.agreed_time) == (MEET, dt.time(10))
    # the same day and time sent again tells no one twice
    await send(deps, AUDITOR, "form", SET_AGREED, str(view.id), day="2027-01-19", time="10:00")
    assert len(await queued(deps, "audit.agreed:")) == 1
    async with deps.sessions() as session:
        logged = list(await session.scalars(select(AuditLogEntry.actor).where(
            AuditLogEntry.action == "audit.agreed")))  # fmt: skip
    assert logged == [AUDITOR, AUDITOR]


@pytest.mark.parametrize(
    ("answers", "named"),
    [
        ({"day": "2027-01-01", "time": "10:00"}, {"day": "That day has passed"}),
        ({"day": "2027-01-29", "time": "10:00"}, {"day": "That's after Thursday 28 January"}),
        ({"day": "2027-01-16", "time": "10:00"}, {"day": "Saturday 16 January isn't a working"}),
        ({"day": "31/02/2027", "time": "10:00"}, {"day": "Please put a date"}),
        ({"day": "2027-01-19", "time": "19:00"}, {"time": "Please pick a time in working hours"}),
        ({"day": "2027-01-04", "time": "09:30"}, {"time": "That time has passed today"}),
        ({"day": "", "time": ""}, {"day": "Please fill this in", "time": "Please fill this in"}),
        ({"day": "2027-01-30", "time": "07:00"},
         {"day": "That's after", "time": "Please pick a time in working hours"}),
    ],
)  # fmt: skip
async def test_each_problem_comes_back_beside_its_field_and_nothing_is_stored(
    deps: Deps, answers: dict[str, str], named: dict[str, str]
) -> None:
    view = await the_audit(deps)
    back = await send(deps, WORKER, "form", SET_AGREED, str(view.id), **answers)
    assert back.kind == "audit_agreed_form" and back.form is not None
    errors = {f.id: f.error for f in back.form.fields if f.error}
    assert set(errors) == set(named)
    assert all(errors[f].startswith(start) for f, start in named.items()), errors
    assert "Nothing has been saved yet" in back.form.problem
    assert {f.id: f.value for f in back.form.fields} == answers  # what was typed is kept
    stored = await the_audit(deps)
    assert stored.agreed_on is None and await queued(deps, "audit.agreed:") == []


# what the two of them see


async def test_my_qa_says_when_the_two_meet_while_the_day_is_ahead(deps: Deps) -> None:
    view = await the_audit(deps)
    before = words(await send(deps, WORKER, "text", text="my qa"))
    assert (
        "C-000101 is being audited with Dana Hughes – by Thursday 28 January (checklist" in before
    )
    await send(deps, AUDITOR, "form", SET_AGREED, str(view.id), day="2027-01-19", time="10:00")
    worker = words(await send(deps, WORKER, "text", text="my qa", again="2"))
    assert ("C-000101 is being audited with Dana Hughes – you meet Dana on Tuesday 19 January "
            "at 10:00 (checklist: 0 ticked)") in worker  # fmt: skip
    auditor = words(await send(deps, AUDITOR, "text", text="my qa"))
    assert ("Audit C-000101 with Tom Okafor – you meet Tom on Tuesday 19 January at 10:00, to be "
            "recorded by Thursday 28 January") in auditor  # fmt: skip
    # the day after the meeting: the audit's own date again, to be recorded by
    deps.clock.set(dt.datetime(2027, 1, 20, 10, tzinfo=dt.UTC))  # type: ignore[attr-defined]
    after = words(await send(deps, AUDITOR, "text", text="my qa", again="2"))
    assert "Audit C-000101 with Tom Okafor – by Thursday 28 January" in after
    assert "you meet" not in after


async def announced(deps: Deps) -> AllocationView:
    """The auditor's allocation message and the worker's checklist message, as a round sends
    them."""
    view = await the_audit(deps)
    activity = case_audit(deps.programme, view.activity)
    async with deps.sessions.begin() as session:
        for key, person, message in (
            (keys.allocated(view.id), view.auditor, allocated(deps, view, activity)),
            (keys.notified(view.id), view.practitioner, notified(deps, view, activity)),
        ):
            await enqueue(deps, session, key=key, recipient=dm(person.staff_id), message=message,
                          not_before=START, now=START)  # fmt: skip
    return view


async def stored(deps: Deps, key: str) -> Message:
    async with deps.sessions() as session:
        row = await session.scalar(select(OutboxMessage).where(
            OutboxMessage.idempotency_key == key))  # fmt: skip
    assert row is not None
    return Message.from_dict(row.payload)


def labels(message: Message) -> list[str]:
    return [b.label for b in message.buttons]


async def test_the_checklist_and_the_allocation_message_say_it_in_place(deps: Deps) -> None:
    view = await announced(deps)
    assert "Set when you meet" in labels(await stored(deps, keys.notified(view.id)))
    assert "Set when you meet" in labels(await stored(deps, keys.allocated(view.id)))
    await send(deps, WORKER, "text", text="meeting C-000101 on 19/01/2027 at 10:00")
    checklist = await stored(deps, keys.notified(view.id))
    assert "You meet Dana on Tuesday 19 January at 10:00" in words(checklist)
    assert "Change when you meet" in labels(checklist) and "Set when you meet" not in labels(
        checklist
    )
    assert checklist.checklist  # still the checklist to tick
    allocation = await stored(deps, keys.allocated(view.id))
    assert "You meet Tom on Tuesday 19 January at 10:00" in words(allocation)
    assert "Change when you meet" in labels(allocation)
    assert ("You meet", "Tuesday 19 January at 10:00") in [
        (f.label, f.value) for f in allocation.facts
    ]
    # a tick afterwards keeps it
    tick = Inbound("sandbox", "e-tick", WORKER, "action", CHECKLIST_TICK, f"{view.id}:plan")
    await handle_event(deps, build_router(deps), tick)  # from the checklist message, in place
    ticked = await stored(deps, keys.notified(view.id))
    assert "You meet Dana on Tuesday 19 January at 10:00" in words(ticked)
    assert "Change when you meet" in labels(ticked)


async def delivered(deps: Deps) -> None:
    """What the dispatcher does with each message queued: it is sent, and has its platform id."""
    async with deps.sessions.begin() as session:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == "pending")
            .values(status="sent", sent_at=OutboxMessage.next_attempt_at,
                    platform_message_id="m-" + OutboxMessage.idempotency_key)
        )  # fmt: skip


async def test_a_stalled_audit_given_to_another_auditor_keeps_no_stale_time(deps: Deps) -> None:
    """Dana and Tom agreed the 19th, then the audit stalled; the QA team gives it to Leah. The
    time goes with Dana: no message, reminder or list goes on saying it."""
    view = await announced(deps)
    await send(deps, WORKER, "text", text="meeting C-000101 on 19/01/2027 at 10:00")
    await delivered(deps)
    told = len(await queued(deps, "audit.agreed:"))
    deps.clock.set(dt.datetime(2027, 2, 11, 10, tzinfo=dt.UTC))  # type: ignore[attr-defined]
    done = await send(deps, "S07", "form", STALLED_DECIDE, str(view.id), decision="reassign",
                      auditor="S07")  # fmt: skip
    assert "now audits" in words(done)
    moved = await the_audit(deps)
    assert moved.auditor.staff_id == "S07" and (moved.agreed_on, moved.agreed_time) == (None, None)
    # Tom's checklist message: Leah now, no time, and the button to set one again
    checklist = await stored(deps, keys.notified(view.id))
    assert "Leah Brown" in words(checklist) and "19 January" not in words(checklist)
    assert "Set when you meet" in labels(checklist)
    # Dana's allocation message: the time gone, settled as given on, nothing left to press
    old = await stored(deps, keys.allocated(view.id))
    assert "19 January" not in words(old) and not old.buttons
    assert old.footer.startswith("✓ Given to Leah Brown on Thursday 11 February")
    # Leah's own allocation message has no time agreed
    new = await stored(deps, keys.allocated_again(view.id, "S07"))
    assert "19 January" not in words(new) and "Set when you meet" in labels(new)
    # nobody is told a time, and nobody's list or reminder says the old one
    assert len(await queued(deps, "audit.agreed:")) == told
    for staff_id in (WORKER, "S07"):
        mine = await send(deps, staff_id, "text", text="my qa", again="after")
        assert "C-000101" in words(mine) and "you meet" not in words(mine)
    day = dt.date(2027, 2, 11)
    while day <= dt.date(2027, 2, 25):
        if deps.calendar.is_working_day(day):
            await Reminders(deps, reminder_sources()).sweep(
                dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC)
            )
        day += dt.timedelta(days=1)
    reminders = await queued(deps, "reminders:")
    assert reminders and all("19 January" not in words(m) for m in reminders)


async def test_an_escalated_audit_reassigned_by_the_manager_keeps_no_stale_time(
    deps: Deps,
) -> None:
    """The same when Dana's manager gives the escalated audit to Marcus."""
    view = await announced(deps)
    await send(deps, WORKER, "text", text="meeting C-000101 on 19/01/2027 at 10:00")
    await delivered(deps)
    deps.clock.set(dt.datetime(2027, 2, 4, 10, tzinfo=dt.UTC))  # type: ignore[attr-defined]
    done = await send(deps, "S02", "form", ESCALATION_REASSIGN_SAVE, f"audit:{view.id}",
                      person="S04")  # fmt: skip
    assert "with Marcus Reid now" in words(done)
    assert (await the_audit(deps)).agreed_on is None
    checklist = await stored(deps, keys.notified(view.id))
    assert "Marcus Reid" in words(checklist) and "19 January" not in words(checklist)
    old = await stored(deps, keys.allocated(view.id))
    assert "19 January" not in words(old) and not old.buttons
    assert old.footer.startswith("✓ Given to Marcus Reid on Thursday 4 February")


async def test_only_the_auditor_and_the_worker_may_set_it_and_only_while_open(deps: Deps) -> None:
    view = await the_audit(deps)
    refused = await send(deps, "S04", "action", OPEN_AGREED, str(view.id))
    assert refused.kind == "user_error" and "Only Dana Hughes and Tom Okafor" in words(refused)
    async with deps.sessions.begin() as session:
        await session.execute(update(audits.Allocation).values(status="recorded"))
    closed = await send(deps, WORKER, "form", SET_AGREED, str(view.id), day="2027-01-19",
                        time="10:00")  # fmt: skip
    assert closed.kind == "user_error" and (await the_audit(deps)).agreed_on is None


# the chat command


async def test_the_worker_moves_it_in_chat_and_the_auditor_hears_of_the_change(
    deps: Deps,
) -> None:
    view = await the_audit(deps)
    await send(deps, AUDITOR, "form", SET_AGREED, str(view.id), day="2027-01-19", time="10:00")
    saved = await send(deps, WORKER, "text", text="meeting C-000101 on 21/01/2027 at 2pm")
    assert saved.kind == "audit_agreed_saved"
    stored = await the_audit(deps)
    assert (stored.agreed_on, stored.agreed_time) == (dt.date(2027, 1, 21), dt.time(14))
    told = await queued(deps, "audit.agreed:")
    assert [m.recipient for m in told] == ["person:S05", "person:S03"]
    moved = "Tom Okafor has moved your audit conversation about C-000101 to Thursday 21 January"
    assert moved + " at 14:00" in words(told[1])


async def test_the_case_reference_is_read_in_any_case_and_only_for_its_own_two(
    deps: Deps,
) -> None:
    saved = await send(deps, WORKER, "text", text="meeting c-000101 on 21/01/2027 at 10:00")
    assert saved.kind == "audit_agreed_saved" and "C-000101" in words(saved)
    assert (await the_audit(deps)).agreed_on == dt.date(2027, 1, 21)
    # Tom's manager names the same case: it is not an audit of his, so nothing changes
    other = await send(deps, "S04", "text", text="meeting C-000101 on 22/01/2027 at 10:00")
    assert other.kind == "user_error" and "can't find an open audit of C-000101" in words(other)
    assert (await the_audit(deps)).agreed_on == dt.date(2027, 1, 21)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("meeting C-000101", "write the case, the day and the time"),
        ("meeting C-000999 on 21/01/2027 at 10:00", "can't find an open audit of C-000999"),
        ("meeting C-000101 on 31/02/2027 at 10:00", "couldn't read “31/02/2027” as a day"),
        ("meeting C-000101 on 21/01/2027 at teatime", "couldn't read “teatime” as a time"),
        ("meeting C-000101 on 23/01/2027 at 18:00",
         "Saturday 23 January isn't a working day: please pick another. Please pick a time in "
         "working hours, from 09:00 to 17:00"),
    ],
)  # fmt: skip
async def test_a_chat_command_it_cannot_use_says_why_and_stores_nothing(
    deps: Deps, text: str, says: str
) -> None:
    answer = await send(deps, WORKER, "text", text=text)
    assert answer.kind == "user_error" and says in words(answer)
    assert (await the_audit(deps)).agreed_on is None


# the reminders


async def reminders_over_the_month(deps: Deps) -> dict[str, list[tuple[dt.date, str]]]:
    """Each working morning's sweep until the Monday after the deadline: for each person, the
    days they were reminded, with the words."""
    found: dict[str, list[tuple[dt.date, str]]] = {AUDITOR: [], WORKER: []}
    day = START.date()
    while day <= dt.date(2027, 2, 1):
        if deps.calendar.is_working_day(day):
            morning = dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC)
            deps.clock.set(morning)  # type: ignore[attr-defined]
            await Reminders(deps, reminder_sources()).sweep(morning)
            for staff_id in found:
                for m in await queued(deps, f"reminders:{staff_id}:{day.isoformat()}"):
                    found[staff_id].append((day, words(m)))
        day += dt.timedelta(days=1)
    return found


def days(reminded: list[tuple[dt.date, str]]) -> list[int]:
    return [day.day for day, _ in reminded]


async def test_with_no_day_agreed_the_reminders_call_the_deadline_a_deadline(deps: Deps) -> None:
    found = await reminders_over_the_month(deps)
    assert days(found[WORKER]) == [25, 27] and days(found[AUDITOR]) == [25, 27]
    for _, text in found[WORKER] + found[AUDITOR]:
        assert "is to be done by Thursday 28 January" in text
        assert " is on " not in text


async def test_with_a_day_agreed_both_are_reminded_before_it_then_the_record_by_the_deadline(
    deps: Deps,
) -> None:
    view = await the_audit(deps)
    await send(deps, WORKER, "form", SET_AGREED, str(view.id), day="2027-01-19", time="10:00")
    found = await reminders_over_the_month(deps)
    # three working days and the day before the meeting; the checklist stops at the meeting
    assert days(found[WORKER]) == [14, 18]
    meeting = "your audit conversation with Dana Hughes about C-000101 is on Tuesday 19 January "
    assert all(meeting + "at 10:00" in text for _, text in found[WORKER])
    # the auditor: the meeting, then the record's own days before the deadline
    assert days(found[AUDITOR]) == [14, 18, 25, 27]
    before, after = found[AUDITOR][:2], found[AUDITOR][2:]
    assert all("is on Tuesday 19 January at 10:00" in text for _, text in before)
    assert all("is to be done by Thursday 28 January" in text and " is on " not in text
               for _, text in after)  # fmt: skip


async def test_a_learning_conversation_is_called_that(sqlite_sessions: Sessions) -> None:
    """Camden's audits are learning conversations: never a "learning conversation conversation"."""
    deps = await council(sqlite_sessions, called="learning conversation")
    view = await the_audit(deps)
    await send(deps, AUDITOR, "form", SET_AGREED, str(view.id), day="2027-01-19", time="10:00")
    [told] = await queued(deps, "audit.agreed:")
    assert "set your learning conversation about C-000101" in words(told)
    found = await reminders_over_the_month(deps)
    assert days(found[WORKER]) == [14, 18]
    [(_, text), _] = found[WORKER]
    assert "your learning conversation with Dana Hughes about C-000101 is on Tuesday" in text
    assert "conversation conversation" not in text + words(told)
