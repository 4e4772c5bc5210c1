"""The reflective discussion: the programme's prompts after an audit, and who may read the answers.

Reflections are visible to the practitioner, their auditor, their line manager and the QA team,
nobody else (SPEC §7); every read by the QA team is written to the audit log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.case_audit import keys
from handlers.case_audit.findings import findings_context, findings_of
from handlers.case_audit.ids import OPEN_REFLECTION, SAVE_REFLECTION
from handlers.case_audit.messages import audit_meta, case_audit, reminder_buttons, term
from handlers.core.calendar import Calendar
from handlers.core.delivery import enqueue, settle, settle_reminders
from handlers.core.deps import Deps
from handlers.core.parsing import first_name, parse_id
from handlers.core.recipients import dm
from handlers.core.router import Inbound, Reply
from handlers.errors import UserError, check_form
from handlers.programme.schema import CaseAudit, Permissions
from message_templates.model import Button, Form, FormField, Message
from storage.case_audit import audits, reflections
from storage.case_audit import people as audit_people
from storage.case_audit import requests as audit_requests
from storage.case_audit.audits import AllocationView
from storage.case_audit.people import PersonRef
from storage.case_audit.records import Findings
from storage.models import AuditLogEntry

QA_TEAM = Permissions().qa_team


@dataclass(frozen=True)
class ReflectionView:
    allocation_id: int
    case_ref: str
    person_staff_id: str
    person_name: str
    prompt: str
    answer: str
    updated_at: dt.datetime


def reflectors(view: AllocationView, activity: CaseAudit) -> list[PersonRef]:
    """Who is asked to reflect: the practitioner, and the auditor when the programme says so."""
    people = [view.practitioner]
    return [*people, view.auditor] if activity.reflection.auditor_reflects else people


def reflection_due(calendar: Calendar, activity: CaseAudit, recorded_at: dt.datetime) -> dt.date:
    """When reflections are due: the programme's working days after the audit was recorded."""
    return calendar.add_working_days(
        calendar.local_date(recorded_at), activity.reflection.due_working_days
    )


def _with_name(view: AllocationView, person: PersonRef) -> str:
    """Who the person had the audit with: the auditor, or for the auditor the practitioner."""
    return view.practitioner.name if person.id == view.auditor.id else view.auditor.name


def reflection_form(
    deps: Deps,
    view: AllocationView,
    activity: CaseAudit,
    person: PersonRef,
    due: dt.date,
    *,
    name: str = "reflection_requested",
    answers: dict[str, str] | None = None,
    findings: Findings | None = None,
) -> Message:
    """The prompts as a form, with what the audit found: sent as the request, and opened again
    from a reminder."""
    context = {
        "findings": findings_context(findings) if findings is not None else None,
        "audit": term(activity),
        "name": first_name(person.name),
        "case_ref": view.case_ref,
        "auditor_name": view.auditor.name,
        "with_name": _with_name(view, person),
        "for_auditor": person.id == view.auditor.id,
        "due": due,
    }
    answers = answers or {}
    fields = tuple(
        FormField(p.id, p.text, "textarea", required=True, value=answers.get(p.id, ""))
        for p in activity.reflection.prompts
    )
    submit = deps.wording.label(name, "button_submit", context)
    form = Form(SAVE_REFLECTION, submit, fields, str(view.id))
    kind = name.replace("_", ".", 1)
    meta = audit_meta(kind, view, recipient=person.staff_id, due=due.isoformat())
    return deps.wording.compose(name, context, form=form, meta=meta)


def reflection_reminder(
    deps: Deps, view: AllocationView, person: PersonRef, due: dt.date, today: dt.date
) -> Message:
    """A nudge to share reflections not yet saved, with the form a click away."""
    name = "reflection_reminder"
    context = {
        "audit": term(case_audit(deps.programme, view.activity)),
        "name": first_name(person.name),
        "case_ref": view.case_ref,
        "with_name": _with_name(view, person),
        "due": due,
        "is_past_due": today > due,
    }
    label = deps.wording.label(name, "button_open", context)
    share = Button(label, OPEN_REFLECTION, str(view.id), "primary")
    buttons = (share, *reminder_buttons(deps, name, context, f"reflection:{view.id}", 2))
    meta = audit_meta("reflection.reminder", view, recipient=person.staff_id, due=due.isoformat())
    return deps.wording.compose(name, context, buttons=buttons, meta=meta)


async def request_reflections(
    deps: Deps,
    session: AsyncSession,
    view: AllocationView,
    activity: CaseAudit,
    now: dt.datetime,
    findings: Findings,
) -> int:
    """Ask each reflector for their reflections, with what the audit found, once per allocation
    and person."""
    calendar = deps.calendar
    due = reflection_due(calendar, activity, now)
    sent = 0
    for person in reflectors(view, activity):
        sent += await enqueue(
            deps,
            session,
            key=keys.reflection_requested(view.id, person.staff_id),
            recipient=dm(person.staff_id),
            message=reflection_form(deps, view, activity, person, due, findings=findings),
            not_before=calendar.next_dm_time(now, person.away_until),
            now=now,
        )
    return sent


async def _reflectors_audit(
    deps: Deps, session: AsyncSession, event: Inbound
) -> tuple[AllocationView, CaseAudit, PersonRef]:
    """The audit the event names and the person reflecting on it, if they are one of its people."""
    view = await audits.allocation(session, parse_id(event.value))
    if view is None:
        raise UserError("I can't find that audit any more. Your QA team can help.")
    activity = case_audit(deps.programme, view.activity)
    person = next((p for p in reflectors(view, activity) if p.staff_id == event.staff_id), None)
    if person is None:
        raise UserError("Only the people in this audit can add reflections to it.")
    return view, activity, person


