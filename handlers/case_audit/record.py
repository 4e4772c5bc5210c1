"""The audit record: the auditor's form, checked whole before anything is stored.

Every problem (a missing answer, a date qabot cannot read, an owner it cannot find) comes back
at once beside its field, with what was typed kept, and nothing is saved. A saved record raises
its actions (flagged when the programme tracks the grade) and tells each owner at once, closes
the allocation, sends the findings to the worker with the request to reflect and to their line
manager for supervision, and starts any moderation. Where the programme says the auditor talks
with the family, the record asks what the family said, or why they were not spoken to.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.case_audit import keys
from handlers.case_audit.actions import INADEQUATE as INADEQUATE
from handlers.case_audit.actions import announce_raised
from handlers.case_audit.findings import (
    action_from_form,
    default_action_due,
    findings_of,
    store_actions,
    tell_line_manager,
)
from handlers.case_audit.messages import (
    ACTIONS_ON_FORM,
    case_audit,
    form_context,
    record_form,
    term,
)
from handlers.case_audit.moderation import request_moderation
from handlers.case_audit.reflection import request_reflections
from handlers.core.delivery import settle, settle_reminders
from handlers.core.deps import Deps
from handlers.core.parsing import first_name, parse_id
from handlers.core.people import people_to_pick
from handlers.core.router import Inbound, Reply
from handlers.errors import UserError, check_form
from handlers.programme.schema import CaseAudit
from message_templates.model import Choice, Message
from storage.case_audit import audits
from storage.case_audit import people as audit_people
from storage.case_audit import records as audit_records
from storage.case_audit.audits import AllocationView

FORM = "audit_record_form"
# INADEQUATE (actions.py): the grade the worker's line manager and the QA team hear about the
# same day it counts, and whose actions are followed to completion.


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
    found = [await action_from_form(session, event, n, view, today, errors) for n in _numbers()]
    form = record_form(deps, view, activity, default_action_due(deps, today),
                       await owner_choices(session, view))  # fmt: skip
    family_said, family_not_why = _family(deps, event, view, activity, errors)
    check_form(form, dict(event.fields), errors)
    grade, reason = event.field("grade").strip(), event.field("grade_reason").strip()
    actions = [a for a in found if a is not None]
    record = await audit_records.add_record(
        session,
        allocation_id=view.id,
        grade=grade,
        grade_reason=reason,
        strengths=event.field("strengths").strip(),
        worries=event.field("worries").strip(),
        recorded_by_id=view.auditor.id,
        recorded_at=now,
        family_said=family_said,
        family_not_why=family_not_why,
    )
    await store_actions(deps, session, record.id, grade, actions)
    done = f"Audit recorded ({grade})"
    await settle(deps, session, (keys.allocated(view.id), keys.notified(view.id),
                                 event.source_key), done)  # fmt: skip
    managers = await audit_people.people_by_id(session, [view.auditor.manager_id or 0])
    told = [view.auditor.staff_id, view.practitioner.staff_id,
            *(m.staff_id for m in managers.values())]  # fmt: skip
    await settle_reminders(deps, session, told, {"allocation_id": view.id}, done)
    await announce_raised(deps, session, record.id, view.case_ref, grade)
    findings = await findings_of(session, view.id)
    await request_reflections(deps, session, view, activity, now, findings)
    moderated = await request_moderation(deps, session, view, activity, record, now)
    await tell_line_manager(deps, session, view, activity, findings, moderated is not None)
    return Reply(message=_recorded(deps, view, activity, grade, len(actions)))


def _numbers() -> range:
    return range(1, ACTIONS_ON_FORM + 1)


def _family(
    deps: Deps,
    event: Inbound,
    view: AllocationView,
    activity: CaseAudit,
    errors: dict[str, str],
) -> tuple[str, str]:
    """Where the auditor talks with the family: what they said, or why they weren't spoken
    to; one or the other is needed, and its absence is named beside the first."""
    said, why_not = event.field("family_said").strip(), event.field("family_not_why").strip()
    if activity.with_family and not said and not why_not:
        context = form_context(view, activity)
        other = deps.wording.label(FORM, "field_family_not_why", context)
        errors["family_said"] = f"Please say what the family told you, or fill in “{other}”."
    return said, why_not


async def owner_choices(session: AsyncSession, view: AllocationView) -> tuple[Choice, ...]:
    """The people an action can be given to, for the people picker: name, role and team."""
    return await people_to_pick(session, (view.practitioner.staff_id, view.auditor.staff_id))


def _recorded(
    deps: Deps, view: AllocationView, activity: CaseAudit, grade: str, actions: int
) -> Message:
    context = {
        "audit": term(activity),
        "name": first_name(view.auditor.name),
        "case_ref": view.case_ref,
        "grade": grade,
        "actions_count": actions,
        "practitioner_name": view.practitioner.name,
    }
    meta = {"type": "audit.recorded", "allocation_id": view.id, "grade": grade}
    return deps.wording.compose("audit_recorded", context, meta=meta)
