"""The child-journey checklist: the practitioner ticks items in chat, the message updates in place.

A tick event either sets the whole checklist (value "<allocation_id>", ticked ids in field
"done", as Slack checkboxes and Teams toggles submit them) or toggles one item (value
"<allocation_id>:<item_id>"). Who changed each item, and when, is kept. The checklist message
(outbox key "audit.notified:<allocation_id>") is updated in place wherever the tick came from.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.case_audit import keys
from handlers.case_audit.messages import case_audit, checklist_updated
from handlers.core.delivery import settle_reminders
from handlers.core.deps import Deps
from handlers.core.parsing import first_name, parse_id
from handlers.core.router import Inbound, Reply
from handlers.errors import UserError
from message_templates.model import CHECKLIST_FIELD
from storage.case_audit import audits
from storage.outbox import update_in_place


def ticked_in(event: Inbound) -> set[str]:
    """Item ids a whole-checklist submission switched on (comma-joined, repeated or per item)."""
    found: set[str] = set()
    prefix = CHECKLIST_FIELD + "."
    for name, value in event.fields:
        if name == CHECKLIST_FIELD:
            found.update(v.strip() for v in value.split(",") if v.strip())
        elif name.startswith(prefix) and value.lower() in ("true", "on", "1"):
            found.add(name[len(prefix) :])
    return found


async def tick(deps: Deps, session: AsyncSession, event: Inbound) -> Reply:
    """Record the practitioner's ticks and re-show the checklist with its progress."""
    allocation_text, _, item = event.value.partition(":")
    view = await audits.allocation(session, parse_id(allocation_text))
    if view is None:
        raise UserError("I can't find that audit any more. Your QA team can help.")
    if event.staff_id != view.practitioner.staff_id:
        name = first_name(view.practitioner.name)
        raise UserError(f"Only {name} can tick this checklist: it's their record of the work.")
    if view.status != "allocated":
        raise UserError("This audit is recorded now, so its checklist is closed.")
    activity = case_audit(deps.programme, view.activity)
    known = [i.id for i in activity.checklist]
    wanted = set(view.ticked) ^ {item} if item else ticked_in(event)
    unknown = sorted(wanted - set(known) - set(view.ticked))
    if unknown:
        raise UserError(f"The checklist has no item {unknown[0]!r}. Please tick from the message.")
    changes = {i: i in wanted for i in known if (i in wanted) != (i in view.ticked)}
    now = deps.clock.now()
    if changes:
        await audits.set_ticks(session, view.id, changes, by_id=view.practitioner.id, at=now)
    updated = dataclasses.replace(view, ticked=frozenset(wanted & set(known)))
    message = checklist_updated(deps, updated, activity)
    if changes and set(known) <= updated.ticked:  # all done: its reminders know it
        await settle_reminders(deps, session, [view.practitioner.staff_id],
                               {"type": "checklist.reminder", "allocation_id": view.id},
                               "Checklist done")  # fmt: skip
    if event.source_key == keys.notified(view.id):
        return Reply(update=message)
    # Ticked from a gathered reminder: update the checklist message, leave the reminder whole.
    await update_in_place(session, keys.notified(view.id), message, now)
    return Reply()
