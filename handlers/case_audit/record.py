"""The audit record: the auditor's form, checked whole before anything is stored.

A missing required answer or a date qabot cannot read is named in one polite line and
nothing is saved. A saved record raises its actions (flagged when the programme tracks the
grade) and tells each owner at once, closes the allocation, and starts the reflective
discussion and any moderation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.case_audit import keys
from handlers.case_audit.actions import INADEQUATE as INADEQUATE
from handlers.case_audit.actions import announce_raised
from handlers.case_audit.messages import (
    ACTIONS_ON_FORM,
    action_activity,
    case_audit,
    record_form,
)
from handlers.case_audit.moderation import request_moderation
from handlers.case_audit.reflection import request_reflections
from handlers.core.delivery import enqueue, settle, settle_reminders
from handlers.core.deps import Deps
from handlers.core.parsing import first_name, parse_date, parse_id
from handlers.core.people import people_to_pick
from handlers.core.recipients import dm
from handlers.core.router import Inbound, Reply
from handlers.errors import UserError, check_form
from handlers.programme.schema import CaseAudit
from message_templates.model import Choice, Message
from storage.case_audit import audits
from storage.case_audit import people as audit_people
from storage.case_audit import records as audit_records
from storage.case_audit.audits import AllocationView
from storage.case_audit.people import PersonRef
from storage.case_audit.qa_view import service_of

FORM = "audit_record_form"
# INADEQUATE (actions.py): the grade the worker's line manager and the QA team hear about the
# same day it is recorded, and whose actions are followed to completion.


@dataclass(frozen=True)
class NewAction:
    description: str
    owner: PersonRef
    due_on: dt.date


async def auditors_allocation(session: AsyncSession, event: Inbound) -> AllocationView:
    """The open allocation the event names, if the person is its auditor."""
    view = await audits.allocation(session, parse_id(event.value))
    if view is None:
        raise UserError("I can't find that audit any more. Your QA team can help.")
    if event.staff_id != view.auditor.staff_id:
        raise UserError(f"Only {view.auditor.name} can record this audit.")
    if view.status != "allocated":
        raise UserError("This audit is already recorded. Thank you!")
    return view


def default_action_due(deps: Deps, today: dt.date) -> dt.date:
    activity = action_activity(deps.programme)
    days = activity.default_due_working_days if activity else 20
    return deps.calendar.add_working_days(today, days)


async def open_record(deps: Deps, session: AsyncSession, event: Inbound) -> Reply:
    view = await auditors_allocation(session, event)
    activity = case_audit(deps.programme, view.activity)
    today = deps.calendar.local_date(deps.clock.now())
    due = default_action_due(deps, today)
    people = await owner_choices(session, view)
    return Reply(message=record_form(deps, view, activity, due, people))


async def submit_record(deps: Deps, session: AsyncSession, event: Inbound) -> Reply:
    """Check every answer first; then store the record, its actions and the follow-ups."""
    view = await auditors_allocation(session, event)
    activity = case_audit(deps.programme, view.activity)
    now = deps.clock.now()
    today = deps.calendar.local_date(now)
    errors: dict[str, str] = {}
    actions = [await _action(session, event, n, view, today, errors) for n in _numbers()]
    form = record_form(deps, view, activity, default_action_due(deps, today),
                       await owner_choices(session, view))  # fmt: skip
    check_form(form, dict(event.fields), errors)
    grade, reason = event.field("grade").strip(), event.field("grade_reason").strip()
    record = await audit_records.add_record(
        session,
        allocation_id=view.id,
        grade=grade,
        grade_reason=reason,
        strengths=event.field("strengths").strip(),
        worries=event.field("worries").strip(),
        recorded_by_id=view.auditor.id,
        recorded_at=now,
    )
    tracked = action_activity(deps.programme)
    flagged = tracked is not None and grade in tracked.track_grades
    await audit_records.add_actions(session, [
        {"source": "audit", "source_id": record.id, "description": a.description,
         "owner_id": a.owner.id, "due_on": a.due_on, "status": "open", "flagged": flagged,
         "created_at": now}
        for a in actions if a is not None
    ])  # fmt: skip
    done = f"Audit recorded ({grade})"
    await settle(deps, session, (keys.allocated(view.id), keys.notified(view.id),
                                 event.source_key), done)  # fmt: skip
    managers = await audit_people.people_by_id(session, [view.auditor.manager_id or 0])
    told = [view.auditor.staff_id, view.practitioner.staff_id,
            *(m.staff_id for m in managers.values())]  # fmt: skip
    await settle_reminders(deps, session, told, {"allocation_id": view.id}, done)
    await announce_raised(deps, session, record.id, view.case_ref, grade)
    await request_reflections(deps, session, view, activity, now)
    moderated = await request_moderation(deps, session, view, activity, record, now)
    if grade == INADEQUATE:
        raised = [a for a in actions if a is not None]
        await tell_of_inadequate(deps, session, view, activity, raised, moderated is not None)
    return Reply(message=_recorded(deps, view, grade, sum(a is not None for a in actions)))


def _numbers() -> range:
    return range(1, ACTIONS_ON_FORM + 1)


async def _action(
    session: AsyncSession,
    event: Inbound,
    n: int,
    view: AllocationView,
    today: dt.date,
    errors: dict[str, str],
) -> NewAction | None:
    """Action n of the form, or None when its description is blank; each problem with its
    date or owner is added to `errors` against its field."""
    description = event.field(f"action_{n}").strip()
    if not description:
        return None
    due_text = event.field(f"action_{n}_due").strip()
    due = parse_date(due_text)
    if due is None and due_text:
        errors[f"action_{n}_due"] = f"I couldn't read {due_text!r} as a date: try 12/02/2027."
    elif due is not None and due < today:
        errors[f"action_{n}_due"] = "This date has passed: please pick one still to come."
    elif due is None:
        errors[f"action_{n}_due"] = "Please say when this action is due."
    owner = await _owner(session, event.field(f"action_{n}_owner"), view)
    if isinstance(owner, str):
        errors[f"action_{n}_owner"] = owner
    if due is None or isinstance(owner, str):
        return None
    return NewAction(description, owner, due)


async def _owner(session: AsyncSession, text: str, view: AllocationView) -> PersonRef | str:
    """The practitioner by default; otherwise a staff id or the name of one active person.
    A name several people share is answered with each of them, by team and staff id; a
    problem is returned as the words to show beside the field."""
    wanted = text.strip()
    for person in (view.practitioner, view.auditor):
        if not wanted or wanted.lower() in (person.name.lower(), person.staff_id.lower()):
            return person
    found = await audit_people.person_by_staff_id(session, wanted)
    if found is None and wanted.upper() != wanted:
        found = await audit_people.person_by_staff_id(session, wanted.upper())
    named = [found] if found is not None else await audit_people.people_named(session, wanted)
    named = [p for p in named if p.active]
    if not named:
        return f"{wanted!r} isn't anyone I know: pick someone from the list."
    if len(named) > 1:
        who = "; ".join(f"{p.name}, staff id {p.staff_id}" for p in named)
        return f"{wanted!r} could be {len(named)} people: {who}. Pick the one you mean."
    return named[0]


async def owner_choices(session: AsyncSession, view: AllocationView) -> tuple[Choice, ...]:
    """The people an action can be given to, for the people picker: name, role and team."""
    return await people_to_pick(session, (view.practitioner.staff_id, view.auditor.staff_id))


def _recorded(deps: Deps, view: AllocationView, grade: str, actions: int) -> Message:
    context = {
        "name": first_name(view.auditor.name),
        "case_ref": view.case_ref,
        "grade": grade,
        "actions_count": actions,
        "practitioner_name": view.practitioner.name,
    }
    meta = {"type": "audit.recorded", "allocation_id": view.id, "grade": grade}
    return deps.wording.compose("audit_recorded", context, meta=meta)


async def tell_of_inadequate(
    deps: Deps,
    session: AsyncSession,
    view: AllocationView,
    activity: CaseAudit,
    actions: list[NewAction],
    moderated: bool,
) -> None:
    """The worker's line manager hears in a DM (the case, the auditor, the actions, what
    happens next); the QA team's channel hears only that an audit in a service was graded
    Inadequate, with no case reference and no names (SPEC §7)."""
    now = deps.clock.now()
    service = await service_of(session, view.practitioner.id)
    manager = await _line_manager(session, view)
    if manager is not None:
        await enqueue(
            deps,
            session,
            key=keys.inadequate_to_manager(view.id),
            recipient=dm(manager.staff_id),
            message=_inadequate_to_manager(deps, view, activity, manager, actions, moderated),
            not_before=deps.calendar.next_dm_time(now, manager.away_until),
            now=now,
        )
    context = {
        "service": service,
        "activity_name": activity.title,
        "recorded_on": deps.calendar.local_date(now),
        "manager_told": manager is not None,
    }
    await enqueue(
        deps,
        session,
        key=keys.inadequate_to_qa_team(view.id),
        recipient=f"channel:{deps.qa_channel}",
        message=deps.wording.compose(
            "audit_inadequate_qa", context, meta={"type": "audit.inadequate.qa_team"}
        ),
        not_before=deps.calendar.next_dm_time(now),
        now=now,
    )


async def _line_manager(session: AsyncSession, view: AllocationView) -> PersonRef | None:
    """The worker's active line manager, unless they are the auditor who has just recorded it."""
    manager_id = view.practitioner.manager_id
    if manager_id is None or manager_id == view.auditor.id:
        return None
    manager = (await audit_people.people_by_id(session, [manager_id])).get(manager_id)
    return manager if manager is not None and manager.active else None


def _inadequate_to_manager(
    deps: Deps,
    view: AllocationView,
    activity: CaseAudit,
    manager: PersonRef,
    actions: list[NewAction],
    moderated: bool,
) -> Message:
    context = {
        "name": first_name(manager.name),
        "activity_name": activity.title,
        "case_ref": view.case_ref,
        "practitioner_name": view.practitioner.name,
        "auditor_name": view.auditor.name,
        "recorded_on": deps.calendar.local_date(deps.clock.now()),
        "actions": [
            {"description": a.description, "owner": a.owner.name, "due": a.due_on} for a in actions
        ],
        "moderated": moderated,
        "case_url": deps.case_url(view.case_ref),
    }
    meta = {"type": "audit.inadequate", "allocation_id": view.id}
    return deps.wording.compose("audit_inadequate", context, meta=meta)
