"""The noise budget: at most one reminder message per person per working day, gathering all due."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from handlers.core.calendar import Calendar
from handlers.core.delivery import Draft
from message_templates.model import Button, Message


def reminder_key(staff_id: str, day: dt.date) -> str:
    """The one outbox key a person's reminders share on a working day."""
    return f"reminders:{staff_id}:{day.isoformat()}"


def _section(item: Message) -> str:
    facts = " · ".join(f"{fact.label}: {fact.value}" for fact in item.facts)
    return "\n".join(part for part in (item.title, item.text, facts) if part)


def gather(items: Sequence[Message]) -> Message:
    """One message for the reminders due: the first item's kind, every item kept in meta["items"].

    A single reminder goes out as it is; several become one message with a section each and
    every item's buttons, so each can still be acted on, snoozed or explained in one click.
    """
    if not items:
        raise ValueError("gather needs at least one reminder")
    listed: list[dict[str, Any]] = [{"kind": m.kind, "meta": dict(m.meta)} for m in items]
    first = items[0]
    if len(items) == 1:
        return Message(**{**_fields(first), "meta": {**first.meta, "items": listed}})
    buttons: tuple[Button, ...] = tuple(b for m in items for b in m.buttons)
    return Message(
        kind=first.kind,
        title=first.title,
        text="\n\n".join(_section(m) for m in items),
        buttons=buttons,
        links=tuple(link for m in items for link in m.links),
        footer=first.footer,
        fallback="; ".join(m.fallback or m.title or m.text for m in items),
        meta={**first.meta, "items": listed},
    )


def _fields(message: Message) -> dict[str, Any]:
    return {name: getattr(message, name) for name in message.__dataclass_fields__}


def todays_reminder(
    *,
    staff_id: str,
    items: Sequence[Message],
    calendar: Calendar,
    now: dt.datetime,
    away_until: dt.date | None = None,
) -> Draft | None:
    """Today's one reminder message for a person, to queue; None if held.

    Outside their working hours (nights, weekends, holidays, leave) nothing is queued: the sweep
    inside the next working day gathers everything due by then into that day's one message.
    """
    if not items or calendar.next_dm_time(now, away_until) != now:
        return None
    return Draft(
        key=reminder_key(staff_id, calendar.local_date(now)),
        recipient=f"person:{staff_id}",
        message=gather(items),
        not_before=now,
    )
