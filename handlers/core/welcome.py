"""qabot's hello to a person, said once and always first.

A person hears it when qabot can first reach them (the sandbox page opening, the Teams app
installed), or, when something else is on its way to them before that (an audit reassigned to
them, say), just ahead of it, at the same time, so no one meets qabot mid-conversation.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.delivery import enqueue
from handlers.core.deps import Deps
from handlers.core.parsing import first_name
from handlers.core.recipients import dm
from message_templates.model import Button, Message
from storage.models import Person

SHOW_HELP = "help.show"
SHOW_MY_QA = "my_qa.show"
_BUTTONS = (("button_my_qa", SHOW_MY_QA), ("button_help", SHOW_HELP))


def welcome_message(deps: Deps, person: Person) -> Message:
    context = {"name": first_name(person.name), "role": person.role}
    buttons = tuple(
        Button(deps.wording.label("welcome", block, context), action) for block, action in _BUTTONS
    )
    return deps.wording.compose("welcome", context, buttons=buttons)


def welcome_key(staff_id: str) -> str:
    return f"welcome:{staff_id}"


async def welcome_first(
    deps: Deps, session: AsyncSession, staff_id: str, not_before: dt.datetime, now: dt.datetime
) -> None:
    """Queue the hello ahead of a first message to someone not yet welcomed (once)."""
    person = await session.scalar(select(Person).where(Person.staff_id == staff_id))
    if person is None or person.welcomed_at is not None:
        return
    person.welcomed_at = now
    await enqueue(deps, session, key=welcome_key(staff_id), recipient=dm(staff_id),
                  message=welcome_message(deps, person), not_before=not_before,
                  now=now)  # fmt: skip
