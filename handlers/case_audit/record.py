"""The audit record: the auditor's form, checked whole before anything is stored.

A missing required answer or a date qabot cannot read is named in one polite line and
nothing is saved. A saved record raises its actions (flagged when the programme tracks the
grade) and tells each owner at once, closes the allocation, sends the findings to the worker
with the request to reflect and to their line manager for supervision, and starts any
moderation. Where the programme says the auditor talks with the family, the record asks what
the family said, or why they were not spoken to.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

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
from handlers.core.deps import Deps
from handlers.core.parsing import first_name, parse_id
from handlers.core.router import Inbound, Reply
from handlers.errors import UserError
from handlers.programme.schema import CaseAudit
from message_templates.model import Message
from storage.case_audit import audits
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
    return Reply(message=record_form(deps, view, activity, default_action_due(deps, today)))


async def submit_record(deps: Deps, session: AsyncSession, event: Inbound) -> Reply:
    """Check every answer first; then store the record, its actions and the follow-ups."""
    view = await auditors_allocation(session, event)
    activity = case_audit(deps.programme, view.activity)
    now = deps.clock.now()
    today = deps.calendar.local_date(now)
    labels = _labels(deps, view, activity)
    grade = _required(event, "grade", labels)
    if grade not in deps.programme.grades:
        grades = ", ".join(deps.programme.grades)
        raise UserError(f"{grade!r} isn't one of the grades: {grades}.", field="grade")
    reason = _required(event, "grade_reason", labels)
    family_said, family_not_why = _family(event, activity, labels)
    found = [await action_from_form(session, event, n, view, today, labels) for n in _numbers()]
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
    await announce_raised(deps, session, record.id, view.case_ref, grade)
    findings = await findings_of(session, view.id)
    await request_reflections(deps, session, view, activity, now, findings)
    moderated = await request_moderation(deps, session, view, activity, record, now)
    await tell_line_manager(deps, session, view, activity, findings, moderated is not None)
    return Reply(message=_recorded(deps, view, activity, grade, len(actions)))


def _numbers() -> range:
    return range(1, ACTIONS_ON_FORM + 1)


def _labels(deps: Deps, view: AllocationView, activity: CaseAudit) -> dict[str, str]:
    context = form_context(view, activity)
    blocks = ("grade", "grade_reason", "action", "action_owner", "action_due", "family_said",
              "family_not_why")  # fmt: skip
    return {b: deps.wording.label(FORM, f"field_{b}", context) for b in blocks}


def _family(event: Inbound, activity: CaseAudit, labels: dict[str, str]) -> tuple[str, str]:
    """Where the auditor talks with the family: what they said, or why they weren't spoken
    to; one or the other is needed."""
    said, why_not = event.field("family_said").strip(), event.field("family_not_why").strip()
    if activity.with_family and not said and not why_not:
        raise UserError(
            f"Please fill in “{labels['family_said']}”, or “{labels['family_not_why']}”. "
            "Nothing has been saved yet."
        )
    return said, why_not


def _required(event: Inbound, field: str, labels: dict[str, str]) -> str:
    value = event.field(field).strip()
    if not value:
        raise UserError(
            f"Please fill in “{labels[field]}”. Nothing has been saved yet.", field=field
        )
    return value


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
