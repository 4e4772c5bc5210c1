"""Closing the loop: actions from audits, announced when raised, reminded, and closed with a line
of what was done (escalations: escalations.py).

An action from an audit graded Inadequate is followed to completion: its snooze stops at its
due date, and the owner's word that it is done goes to their line manager,
who confirms it; until then it stays open for the QA team's view and for escalation.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.case_audit import keys
from handlers.case_audit.ids import ACTION_CONFIRM, ACTION_DONE, ACTION_NOT_YET
from handlers.case_audit.messages import reminder_buttons
from handlers.core.delivery import enqueue, settle, settle_reminders
from handlers.core.deps import Deps
from handlers.core.parsing import first_name, parse_id
from handlers.core.recipients import dm
from handlers.core.router import Inbound, Reply
from handlers.errors import UserError, check_form
from handlers.reminders.ids import WHY
from message_templates.model import Button, Form, FormField, Message
from storage.case_audit import followups as audit_followups
from storage.case_audit import people as audit_people
from storage.case_audit.followups import OpenAction
from storage.case_audit.people import PersonRef

# An action from an audit graded this is followed to completion (SPEC; Shropshire's framework):
# never snoozed past its due date, and closed only when the owner's line manager confirms.
INADEQUATE = "Inadequate"
EVIDENCE = "evidence"
EVIDENCE_MAX = 1000


def source_of(action: OpenAction, case_refs: dict[int, str]) -> str:
    """Where an action came from, in words for a DM to the people involved. Actions from an
    observation of practice (raised by handlers/observations) are tracked here too."""
    if action.source == "observation":
        return "an observation of your practice"
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


def action_raised(
    deps: Deps, action: OpenAction, owner: PersonRef, source: str, inadequate: bool
) -> Message:
    """The owner's first word of an action: what, from where, by when and why it matters."""
    name = "action_raised"
    context = {
        "name": first_name(owner.name),
        "description": action.description,
        "source": source,
        "due": action.due_on,
        "flagged": inadequate,
    }
    label = deps.wording.label
    buttons = (
        Button(label(name, "button_done", context), ACTION_DONE, str(action.id), "primary"),
        Button(label(name, "button_why", context), WHY, "action.reminder"),
    )
    meta = _meta("action.raised", action, owner)
    return deps.wording.compose(name, context, buttons=buttons, meta=meta)


async def announce_raised(
    deps: Deps, session: AsyncSession, record_id: int, case_ref: str, grade: str
) -> int:
    """Tell each owner of the actions a record has just raised, at once (or when they are next
    at work). The auditor who owns one of their own actions hears too: it is their list, and
    the message carries the button that closes it. How many messages were queued."""
    now = deps.clock.now()
    queued = 0
    source = f"the audit of {case_ref}"
    for action, owner in await audit_followups.actions_of_record(session, record_id):
        if not owner.active:
            continue
        queued += await enqueue(
            deps,
            session,
            key=keys.action_raised(action.id),
            recipient=dm(owner.staff_id),
            message=action_raised(deps, action, owner, source, grade == INADEQUATE),
            not_before=deps.calendar.next_dm_time(now, owner.away_until),
            now=now,
        )
    return queued


async def _owners_open_action(
    session: AsyncSession, event: Inbound
) -> tuple[OpenAction, PersonRef]:
    found = await audit_followups.action(session, parse_id(event.value, "action"))
    owner = await audit_people.person_by_staff_id(session, event.staff_id)
    if found is None:
        raise UserError("I can't find that action any more. Your QA team can help.")
    action, status = found
    if owner is None or owner.id != action.owner_id:
        raise UserError("Only the action's owner can close it.")
    if status != "open":
        raise UserError("That action is already closed. Thank you!")
    return action, owner