async def open_reflection(deps: Deps, session: AsyncSession, event: Inbound) -> Reply:
    """The reflection form again (from a reminder), with any answers already saved."""
    view, activity, person = await _reflectors_audit(deps, session, event)
    recorded_at = await audit_requests.recorded_at(session, view.id)
    if recorded_at is None:
        raise UserError("Reflections open once the audit is recorded. I'll ask you then.")
    rows = await reflections.saved(session, view.id, person.id)
    _check_editable(rows, activity.reflection.editable_days, deps.clock.now())
    due = reflection_due(deps.calendar, activity, recorded_at)
    answers = {r.prompt: r.answer for r in rows}
    findings = await findings_of(session, view.id)
    message = reflection_form(deps, view, activity, person, due, name="reflection_form",
                              answers=answers, findings=findings)  # fmt: skip
    return Reply(message=message)


async def save_reflection(deps: Deps, session: AsyncSession, event: Inbound) -> Reply:
    """Store one person's answers; re-submitting within the editable window updates them."""
    view, activity, person = await _reflectors_audit(deps, session, event)
    answers = {p.id: event.field(p.id).strip() for p in activity.reflection.prompts}
    now = deps.clock.now()
    recorded_at = await audit_requests.recorded_at(session, view.id) or now
    due = reflection_due(deps.calendar, activity, recorded_at)
    form = reflection_form(deps, view, activity, person, due, name="reflection_form",
                           findings=await findings_of(session, view.id))  # fmt: skip
    check_form(form, dict(event.fields))
    existing = {r.prompt: r for r in await reflections.saved(session, view.id, person.id)}
    _check_editable(existing.values(), activity.reflection.editable_days, now)
    changed = {existing[p].id: text for p, text in answers.items() if p in existing}
    await reflections.change(session, changed, now)
    first = {prompt: answer for prompt, answer in answers.items() if prompt not in existing}
    await reflections.add(session, view.id, person.id, first, now)
    await settle(deps, session, (keys.reflection_requested(view.id, person.staff_id),
                                 event.source_key), "Reflections shared")  # fmt: skip
    await settle_reminders(deps, session, [person.staff_id], {"type": "reflection.reminder",
                           "allocation_id": view.id}, "Reflections shared")  # fmt: skip
    context = {"name": first_name(person.name), "case_ref": view.case_ref}
    meta = {"type": "reflection.saved", "allocation_id": view.id}
    return Reply(message=deps.wording.compose("reflection_saved", context, meta=meta))


def _check_editable(rows: Collection[reflections.Answer], days: int, now: dt.datetime) -> None:
    if rows and now > min(r.created_at for r in rows) + dt.timedelta(days=days):
        raise UserError(
            f"Reflections can be changed for {days} days after they're first saved, and that "
            "time has passed. If something needs correcting, your QA team can help."
        )


def can_read_reflections(
    reader: PersonRef, allocation: AllocationView, qa_roles: Collection[str] = QA_TEAM
) -> bool:
    """The practitioner, the auditor, the practitioner's line manager and the QA team only."""
    if reader.id in (allocation.practitioner.id, allocation.auditor.id):
        return True
    return reader.id == allocation.practitioner.manager_id or reader.role in qa_roles


async def read_reflections(
    deps: Deps, session: AsyncSession, reader_staff_id: str, allocation_id: int
) -> list[ReflectionView]:
    """An audit's reflections for someone allowed to read them; a QA-team read is logged."""
    reader = await audit_people.person_by_staff_id(session, reader_staff_id)
    view = await audits.allocation(session, allocation_id)
    if reader is None or view is None:
        raise UserError("I can't find that audit.")
    qa_roles = deps.programme.permissions.qa_team
    if not can_read_reflections(reader, view, qa_roles):
        raise UserError("Reflections are only shared with the people in the audit and the QA team.")
    if reader.role in qa_roles:
        session.add(
            AuditLogEntry(at=deps.clock.now(), actor=reader.staff_id, action="reflections.read",
                          subject=f"allocation:{view.id}", detail={"role": reader.role})
        )  # fmt: skip
    return (await _reflections(session, [view])).get(view.id, [])


async def reflections_for_supervision(
    deps: Deps, session: AsyncSession, manager_staff_id: str, *, since: dt.date
) -> list[ReflectionView]:
    """Reflections of a line manager's direct reports on audits due since `since`."""
    manager = await audit_people.person_by_staff_id(session, manager_staff_id)
    if manager is None:
        raise UserError("I can't find you in the staff list.")
    views = await audits.allocations(
        session, statuses=("recorded",), since=since, manager_id=manager.id
    )
    found = await _reflections(session, views)
    return [r for v in views for r in found.get(v.id, [])]


async def _reflections(
    session: AsyncSession, views: list[AllocationView]
) -> dict[int, list[ReflectionView]]:
    by_id = {v.id: v for v in views}
    if not by_id:
        return {}
    rows = await reflections.on_audits(session, by_id)
    people = {p.id: p for v in views for p in (v.practitioner, v.auditor)}
    found: dict[int, list[ReflectionView]] = {}
    for r in rows:
        who = people[r.person_id]
        found.setdefault(r.allocation_id, []).append(
            ReflectionView(r.allocation_id, by_id[r.allocation_id].case_ref, who.staff_id,
                           who.name, r.prompt, r.answer, r.updated_at)
        )  # fmt: skip
    return found
