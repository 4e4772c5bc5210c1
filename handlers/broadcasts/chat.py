"""Broadcasts in chat: "bitesize TEXT" queues a short item (QA roles only), "I've read this" on
a post is kept once a person, and "broadcasts" shows the QA team the read counts by team."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.broadcasts import messages
from handlers.broadcasts.ids import READ
from handlers.broadcasts.queueing import activity_for, add
from handlers.core.deps import Deps
from handlers.core.permissions import QUEUE_BROADCASTS, READ_COUNTS, require
from handlers.core.recipients import person_of
from handlers.core.router import Handler, Inbound, Reply, Selector
from handlers.errors import UserError
from storage.broadcasts import queue

BITESIZE = "bitesize"
READ_COUNTS_COMMAND = "broadcasts"


class Broadcasts:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def routes(self) -> list[tuple[Selector, Handler]]:
        return [
            (("command", BITESIZE), self.bitesize),
            (("command", READ_COUNTS_COMMAND), self.read_counts),
            (("action", READ), self.read),
        ]

    async def bitesize(self, session: AsyncSession, event: Inbound) -> Reply:
        """`bitesize TEXT`: queued for the programme's next bitesize slot."""
        person = await person_of(session, event.staff_id)
        require(self.deps.programme, person.role, QUEUE_BROADCASTS)
        text = event.text.strip().split(None, 1)
        body = text[1].strip() if len(text) > 1 else ""
        if not body:
            raise UserError('Type your bitesize item after the word, like "bitesize Three '
                            'questions to ask in every home visit: …"')  # fmt: skip
        activity = activity_for(self.deps.programme, "bitesize")
        item = await add(self.deps, session, text=body, source="Your bitesize item",
                         kind="bitesize", channel=None, at=None, now=self.deps.clock.now(),
                         by=person.staff_id, activity_id=activity.id,
                         title=activity.title)  # fmt: skip
        return Reply(message=messages.queued(self.deps, item, activity))

    async def read(self, session: AsyncSession, event: Inbound) -> Reply:
        """ "I've read this": kept once a person; the post itself is left as it is."""
        person = await person_of(session, event.staff_id)
        item = await queue.get(session, int(event.value)) if event.value.isdigit() else None
        if item is None or item.status != queue.POSTED:
            raise UserError("I can't find that post any more. Thanks for reading it all the same.")
        first = await queue.acknowledge(session, item.id, person.id, self.deps.clock.now())
        return Reply(message=messages.read(self.deps, person.name, item, first))

    async def read_counts(self, session: AsyncSession, event: Inbound) -> Reply:
        person = await person_of(session, event.staff_id)
        require(self.deps.programme, person.role, READ_COUNTS)
        return Reply(message=messages.reads(self.deps, await queue.reads(session)))
