"""Closing the loop: actions from audits, their reminders and escalations; snoozing reminders."""

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

SNOOZABLE = ("checklist", "audit", "reflection", "moderation", "action")
WHY_TYPES = (
    "checklist.reminder",
    "audit.reminder",
    "reflection.reminder",
    "moderation.reminder",
    "action.reminder",
)
MAX_SNOOZE_WORKING_DAYS = 10


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


def action_escalated(
    deps: Deps, action: OpenAction, owner: PersonRef, manager: PersonRef, source: str, days: int
) -> Message:
    context = {
        "name": first_name(manager.name),
        "owner_name": owner.name,
        "description": action.description,
        "source": source,
        "due": action.due_on,
        "working_days": days,
    }
    meta = _meta("action.escalated", action, owner, manager=manager.staff_id)
    return deps.wording.compose("action_escalated", context, meta=meta)


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


async def snooze(deps: Deps, session: AsyncSession, event: Inbound) -> Reply:
    """Hold one reminder for a few working days (value "<kind>:<id>:<working days>")."""
    kind, _, rest = event.value.partition(":")
    item_id, _, days_text = rest.partition(":")
    if kind not in SNOOZABLE or not item_id.isdigit() or not days_text.isdigit():
        raise UserError("I couldn't tell which reminder to snooze. Please use its button.")
    days = min(max(int(days_text), 1), MAX_SNOOZE_WORKING_DAYS)
    person = await audit_people.person_by_staff_id(session, event.staff_id)
    if person is None:
        raise UserError("I can't find you in the staff list. Your QA team can add you.")
    calendar = deps.calendar
    today = calendar.local_date(deps.clock.now())
    until = calendar.add_working_days(calendar.next_working_day(today), days - 1)
    await audit_people.set_snooze(session, person.id, f"{kind}:{item_id}", until)
    context = {"name": first_name(person.name), "until": until}
    meta = {"type": "reminder.snoozed", "item": f"{kind}:{item_id}", "until": until.isoformat()}
    return Reply(message=deps.wording.compose("reminder_snoozed", context, meta=meta))


async def why(deps: Deps, session: AsyncSession, event: Inbound) -> Reply:
    """Explain a reminder: what it is about and how to quieten it."""
    if event.value not in WHY_TYPES:
        raise UserError("I couldn't tell which reminder that was. Type **help** to see what I do.")
    person = await audit_people.person_by_staff_id(session, event.staff_id)
    if person is None:
        raise UserError("I can't find you in the staff list. Your QA team can add you.")
    context = {"name": first_name(person.name), "type": event.value}
    meta = {"type": "reminder.why", "about": event.value}
    return Reply(message=deps.wording.compose("reminder_why", context, meta=meta))
