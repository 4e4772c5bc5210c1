"""A person gets at most one reminder message a working day, with everything due gathered in."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from handlers.core.calendar import Calendar
from handlers.core.delivery import addressed
from handlers.reminders.digest import gather, reminder_key, todays_reminder
from message_templates.model import Button, Fact, Message
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


def test_one_reminder_goes_out_as_it_is() -> None:
    gathered = gather([CHECKLIST])
    assert gathered.text == CHECKLIST.text and gathered.buttons == CHECKLIST.buttons
    assert gathered.meta["items"] == [{"kind": "checklist_reminder", "meta": CHECKLIST.meta}]


def test_several_reminders_become_one_message_keeping_every_action() -> None:
    gathered = gather([CHECKLIST, AUDIT])
    assert gathered.kind == "checklist_reminder"
    assert [b.action for b in gathered.buttons] == [
        "checklist.open",
        "reminder.snooze",
        "audit.record",
    ]
    assert "Checklist for C-000123\nIt takes about ten minutes.\nDue: 15 Jan" in gathered.text
    assert "Audit of C-000456" in gathered.text
    assert [item["kind"] for item in gathered.meta["items"]] == [
        "checklist_reminder",
        "audit_reminder",
    ]


def test_nothing_to_gather_is_a_mistake() -> None:
    with pytest.raises(ValueError, match="at least one"):
        gather([])


async def _remind(sessions: Sessions, now: dt.datetime, away: dt.date | None = None) -> bool:
    outgoing = todays_reminder(staff_id="S0101", items=[CHECKLIST, AUDIT],
                               calendar=CALENDAR, now=now, away_until=away)  # fmt: skip
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
