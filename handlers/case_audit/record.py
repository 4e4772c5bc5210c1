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
from handlers.case_audit.messages import ACTIONS_ON_FORM, action_activity, case_audit, record_form
from handlers.case_audit.moderation import request_moderation
from handlers.case_audit.reflection import request_reflections
from handlers.core.delivery import enqueue
from handlers.core.deps import Deps
from handlers.core.parsing import first_name, parse_date, parse_id
from handlers.core.recipients import dm
from handlers.core.router import Inbound, Reply
from handlers.errors import UserError
from handlers.programme.schema import CaseAudit
from message_templates.model import Message
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
    return Reply(message=record_form(deps, view, activity, default_action_due(deps, today)))


async def submit_record(deps: Deps, session: AsyncSession, event: Inbound) -> Reply:
    """Check every answer first; then store the record, its actions and the follow-ups."""
    view = await auditors_allocation(session, event)
    activity = case_audit(deps.programme, view.activity)
    now = deps.clock.now()
    today = deps.calendar.local_date(now)
    labels = _labels(deps, view, activity.title)
    grade = _required(event, "grade", labels)
    if grade not in deps.programme.grades:
        grades = ", ".join(deps.programme.grades)
        raise UserError(f"{grade!r} isn't one of the grades: {grades}.", field="grade")
    reason = _required(event, "grade_reason", labels)
    actions = [await _action(session, event, n, view, today, labels) for n in _numbers()]
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
    await announce_raised(deps, session, record.id, view.case_ref, grade)
    await request_reflections(deps, session, view, activity, now)
    moderated = await request_moderation(deps, session, view, activity, record, now)
    if grade == INADEQUATE:
        raised = [a for a in actions if a is not None]
        await tell_of_inadequate(deps, session, view, activity, raised, moderated is not None)
    return Reply(message=_recorded(deps, view, grade, sum(a is not None for a in actions)))


def _numbers() -> range:
    return range(1, ACTIONS_ON_FORM + 1)


def _labels(deps: Deps, view: AllocationView, activity_name: str) -> dict[str, str]:
    context = {
        "name": first_name(view.auditor.name),
        "case_ref": view.case_ref,
        "practitioner_name": view.practitioner.name,
        "activity_name": activity_name,
    }
    blocks = ("grade", "grade_reason", "action", "action_owner", "action_due")
    return {b: deps.wording.label(FORM, f"field_{b}", context) for b in blocks}


def _required(event: Inbound, field: str, labels: dict[str, str]) -> str:
    value = event.field(field).strip()
    if not value:
        raise UserError(
            f"Please fill in “{labels[field]}”. Nothing has been saved yet.", field=field
        )
    return value


async def _action(
    session: AsyncSession,
    event: Inbound,
    n: int,
    view: AllocationView,
    today: dt.date,
    labels: dict[str, str],
) -> NewAction | None:
    """Action n of the form, or None when its description is blank."""
    description = event.field(f"action_{n}").strip()
    if not description:
        return None
    due_text = event.field(f"action_{n}_due").strip()
    due = parse_date(due_text)
    where = f"“{labels['action_due']}” for action {n}"
    if due is None:
        raise UserError(
            f"I couldn't read {due_text!r} in {where} as a date: try 2027-02-12 or 12/02/2027. "
            "Nothing has been saved yet.",
            field=f"action_{n}_due",
        )
    if due < today:
        raise UserError(
            f"{where} is in the past. Nothing has been saved yet.", field=f"action_{n}_due"
        )
    owner = await _owner(session, event.field(f"action_{n}_owner"), view, n, labels)
    return NewAction(description, owner, due)


async def _owner(
    session: AsyncSession, text: str, view: AllocationView, n: int, labels: dict[str, str]
) -> PersonRef:
    """The practitioner by default; otherwise a staff id or the name of one active person.
    A name several people share is answered with each of them, by team and staff id."""
    wanted = text.strip()
    for person in (view.practitioner, view.auditor):
        if not wanted or wanted.lower() in (person.name.lower(), person.staff_id.lower()):
            return person
    found = await audit_people.person_by_staff_id(session, wanted)
    if found is None and wanted.upper() != wanted:
        found = await audit_people.person_by_staff_id(session, wanted.upper())
    named = [found] if found is not None else await audit_people.people_named(session, wanted)
    where = f"“{labels['action_owner']}” for action {n}"
    if not named:
        raise UserError(
            f"{where} ({wanted!r}) isn't anyone I know: check the name, or put their staff id. "
            "Nothing has been saved yet.",
            field=f"action_{n}_owner",
        )
    if len(named) > 1:
        who = "; ".join(f"{p.name}, staff id {p.staff_id}" for p in named)
        raise UserError(
            f"{where} ({wanted!r}) could be {len(named)} people: {who}. "
            "Put the staff id of the one you mean. Nothing has been saved yet.",
            field=f"action_{n}_owner",
        )
    return named[0]


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
