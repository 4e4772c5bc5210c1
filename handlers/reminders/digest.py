"""The noise budget: at most one nudge message per person per working day, gathering all due.

Several items become one message: a short greeting, then a section per item with its own
heading, facts, checklist and buttons. "Why am I getting this?" shows once per kind of item, a
practitioner's checklist is ticked in place once per message (a second audit's checklist shows
its progress and its own buttons), and a day with very many items shows the first few and says
how many more wait in **my qa**, so the message stays within what every platform shows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from handlers.core.calendar import Calendar
from handlers.core.delivery import Draft
from handlers.core.deps import Wording
from handlers.reminders.ids import WHY
from message_templates.model import Message, Section

# Block Kit allows 50 blocks: a section takes at most six (divider, heading, words, facts,
# checklist, buttons), the greeting two, the footer one and the "and N more" line one.
MAX_SECTIONS = 7
NOON = dt.time(12)
# The greeting an item's own words open with, which the digest's one greeting replaces.
_GREETING = re.compile(r"^(?:Hi|Hello) [^,.\n]{1,60}[,.]\s*")


def reminder_key(staff_id: str, day: dt.date) -> str:
    """The one outbox key a person's reminders and escalations share on a working day."""
    return f"reminders:{staff_id}:{day.isoformat()}"


def gather(
    items: Sequence[Message], wording: Wording, *, name: str, morning: bool = True
) -> Message:
    """One message for the items due: the first item's kind, every item kept in meta["items"].

    A single item goes out as it is; several become a greeting and a section each, every
    section with its own buttons, so each can be acted on, snoozed or explained in one click.
    """
    if not items:
        raise ValueError("gather needs at least one reminder")
    listed: list[dict[str, Any]] = [{"kind": m.kind, "meta": dict(m.meta)} for m in items]
    first = items[0]
    if len(items) == 1:
        return dataclasses.replace(first, meta={**first.meta, "items": listed})
    shown = items if len(items) <= MAX_SECTIONS else items[: MAX_SECTIONS - 1]
    more = len(items) - len(shown)
    context = {
        "name": name,
        "morning": morning,
        "count": len(items),
        "titles": [m.title for m in items],
        "more": more,
    }
    head = wording.compose("digest", context)
    sections = sections_of(shown)
    if more:
        sections += (Section(text=wording.label("digest", "more", context)),)
    footers = dict.fromkeys(m.footer for m in items if m.footer)
    return Message(
        kind=first.kind,
        title=head.title,
        text=head.text,
        sections=sections,
        links=tuple(dict.fromkeys(link for m in shown for link in m.links)),
        footer="\n\n".join(footers),
        fallback=head.fallback,
        meta={**first.meta, "items": listed},
    )


def sections_of(items: Sequence[Message]) -> tuple[Section, ...]:
    """A section per item: its words without their own greeting, "why" once per kind, one
    checklist ticked in place (Teams submits every input of a card with each button)."""
    explained: set[str] = set()
    checklist_shown = False
    sections: list[Section] = []
    for item in items:
        buttons = []
        for button in item.buttons:
            if button.action == WHY:
                if button.value in explained:
                    continue
                explained.add(button.value)
            buttons.append(button)
        section = dataclasses.replace(
            item.section(), text=without_greeting(item.text), buttons=tuple(buttons)
        )
        if section.checklist and checklist_shown:
            section = dataclasses.replace(section, checklist=(), checklist_action="",
                                          checklist_value="", checklist_submit="")  # fmt: skip
        checklist_shown = checklist_shown or bool(section.checklist)
        sections.append(section)
    return tuple(sections)


def without_greeting(text: str) -> str:
    """An item's words without their opening "Hi Sam, ", the digest having greeted once."""
    rest = _GREETING.sub("", text, count=1)
    return rest[:1].upper() + rest[1:] if rest != text else text


def todays_reminder(
    *,
    staff_id: str,
    name: str,
    items: Sequence[Message],
    wording: Wording,
    calendar: Calendar,
    now: dt.datetime,
    away_until: dt.date | None = None,
) -> Draft | None:
    """Today's one nudge message for a person, to queue; None if held.

    Outside their working hours (nights, weekends, holidays, leave) nothing is queued: the sweep
    inside the next working day gathers everything due by then into that day's one message.
    """
    if not items or calendar.next_dm_time(now, away_until) != now:
        return None
    morning = now.astimezone(calendar.zone).time() < NOON
    return Draft(
        key=reminder_key(staff_id, calendar.local_date(now)),
        recipient=f"person:{staff_id}",
        message=gather(items, wording, name=name, morning=morning),
        not_before=now,
    )
