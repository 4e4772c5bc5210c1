"""Closing the loop: actions from audits and their reminders (escalations: escalations.py)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.case_audit.ids import ACTION_DONE
from handlers.case_audit.messages import reminder_buttons
from handlers.core.deps import Deps
from handlers.core.parsing import first_name, parse_id
from handlers.core.router import Inbound, Reply
from handlers.errors import UserError
from message_templates.model import Button, Message
from storage.case_audit import followups as audit_followups
from storage.case_audit import people as audit_people
from storage.case_audit.followups import OpenAction
from storage.case_audit.people import PersonRef


def source_of(action: OpenAction, case_refs: dict[int, str]) -> str:
    """Where an action came from, in words for a DM to the people involved."""
    ref = case_refs.get(action.source_id) if action.source == "audit" else None
    return f"the audit of {ref}" if ref else "an audit"


def _meta(kind: str, action: OpenAction, owner: PersonRef, **extra: object) -> dict[str, object]:
    return {
        "type": kind,
        "action_id": action.id,
        "owner": owner.staff_id,
        "due": action.due_on.isoformat(),
        "flagged": action.flagged,
        **extra,
    }


def action_reminder(
    deps: Deps, action: OpenAction, owner: PersonRef, source: str, today: dt.date
) -> Message:
    name = "action_reminder"
    context = {
        "name": first_name(owner.name),
        "description": action.description,
        "source": source,
        "due": action.due_on,
        "is_past_due": today > action.due_on,
    }
    done = Button(deps.wording.label(name, "button_done", context), ACTION_DONE, str(action.id))
    buttons = (done, *reminder_buttons(deps, name, context, f"action:{action.id}", 5))
    meta = _meta("action.reminder", action, owner)
    return deps.wording.compose(name, context, buttons=buttons, meta=meta)


async def mark_done(deps: Deps, session: AsyncSession, event: Inbound) -> Reply:
    """The owner closes their action in one click."""
    found = await audit_followups.action(session, parse_id(event.value, "action"))
    owner = await audit_people.person_by_staff_id(session, event.staff_id)
    if found is None:
        raise UserError("I can't find that action any more. Your QA team can help.")
    action, status = found
    if owner is None or owner.id != action.owner_id:
        raise UserError("Only the action's owner can close it.")
    if status != "open":
        raise UserError("That action is already closed. Thank you!")
    await audit_followups.close_action(session, action.id, deps.clock.now())
    context = {"name": first_name(owner.name), "description": action.description}
    meta = _meta("action.done", action, owner)
    return Reply(message=deps.wording.compose("action_done", context, meta=meta))
