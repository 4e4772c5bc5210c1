"""The one list, to the QA team, of people qabot cannot reach in Teams.

Someone never installed, uninstalled or blocked is parked message by message without an alert
each; instead they are added to the day's list, which goes to the QA team's channel a few
minutes after the first name (so a fan-out's names arrive together) and is updated in place as
more are found. Each person is listed once, not again on later days; the list says how a Teams
admin pre-installs qabot for everyone.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.delivery import enqueue
from handlers.core.deps import Deps, Wording
from message_templates.model import Message
from storage.models import HeldPost, OutboxMessage, Person
from storage.outbox import update_in_place

KEY = "teams.unreachable:"
GATHER = dt.timedelta(minutes=5)


def unreachable_message(wording: Wording, people: Sequence[tuple[str, str]]) -> Message:
    """The list for these (staff id, name) pairs, by name; their staff ids kept in `meta`."""
    ordered = sorted(people, key=lambda p: (p[1].lower(), p[0]))
    message = wording.compose(
        "teams_unreachable",
        {"people": [name for _, name in ordered]},
        meta={"people": [staff_id for staff_id, _ in ordered]},
    )
    return message


class UnreachableList:
    """Adds people to the QA team's list of those qabot cannot reach in Teams."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self._lock = asyncio.Lock()  # one change to the list at a time: no lost names

    async def add(self, staff_id: str) -> None:
        async with self._lock, self.deps.sessions.begin() as session:
            lists = await _lists(session)
            if any(staff_id in _listed(payload) for payload in lists.values()):
                return
            key = KEY + self.deps.today().isoformat()
            staff_ids = [*_listed(lists.get(key, {})), staff_id]
            named = await session.execute(
                select(Person.staff_id, Person.name).where(Person.staff_id.in_(staff_ids))
            )
            names = {staff: name for staff, name in named}
            message = unreachable_message(
                self.deps.wording, [(s, names.get(s, s)) for s in staff_ids]
            )
            now = self.deps.clock.now()
            if key not in lists:
                recipient = f"channel:{self.deps.qa_channel}"
                await enqueue(
                    self.deps, session, key=key, recipient=recipient, message=message,
                    not_before=now + GATHER, now=now,
                )  # fmt: skip
            elif not await update_in_place(session, key, message, now):
                await session.execute(  # still held for an unbound QA channel
                    update(HeldPost)
                    .where(HeldPost.idempotency_key == key)
                    .values(payload=message.to_dict())
                )


async def _lists(session: AsyncSession) -> dict[str, dict[str, Any]]:
    """Every list so far (queued, sent or held), by key: their payloads."""
    found: dict[str, dict[str, Any]] = {}
    for model in (OutboxMessage, HeldPost):
        rows = await session.execute(
            select(model.idempotency_key, model.payload).where(
                model.idempotency_key.like(KEY + "%")
            )
        )
        for key, payload in rows:
            if "@" in key:  # another platform's copy: the first platform's own row wins
                found.setdefault(key.split("@", 1)[0], payload)
            else:
                found[key] = payload
    return found


def _listed(payload: dict[str, Any]) -> list[str]:
    people = (payload.get("meta") or {}).get("people", [])
    return [str(p) for p in people] if isinstance(people, list) else []
