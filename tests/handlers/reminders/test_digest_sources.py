"""The daily digest gathers every capability's reminders: a second capability's item joins the
audit reminders in the same one message, and its snooze and "why" work like theirs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from handlers.capabilities import reminder_sources
from handlers.core.deps import Deps
from handlers.core.inbound import handle_event
from handlers.core.router import Inbound, Reply, Router
from handlers.reminders.ids import SNOOZE, WHY
from handlers.reminders.snooze import Reminders
from handlers.reminders.sources import ReminderDay
from message_templates.model import Button, Message
from storage.case_audit import people as audit_people
from storage.models import OutboxMessage
from tests.handlers.case_audit.test_audit_sweeps import at, deps, kinds, outbox

__all__ = ["deps"]  # the audit-cycle council: two audits and an action due on 28 January

OBSERVATION_ID = 7


class ObservationsDue:
    """A second capability's reminders: one observation S04 is to carry out, due on the 28th."""

    snoozable: tuple[str, ...] = ("observation",)
    why_types: tuple[str, ...] = ("observation.reminder",)

    async def due_today(self, day: ReminderDay) -> None:
        observer = await audit_people.person_by_staff_id(day.session, "S04")
        assert observer is not None
        item = f"observation:{OBSERVATION_ID}"
        if day.held(observer.id, item) is None or item in day.woken:
            day.add(observer, self.reminder)

    def reminder(self) -> Message:
        return Message(
            kind="observation_reminder",
            title="An observation of practice",
            text="Your observation of Cal's practice is due on Thursday.",
            buttons=(
                Button("Remind me in two days", SNOOZE, f"observation:{OBSERVATION_ID}:2"),
                Button("Why am I getting this?", WHY, "observation.reminder"),
            ),
            meta={"type": "observation.reminder", "observation_id": OBSERVATION_ID},
        )


def reminders(deps: Deps) -> Reminders:
    return Reminders(deps, [*reminder_sources(), ObservationsDue()])


async def click(deps: Deps, staff_id: str, name: str, value: str) -> Reply:
    router = Router(
        reminders(deps).routes(),
        fallback=lambda session, event: reminders(deps).why(session, event),
        problem=lambda text: deps.wording.compose("user_error", {"problem": text}),
        apology=lambda: deps.wording.compose("apology", {}),
    )
    event = Inbound("sandbox", f"{staff_id}:{name}:{value}", staff_id, "action", name, value)
    reply = await handle_event(deps, router, event)
    assert reply is not None and reply.message is not None
    return reply


async def reminder_messages(deps: Deps, staff_id: str) -> list[OutboxMessage]:
    async with deps.sessions() as session:
        found = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.recipient == f"person:{staff_id}")
        )
        return [m for m in found if m.idempotency_key.startswith("reminders:")]


async def test_a_second_capabilitys_item_joins_the_audit_reminder_in_one_message(
    deps: Deps,
) -> None:
    assert await reminders(deps).sweep(at(25)) == 4  # the same four people, no fifth message
    [message] = await reminder_messages(deps, "S04")
    assert kinds(message) == ["audit_reminder", "observation_reminder"]
    actions = [(b["action"], b["value"]) for s in message.payload["sections"] for b in s["buttons"]]
    assert (SNOOZE, f"observation:{OBSERVATION_ID}:2") in actions
    assert (WHY, "observation.reminder") in actions
    assert await reminders(deps).sweep(at(25).replace(hour=15)) == 0  # one message a day


async def test_snoozing_the_other_capabilitys_item_holds_it_and_keeps_the_audit_reminder(
    deps: Deps,
) -> None:
    deps.clock.set(at(22))  # type: ignore[attr-defined]
    reply = await click(
        deps, "S04", SNOOZE, f"observation:{OBSERVATION_ID}:2"
    )  # held to Monday the 25th
    assert reply.message is not None and reply.message.kind == "reminder_snoozed"
    assert reply.message.meta["until"] == dt.date(2027, 1, 25).isoformat()
    await reminders(deps).sweep(at(25))
    sent = await outbox(deps)
    assert kinds(sent["reminders:S04:2027-01-25"]) == ["audit_reminder"]
    await reminders(deps).sweep(at(26))  # the snooze has ended: the item is back on its own
    assert kinds((await outbox(deps))["reminders:S04:2027-01-26"]) == ["observation_reminder"]


async def test_why_explains_the_other_capabilitys_reminder(deps: Deps) -> None:
    reply = await click(deps, "S04", WHY, "observation.reminder")
    assert reply.message is not None and reply.message.kind == "reminder_why"
    assert "coming up or still open" in reply.message.text


async def test_a_kind_no_source_declares_cannot_be_snoozed(deps: Deps) -> None:
    reply = await click(deps, "S04", SNOOZE, "practice_week:3:2")
    assert reply.message is not None and reply.message.kind == "user_error"
