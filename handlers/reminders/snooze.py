"""Snooze and "why" for any reminder in the digest, whichever capability it comes from."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.deps import Deps
from handlers.core.parsing import first_name
from handlers.core.recipients import person_of
from handlers.core.router import Handler, Inbound, Reply, Selector
from handlers.errors import UserError
from handlers.reminders.ids import SNOOZE, SNOOZE_REASON, WHY
from handlers.reminders.sources import ReminderSource
from handlers.reminders.sweep import sweep_reminders
from message_templates.model import Choice, Form, FormField
from storage import snoozes

MAX_SNOOZE_WORKING_DAYS = 10
# The reasons offered for a snooze (the words are the template's); "other" takes free words.
REASONS = ("court", "sick_leave", "leave", "family_date", "workload", "other")
REASON_LENGTH = 200


@runtime_checkable
class SnoozeLimit(Protocol):
    """A source whose items may not all be snoozed freely (an Inadequate audit's action)."""

    async def latest_snooze(self, session: AsyncSession, item: str) -> dt.date | None:
        """The last day a snooze of `item` may hold, or None when any snooze will do."""
        ...


class Reminders:
    """The digest's sources, its daily sweep, and the snooze and "why" buttons on every item."""

    def __init__(self, deps: Deps, sources: Sequence[ReminderSource]) -> None:
        self.deps = deps
        self.sources = tuple(sources)
        self.snoozable = frozenset(kind for s in self.sources for kind in s.snoozable)
        self.why_types = frozenset(kind for s in self.sources for kind in s.why_types)

    def routes(self) -> list[tuple[Selector, Handler]]:
        return [
            (("action", SNOOZE), self.snooze),
            (("form", SNOOZE_REASON), self.snooze_reason),
            (("action", WHY), self.why),
        ]

    async def sweep(self, now: dt.datetime) -> int:
        return await sweep_reminders(self.deps, self.sources, now)

    async def snooze(self, session: AsyncSession, event: Inbound) -> Reply:
        """Hold one reminder for a few working days (value "<kind>:<id>:<working days>")."""
        kind, _, rest = event.value.partition(":")
        item_id, _, days_text = rest.partition(":")
        if kind not in self.snoozable or not item_id.isdigit() or not days_text.isdigit():
            raise UserError("I couldn't tell which reminder to snooze. Please use its button.")
        days = min(max(int(days_text), 1), MAX_SNOOZE_WORKING_DAYS)
        person = await person_of(session, event.staff_id)
        calendar = self.deps.calendar
        today = calendar.local_date(self.deps.clock.now())
        until = calendar.add_working_days(calendar.next_working_day(today), days - 1)
        item = f"{kind}:{item_id}"
        latest = await self._latest_snooze(session, item)
        capped = latest is not None and until > latest
        if latest is not None and capped:
            until = latest
        if until > today:
            await snoozes.set_snooze(session, person.id, item, until)
        context = {"name": first_name(person.name), "until": until, "capped": capped,
                   "held": until > today}  # fmt: skip
        meta = {"type": "reminder.snoozed", "item": item, "until": until.isoformat(),
                "capped": capped}  # fmt: skip
        form = self._reason_form(item, context) if until > today else None
        message = self.deps.wording.compose("reminder_snoozed", context, form=form, meta=meta)
        return Reply(message=message)

    def _reason_form(self, item: str, context: dict[str, object]) -> Form:
        """Why, if they like: a reason offered or their own words, kept with the snooze."""

        def label(block: str) -> str:
            return self.deps.wording.label("reminder_snoozed", block, context)

        choices = tuple(Choice(label(f"reason_{r}"), r) for r in REASONS)
        fields = (
            FormField("reason", label("field_reason"), "select", False, choices),
            FormField("reason_text", label("field_reason_text"), "text",
                      hint=label("hint_reason_text"), max_length=REASON_LENGTH),
        )  # fmt: skip
        return Form(SNOOZE_REASON, label("button_reason"), fields, item, label("button_open"))

    async def snooze_reason(self, session: AsyncSession, event: Inbound) -> Reply:
        """Keep why a reminder was snoozed: the person's words, or the reason they chose."""
        kind, _, item_id = event.value.partition(":")
        if kind not in self.snoozable or not item_id.isdigit():
            raise UserError("I couldn't tell which reminder that was. Please use its button.")
        person = await person_of(session, event.staff_id)
        wording = self.deps.wording
        words = event.field("reason_text").strip()
        choice = event.field("reason").strip()
        if len(words) > REASON_LENGTH:
            raise UserError(
                f"Please keep the reason to {REASON_LENGTH} characters; yours has {len(words)}. "
                "Nothing has been saved yet."
            )
        if not words and choice in REASONS and choice != "other":
            words = wording.label("reminder_snoozed", f"reason_{choice}", {"name": ""})
        if not words:
            raise UserError("Please choose a reason or say it in a few words. Nothing has been "
                            "saved yet.")  # fmt: skip
        item = f"{kind}:{item_id}"
        if not await snoozes.give_reason(session, person.id, item, words):
            raise UserError("That reminder isn't snoozed any more, so there's nothing to add a "
                            "reason to.")  # fmt: skip
        context = {"name": first_name(person.name), "reason": words}
        meta = {"type": "reminder.snooze_reason", "item": item}
        return Reply(message=wording.compose("reminder_snooze_reason", context, meta=meta))

    async def _latest_snooze(self, session: AsyncSession, item: str) -> dt.date | None:
        limits = [
            await s.latest_snooze(session, item) for s in self.sources if isinstance(s, SnoozeLimit)
        ]
        return min((d for d in limits if d is not None), default=None)

    async def why(self, session: AsyncSession, event: Inbound) -> Reply:
        """Explain a reminder: what it is about and how to quieten it."""
        if event.value not in self.why_types:
            raise UserError(
                "I couldn't tell which reminder that was. Type **help** to see what I do."
            )
        person = await person_of(session, event.staff_id)
        context = {"name": first_name(person.name), "type": event.value}
        meta = {"type": "reminder.why", "about": event.value}
        return Reply(message=self.deps.wording.compose("reminder_why", context, meta=meta))
