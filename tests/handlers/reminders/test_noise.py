"""A person gets at most one reminder message a working day, with everything due gathered in."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import select

from bot.slack.render import to_blocks
from handlers.core.calendar import Calendar
from handlers.core.delivery import addressed
from handlers.reminders.digest import MAX_SECTIONS, gather, reminder_key, todays_reminder
from handlers.reminders.ids import WHY
from message_templates.model import Button, ChecklistEntry, Fact, Message
from message_templates.wording import Wording
from storage import Sessions
from storage.models import OutboxMessage
from storage.outbox import enqueue_many

CALENDAR = Calendar()
MONDAY_TEN = dt.datetime(2027, 1, 11, 10, 0, tzinfo=dt.UTC)

CHECKLIST = Message(
    kind="checklist_reminder",
    title="Checklist for C-000123",
    text="It takes about ten minutes.",
    facts=(Fact("Due", "15 Jan"),),
    buttons=(Button("Open", "checklist.open", "7"), Button("Snooze", "reminder.snooze", "c7")),
    meta={"case_ref": "C-000123"},
)
AUDIT = Message(
    kind="audit_reminder",
    title="Audit of C-000456",
    buttons=(Button("Record", "audit.record", "9"),),
    meta={"case_ref": "C-000456"},
)


WORDING = Wording()


def why(kind: str) -> Button:
    return Button("Why am I getting this?", WHY, kind)


def test_one_reminder_goes_out_as_it_is() -> None:
    gathered = gather([CHECKLIST], WORDING, name="Sam")
    assert gathered.text == CHECKLIST.text and gathered.buttons == CHECKLIST.buttons
    assert not gathered.sections
    assert gathered.meta["items"] == [{"kind": "checklist_reminder", "meta": CHECKLIST.meta}]


def test_several_reminders_become_a_greeting_and_a_section_each() -> None:
    gathered = gather([CHECKLIST, AUDIT], WORDING, name="Sam")
    assert gathered.kind == "checklist_reminder"
    assert gathered.text.startswith("Morning, Sam — here's what's on your plate today.")
    assert not gathered.buttons  # each item's buttons sit in its own section
    first, second = gathered.sections
    assert (first.title, first.text, first.facts) == (CHECKLIST.title, CHECKLIST.text,
                                                      CHECKLIST.facts)  # fmt: skip
    assert [b.action for b in first.buttons] == ["checklist.open", "reminder.snooze"]
    assert second.title == "Audit of C-000456" and second.buttons == AUDIT.buttons
    assert [item["kind"] for item in gathered.meta["items"]] == [
        "checklist_reminder",
        "audit_reminder",
    ]
    assert "Checklist for C-000123; Audit of C-000456" in gathered.fallback


def test_each_item_speaks_without_its_own_greeting_and_explains_once_per_kind() -> None:
    hi = [
        dataclasses.replace(
            AUDIT,
            text=f"Hi Sam, the audit of C-00045{n} is due.",
            buttons=(*AUDIT.buttons, why("audit.reminder")),
        )
        for n in (6, 7)
    ]
    other = dataclasses.replace(CHECKLIST, buttons=(why("checklist.reminder"),))
    gathered = gather([*hi, other], WORDING, name="Sam", morning=False)
    assert gathered.text.startswith("Hello, Sam")
    assert [s.text for s in gathered.sections[:2]] == [
        "The audit of C-000456 is due.",
        "The audit of C-000457 is due.",
    ]
    whys = [[b.value for b in s.buttons if b.action == WHY] for s in gathered.sections]
    assert whys == [["audit.reminder"], [], ["checklist.reminder"]]


def test_a_message_ticks_one_checklist_in_place() -> None:
    entries = (ChecklistEntry("plan", "Plan up to date"),)
    ticked = [dataclasses.replace(CHECKLIST, checklist=entries, checklist_action="checklist.tick",
                                  checklist_value=str(n)) for n in (1, 2)]  # fmt: skip
    first, second = gather(ticked, WORDING, name="Sam").sections
    assert first.checklist == entries and first.checklist_value == "1"
    assert second.checklist == () and second.buttons == CHECKLIST.buttons


def test_very_many_items_show_the_first_few_and_how_many_more() -> None:
    many = [dataclasses.replace(AUDIT, title=f"Audit {n}", meta={"n": n}) for n in range(12)]
    gathered = gather(many, WORDING, name="Sam")
    assert len(gathered.meta["items"]) == 12  # every item is still listed (SPEC section 6)
    assert len(gathered.sections) == MAX_SECTIONS
    assert gathered.sections[-1].text.startswith("And 6 more")
    assert len(to_blocks(gathered)) <= 50


def test_nothing_to_gather_is_a_mistake() -> None:
    with pytest.raises(ValueError, match="at least one"):
        gather([], WORDING, name="Sam")


async def _remind(sessions: Sessions, now: dt.datetime, away: dt.date | None = None) -> bool:
    outgoing = todays_reminder(staff_id="S0101", name="Sam",
                               items=[CHECKLIST, AUDIT], wording=WORDING, calendar=CALENDAR,
                               now=now, away_until=away)  # fmt: skip
    if outgoing is None:
        return False
    async with sessions.begin() as session:
        return await enqueue_many(session, await addressed(session, ("sandbox",), [outgoing]),
                                  now=now) == 1  # fmt: skip


async def test_at_most_one_reminder_message_a_working_day(sqlite_sessions: Sessions) -> None:
    assert await _remind(sqlite_sessions, MONDAY_TEN)
    assert not await _remind(sqlite_sessions, MONDAY_TEN + dt.timedelta(hours=3))
    assert await _remind(sqlite_sessions, MONDAY_TEN + dt.timedelta(days=1))
    async with sqlite_sessions() as session:
        keys = (await session.scalars(select(OutboxMessage.idempotency_key))).all()
    assert sorted(keys) == [
        reminder_key("S0101", dt.date(2027, 1, 11)),
        reminder_key("S0101", dt.date(2027, 1, 12)),
    ]
    assert keys[0] == "reminders:S0101:2027-01-11"


async def test_reminders_are_held_at_night_at_weekends_and_on_leave(
    sqlite_sessions: Sessions,
) -> None:
    assert not await _remind(sqlite_sessions, MONDAY_TEN.replace(hour=20))
    assert not await _remind(sqlite_sessions, MONDAY_TEN - dt.timedelta(days=2))
    assert not await _remind(sqlite_sessions, MONDAY_TEN, away=dt.date(2027, 1, 12))
    async with sqlite_sessions() as session:
        assert (await session.scalars(select(OutboxMessage))).all() == []
