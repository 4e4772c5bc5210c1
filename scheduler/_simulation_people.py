"""Simulated people: what each does with a message, and on which simulated day, drawn from a seed.

Every draw comes from a hash of (seed, person, task), so a person's behaviour does not depend
on the order messages happen to arrive in, and the same seed always gives the same year.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from handlers.case_audit.ids import OPEN_MODERATION
from handlers.core.calendar import Calendar
from handlers.errors import UserError
from message_templates.model import Message
from scheduler._simulation_platform import Delivery

Task = Literal["checklist", "record", "reflection", "moderation", "action", "observation"]
Outcome = Literal["on_time", "late", "never"]
# Working days after the message (on time) or after the due date (late), per task.
ON_TIME: dict[Task, tuple[int, int]] = {
    "checklist": (1, 3),
    "record": (1, 8),
    "reflection": (1, 3),
    "moderation": (1, 8),
    "action": (1, 3),
    "observation": (1, 8),
}
LATE: dict[Task, tuple[int, int]] = {
    "checklist": (1, 4),
    "record": (1, 8),
    "reflection": (1, 8),
    "moderation": (3, 12),
    "action": (1, 8),
    "observation": (2, 12),
}
# People deal with qabot in a few sittings a day, at these shares of their working day; a form
# opened in a sitting is submitted FORM_SHARE of the day later.
SITTINGS = (1 / 6, 2 / 6, 3 / 6, 4 / 6)
FORM_SHARE = 1 / 32


@dataclass(frozen=True)
class Behaviour:
    """How people respond: `respond_rate` on time, `late_rate` after the due date, others never."""

    respond_rate: float = 0.7
    late_rate: float = 0.2

    def __post_init__(self) -> None:
        rates = (self.respond_rate, self.late_rate)
        if not all(0.0 <= rate <= 1.0 for rate in rates) or sum(rates) > 1.0 + 1e-9:
            raise UserError(
                "--respond-rate and --late-rate must each be between 0 and 1 and add up to 1 "
                f"at most, not {self.respond_rate} and {self.late_rate}"
            )

    def outcome(self, draw: float) -> Outcome:
        if draw < self.respond_rate:
            return "on_time"
        return "late" if draw < self.respond_rate + self.late_rate else "never"


@dataclass(frozen=True, order=True)
class Planned:
    """One response a person will make: `ref` is the allocation, moderation or action id."""

    at: dt.datetime
    seq: int
    staff_id: str = field(compare=False)
    task: Task = field(compare=False)
    ref: str = field(compare=False)
    details: tuple[str, ...] = field(compare=False, default=())


def rng_for(seed: int, *parts: str) -> random.Random:
    """A generator for one decision, independent of every other decision's order."""
    text = ":".join((str(seed), *parts))
    return random.Random(int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest()))


def _staff(recipient: str) -> str | None:
    kind, _, staff_id = recipient.partition(":")
    return staff_id if kind == "person" else None


def _due(meta: dict[str, Any]) -> dt.date | None:
    text = meta.get("due")
    return dt.date.fromisoformat(text) if isinstance(text, str) else None


class People:
    """Reads what each person receives and plans their responses on future simulated days."""

    def __init__(self, seed: int, behaviour: Behaviour, calendar: Calendar) -> None:
        self._seed = seed
        self._behaviour = behaviour
        self._calendar = calendar
        self._queue: list[Planned] = []
        self._decided: set[tuple[str, Task, str, dt.date | None]] = set()
        self.outcomes: dict[Outcome, int] = {"on_time": 0, "late": 0, "never": 0}
        today = dt.date(2000, 1, 1)
        self.working_day = dt.datetime.combine(today, calendar.day_end) - dt.datetime.combine(
            today, calendar.day_start
        )

    def observe(self, delivery: Delivery, message: Message) -> None:
        """Plan what the recipient will do about a message (once per task, however often told)."""
        staff_id = _staff(delivery.recipient)
        if staff_id is None or delivery.is_update:
            return
        for task, ref, due, details in _tasks(message):
            self._plan(delivery, staff_id, task, ref, due, details)

    def sittings_before(self, moment: dt.datetime) -> Iterator[list[Planned]]:
        """The planned responses before `moment`, taken off the queue a sitting at a time."""
        while self._queue and self._queue[0].at < moment:
            at = self._queue[0].at
            sitting: list[Planned] = []
            while self._queue and self._queue[0].at == at:
                sitting.append(heapq.heappop(self._queue))
            yield sitting

    def _plan(
        self,
        delivery: Delivery,
        staff_id: str,
        task: Task,
        ref: str,
        due: dt.date | None,
        details: tuple[str, ...],
    ) -> None:
        # an observation falls due again (the next ASYE month, next year): each due date is a task
        again = due if task == "observation" else None
        if (staff_id, task, ref, again) in self._decided:
            return
        self._decided.add((staff_id, task, ref, again))
        parts = (ref, again.isoformat()) if again is not None else (ref,)
        rng = rng_for(self._seed, staff_id, task, *parts)
        outcome = self._behaviour.outcome(rng.random())
        self.outcomes[outcome] += 1
        if outcome == "never":
            return
        day = self._day(rng, task, outcome, self._calendar.local_date(delivery.at), due)
        at = self._calendar.day_starts_at(day) + self.working_day * rng.choice(SITTINGS)
        planned = Planned(at, len(self._decided), staff_id, task, ref, details)
        heapq.heappush(self._queue, planned)

    def _day(
        self, rng: random.Random, task: Task, outcome: Outcome, told: dt.date, due: dt.date | None
    ) -> dt.date:
        """A working day after the message: by the due date when on time, after it when late."""
        add = self._calendar.add_working_days
        earliest = add(told, 1)
        if outcome == "late":
            base = due if due is not None and due >= told else told
            return max(earliest, add(base, rng.randint(*LATE[task])))
        day = add(told, rng.randint(*ON_TIME[task]))
        return max(earliest, min(day, due)) if due is not None else day


def _tasks(message: Message) -> list[tuple[Task, str, dt.date | None, tuple[str, ...]]]:
    """The tasks a message asks of its recipient: (task, id, due, details such as item ids)."""
    meta = message.meta
    kind = message.kind
    allocation = str(meta.get("allocation_id", ""))
    if kind == "audit_allocated":
        return [("record", allocation, _due(meta), ())]
    if kind == "audit_notified":
        return [("checklist", allocation, _due(meta), tuple(i.id for i in message.checklist))]
    # Requests carry their own due dates, so a late answer comes after them and meets the
    # reminders a real late answer would.
    if kind == "reflection_requested" and message.form is not None:
        return [("reflection", allocation, _due(meta), tuple(f.id for f in message.form.fields))]
    if kind == "moderation_requested":
        return [
            ("moderation", b.value, _due(meta), ())
            for b in message.buttons
            if b.action == OPEN_MODERATION
        ]
    items = meta.get("items", [])
    found: list[tuple[Task, str, dt.date | None, tuple[str, ...]]] = [
        ("action", str(item["meta"]["action_id"]), _due(item["meta"]), ())
        for item in items
        if item.get("kind") == "action_reminder" and "action_id" in item.get("meta", {})
    ]
    # observers record an observation from its nudge's button (the button carries which one)
    found += [
        ("observation", str(item["meta"]["value"]), _due(item["meta"]), ())
        for item in items
        if item.get("kind") in OBSERVATION_NUDGES and "value" in item.get("meta", {})
    ]
    return found


OBSERVATION_NUDGES = frozenset({"observation_due", "observation_overdue"})
