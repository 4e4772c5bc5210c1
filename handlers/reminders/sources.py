"""What a capability offers the daily digest: the reminders due for each person today.

Every capability with nudges (case audits and their escalations today; observations, practice
weeks and broadcasts next) implements `ReminderSource`. The sweep asks each source once a working
day, with one `ReminderDay` they share, and gathers everything into one message per person.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.calendar import Calendar
from handlers.core.deps import Deps
from handlers.reminders.nudge_days import item_ids, snoozes_ending
from message_templates.model import Message
from storage.case_audit.people import PersonRef


class ReminderSource(Protocol):
    """A capability's reminders: which items it snoozes, which reminder types it explains."""

    snoozable: tuple[str, ...]  # item kinds, as in "<kind>:<id>"
    why_types: tuple[str, ...]  # reminder types, e.g. "checklist.reminder"

    async def due_today(self, day: ReminderDay) -> None:
        """Add to `day` each reminder due today, composed only if its message is still to go."""
        ...


OnQueued = Callable[[], Awaitable[None]]


class Gathered:
    """Each person's reminders for today, in the order found. Leavers hear nothing more.

    An item may come with `on_queued`, run in the sweep's transaction only once the person's
    message carrying it is queued (an escalation records that it was made, say).
    """

    def __init__(self) -> None:
        self.people: dict[str, PersonRef] = {}
        self.items: dict[str, list[Callable[[], Message]]] = {}
        self.on_queued: dict[str, list[OnQueued]] = {}

    def add(
        self, person: PersonRef, compose: Callable[[], Message], on_queued: OnQueued | None = None
    ) -> None:
        if not person.active:
            return
        self.people[person.staff_id] = person
        self.items.setdefault(person.staff_id, []).append(compose)
        if on_queued is not None:
            self.on_queued.setdefault(person.staff_id, []).append(on_queued)


@dataclass
class ReminderDay:
    """One run of the reminder sweep: the day, everyone's snoozes, and where reminders gather."""

    deps: Deps
    session: AsyncSession
    today: dt.date
    snoozes: dict[tuple[int, str], dt.date]
    gathered: Gathered = field(default_factory=Gathered)
    # why a person snoozed an item, where they said ("court this week")
    reasons: dict[tuple[int, str], str] = field(default_factory=dict)
    woken: frozenset[str] = field(init=False)  # items whose snooze ended so that today nudges

    def __post_init__(self) -> None:
        self.woken = frozenset(snoozes_ending(self.deps.calendar, self.snoozes, self.today))

    @property
    def calendar(self) -> Calendar:
        return self.deps.calendar

    def held(self, person_id: int, item: str) -> dt.date | None:
        """The last day a snooze holds this person's reminders about `item`, if one does."""
        return self.snoozes.get((person_id, item))

    def reason(self, person_id: int, item: str) -> str | None:
        """Why this person snoozed `item`, if they said: for whoever hears of it next."""
        return self.reasons.get((person_id, item))

    def woken_ids(self, *kinds: str) -> set[int]:
        return item_ids(self.woken, *kinds)

    def add(
        self, person: PersonRef, compose: Callable[[], Message], on_queued: OnQueued | None = None
    ) -> None:
        """A reminder (or an escalation) for the person today."""
        self.gathered.add(person, compose, on_queued)