async def open_done_form(deps: Deps, session: AsyncSession, event: Inbound) -> Reply:
    """ "It's done": ask, in one line, what was done. Nothing closes until it is given."""
    action, owner = await _owners_open_action(session, event)
    if action.evidence is not None:
        raise UserError(
            "You've told me this one is done: it's with your line manager to confirm. Thank you!"
        )
    confirmer = await _confirmer(session, action, owner)
    return Reply(message=done_form(deps, action, owner, confirmer is not None))


async def _is_inadequate(session: AsyncSession, action: OpenAction) -> bool:
    return await audit_followups.action_grade(session, action.id) == INADEQUATE


def done_form(
    deps: Deps, action: OpenAction, owner: PersonRef, confirmed: bool, problem: str = ""
) -> Message:
    """The one-line form asking what was done; `problem` says what it still needs."""
    name = "action_done_form"
    context = {"name": first_name(owner.name), "description": action.description,
               "flagged": confirmed, "problem": problem}  # fmt: skip
    label = deps.wording.label
    field = FormField(EVIDENCE, label(name, "field_evidence", context), "textarea", True,
                      hint=label(name, "hint_evidence", context),
                      max_length=EVIDENCE_MAX)  # fmt: skip
    form = Form(ACTION_DONE, label(name, "button_submit", context), (field,), str(action.id),
                open_label=label(name, "button_open", context))  # fmt: skip
    meta = _meta("action.done_form", action, owner)
    return deps.wording.compose(name, context, form=form, meta=meta)


async def mark_done(deps: Deps, session: AsyncSession, event: Inbound) -> Reply:
    """The owner's line of what was done: stored with the action; then the action closes, or,
    from an Inadequate audit, goes to the owner's line manager to confirm."""
    action, owner = await _owners_open_action(session, event)
    evidence = event.field(EVIDENCE).strip()
    manager = await _confirmer(session, action, owner)
    blank = deps.wording.label("action_done_form", "problem_evidence", {})
    errors = {} if evidence else {EVIDENCE: blank}
    check_form(done_form(deps, action, owner, manager is not None), {EVIDENCE: evidence}, errors)
    now = deps.clock.now()
    await audit_followups.give_evidence(session, action.id, evidence, now)
    if manager is not None:
        await enqueue(
            deps,
            session,
            key=keys.action_confirm_asked(action.id, now),
            recipient=dm(manager.staff_id),
            message=await _confirm_ask(deps, session, action, owner, manager, evidence),
            not_before=deps.calendar.next_dm_time(now, manager.away_until),
            now=now,
        )
    else:
        await audit_followups.close_action(session, action.id, now)
        await settle(deps, session, (keys.action_raised(action.id), event.source_key),
                     "Action closed")  # fmt: skip
        await settle_reminders(deps, session, [owner.staff_id], {"action_id": action.id},
                               "Action closed")  # fmt: skip
    context = {
        "name": first_name(owner.name),
        "description": action.description,
        "evidence": evidence,
        "manager_name": manager.name if manager is not None else "",
    }
    meta = _meta("action.done", action, owner, confirming=manager is not None)
    return Reply(message=deps.wording.compose("action_done", context, meta=meta))


async def _confirmer(
    session: AsyncSession, action: OpenAction, owner: PersonRef
) -> PersonRef | None:
    """The owner's active line manager, who confirms an action from an Inadequate audit is done;
    None for any other action. With no manager, the owner's word closes it (the evidence is
    kept with the action for the QA team)."""
    if owner.manager_id is None or not await _is_inadequate(session, action):
        return None
    manager = (await audit_people.people_by_id(session, [owner.manager_id])).get(owner.manager_id)
    return manager if manager is not None and manager.active else None


async def _confirm_ask(
    deps: Deps,
    session: AsyncSession,
    action: OpenAction,
    owner: PersonRef,
    manager: PersonRef,
    evidence: str,
) -> Message:
    name = "action_confirm"
    refs = await audit_followups.action_case_refs(session, [action.source_id])
    context = {
        "name": first_name(manager.name),
        "owner_name": owner.name,
        "description": action.description,
        "source": source_of(action, refs),
        "due": action.due_on,
        "evidence": evidence,
    }
    label = deps.wording.label
    buttons = (
        Button(label(name, "button_confirm", context), ACTION_CONFIRM, str(action.id), "primary"),
        Button(label(name, "button_not_yet", context), ACTION_NOT_YET, str(action.id)),
    )
    meta = _meta("action.confirm", action, owner, manager=manager.staff_id)
    return deps.wording.compose(name, context, buttons=buttons, meta=meta)


async def _managers_claimed_action(
    session: AsyncSession, event: Inbound
) -> tuple[OpenAction, PersonRef, PersonRef]:
    found = await audit_followups.action(session, parse_id(event.value, "action"))
    if found is None:
        raise UserError("I can't find that action any more. Your QA team can help.")
    action, status = found
    if status != "open":
        raise UserError("That action is already closed. Thank you!")
    owner = (await audit_people.people_by_id(session, [action.owner_id])).get(action.owner_id)
    manager = await audit_people.person_by_staff_id(session, event.staff_id)
    if owner is None or manager is None or owner.manager_id != manager.id:
        raise UserError("Only the owner's line manager can confirm this action.")
    if action.evidence is None:
        raise UserError("This action is back with its owner: there's nothing to confirm yet.")
    return action, owner, manager


async def confirm(deps: Deps, session: AsyncSession, event: Inbound) -> Reply:
    """The line manager agrees it is done: the action closes."""
    action, owner, manager = await _managers_claimed_action(session, event)
    await audit_followups.close_action(session, action.id, deps.clock.now(), manager.id)
    closed = f"Action closed, confirmed by {manager.name}"
    await settle(deps, session, (keys.action_raised(action.id), event.source_key), closed)
    await settle_reminders(deps, session, [owner.staff_id, manager.staff_id],
                           {"action_id": action.id}, closed)  # fmt: skip
    return _answered(deps, action, owner, manager, confirmed=True)


async def not_yet(deps: Deps, session: AsyncSession, event: Inbound) -> Reply:
    """The line manager thinks more is needed: the action goes back to its owner, who is told
    kindly, and their reminders start again."""
    action, owner, manager = await _managers_claimed_action(session, event)
    await audit_followups.withdraw_evidence(session, action.id)
    now = deps.clock.now()
    name = "action_not_yet"
    context = {"name": first_name(owner.name), "manager_name": manager.name,
               "description": action.description, "due": action.due_on}  # fmt: skip
    done = Button(deps.wording.label(name, "button_done", context), ACTION_DONE, str(action.id))
    meta = _meta("action.not_yet", action, owner, manager=manager.staff_id)
    message = deps.wording.compose(name, context, buttons=(done,), meta=meta)
    await enqueue(
        deps,
        session,
        key=keys.action_not_yet(action.id, now),
        recipient=dm(owner.staff_id),
        message=message,
        not_before=deps.calendar.next_dm_time(now, owner.away_until),
        now=now,
    )
    return _answered(deps, action, owner, manager, confirmed=False)


def _answered(
    deps: Deps, action: OpenAction, owner: PersonRef, manager: PersonRef, *, confirmed: bool
) -> Reply:
    context = {"name": first_name(manager.name), "owner_name": owner.name,
               "description": action.description, "confirmed": confirmed}  # fmt: skip
    meta = _meta("action.confirmed" if confirmed else "action.not_yet_answered", action, owner,
                 manager=manager.staff_id)  # fmt: skip
    return Reply(message=deps.wording.compose("action_confirmed", context, meta=meta))


async def latest_snooze(session: AsyncSession, action_id: int) -> dt.date | None:
    """The last day a reminder about this action may be snoozed to: its due date when it comes
    from an audit graded Inadequate; None when any snooze will do."""
    found = await audit_followups.action(session, action_id)
    if found is None or not await _is_inadequate(session, found[0]):
        return None
    return found[0].due_on
