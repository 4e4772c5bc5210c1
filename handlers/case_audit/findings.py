"""What an audit found, taken to the people it is for, and the actions a form raises.

Hammersmith & Fulham §3.2/§3.3: the auditor feeds "the results of the audit, reflections and
any actions required" to the worker and copies them to the line manager; Camden §7: managers
"read and act on recommendations from learning conversations and moderations". The record
(grade, reason, strengths, worries, what the family said, actions) goes with the worker's
request to reflect, to the line manager for supervision, and to the moderator; only ever in
a direct message to the people in the audit (SPEC §7).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.case_audit import keys
from handlers.case_audit.actions import INADEQUATE
from handlers.case_audit.messages import action_activity, audit_meta, term
from handlers.core.delivery import enqueue
from handlers.core.deps import Deps
from handlers.core.parsing import first_name, parse_date
from handlers.core.recipients import dm
from handlers.core.router import Inbound
from handlers.errors import UserError
from handlers.programme.schema import CaseAudit
from message_templates.model import Message
from storage.case_audit import people as audit_people
from storage.case_audit import records as audit_records
from storage.case_audit.audits import AllocationView
from storage.case_audit.people import PersonRef
from storage.case_audit.qa_view import service_of
from storage.case_audit.records import Findings


@dataclass(frozen=True)
class NewAction:
    description: str
    owner: PersonRef
    due_on: dt.date


def one_line(text: str) -> str:
    """A person's text on one line, for a bullet in a message."""
    return " ".join(text.split())


def findings_context(found: Findings) -> dict[str, Any]:
    """The record as the templates' `findings` partial reads it."""
    return {
        "grade": found.grade,
        "grade_reason": one_line(found.grade_reason),
        "strengths": one_line(found.strengths),
        "worries": one_line(found.worries),
        "family_said": one_line(found.family_said),
        "family_not_why": one_line(found.family_not_why),
        "actions": [
            {"description": one_line(d), "owner": owner, "due": due, "open": is_open}
            for d, owner, due, is_open in found.actions
        ],
    }


async def findings_of(session: AsyncSession, allocation_id: int) -> Findings:
    found = (await audit_records.findings(session, [allocation_id])).get(allocation_id)
    if found is None:
        raise UserError("This audit has no record yet.")
    return found


def default_action_due(deps: Deps, today: dt.date) -> dt.date:
    activity = action_activity(deps.programme)
    days = activity.default_due_working_days if activity else 20
    return deps.calendar.add_working_days(today, days)


async def action_from_form(
    session: AsyncSession,
    event: Inbound,
    n: int,
    view: AllocationView,
    today: dt.date,
    errors: dict[str, str],
) -> NewAction | None:
    """Action n of a form (fields action_n, action_n_owner, action_n_due), or None when its
    description is blank or it cannot be read; each problem with its date or owner is added to
    `errors` against its field, so the form can name every one at once."""
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


async def store_actions(
    deps: Deps, session: AsyncSession, record_id: int, grade: str, actions: list[NewAction]
) -> None:
    """Store a form's actions against the audit record, flagged when the programme tracks the
    grade that counts."""
    tracked = action_activity(deps.programme)
    flagged = tracked is not None and grade in tracked.track_grades
    now = deps.clock.now()
    await audit_records.add_actions(session, [
        {"source": "audit", "source_id": record_id, "description": a.description,
         "owner_id": a.owner.id, "due_on": a.due_on, "status": "open", "flagged": flagged,
         "created_at": now}
        for a in actions
    ])  # fmt: skip


async def line_manager(session: AsyncSession, view: AllocationView) -> PersonRef | None:
    """The worker's active line manager, unless they are the audit's auditor."""
    manager_id = view.practitioner.manager_id
    if manager_id is None or manager_id == view.auditor.id:
        return None
    manager = (await audit_people.people_by_id(session, [manager_id])).get(manager_id)
    return manager if manager is not None and manager.active else None


async def tell_line_manager(
    deps: Deps,
    session: AsyncSession,
    view: AllocationView,
    activity: CaseAudit,
    found: Findings,
    moderated: bool,
) -> None:
    """The worker's line manager gets the record for supervision, in a DM. An Inadequate grade
    is told as such (with what happens next), and the QA team's channel hears only that an
    audit in a service was graded Inadequate, with no case reference and no names."""
    if found.grade == INADEQUATE:
        await tell_of_inadequate(deps, session, view, activity, found, moderated=moderated)
        return
    manager = await line_manager(session, view)
    if manager is None:
        return
    now = deps.clock.now()
    context = {
        "name": first_name(manager.name),
        "activity_name": activity.title,
        "audit": term(activity),
        "case_ref": view.case_ref,
        "practitioner_name": view.practitioner.name,
        "auditor_name": view.auditor.name,
        "findings": findings_context(found),
        "moderated": moderated,
        "case_url": deps.case_url(view.case_ref),
    }
    meta = audit_meta("audit.findings", view, manager=manager.staff_id)
    await enqueue(
        deps,
        session,
        key=keys.findings_to_manager(view.id),
        recipient=dm(manager.staff_id),
        message=deps.wording.compose("audit_findings", context, meta=meta),
        not_before=deps.calendar.next_dm_time(now, manager.away_until),
        now=now,
    )


async def tell_of_inadequate(
    deps: Deps,
    session: AsyncSession,
    view: AllocationView,
    activity: CaseAudit,
    found: Findings,
    *,
    moderated: bool = False,
    moderator_name: str = "",
) -> None:
    """Inadequate, as recorded or as moderated (`moderator_name`): the worker's line manager
    hears in a DM (the case, the auditor, the findings, what
    happens next); the QA team's channel hears only that an audit in a service was graded
    Inadequate, with no case reference and no names (SPEC §7)."""
    now = deps.clock.now()
    service = await service_of(session, view.practitioner.id)
    manager = await line_manager(session, view)
    if manager is not None:
        await enqueue(
            deps,
            session,
            key=keys.inadequate_to_manager(view.id),
            recipient=dm(manager.staff_id),
            message=_inadequate_to_manager(
                deps, view, activity, manager, found, moderated, moderator_name
            ),
            not_before=deps.calendar.next_dm_time(now, manager.away_until),
            now=now,
        )
    context = {
        "service": service,
        "activity_name": activity.title,
        "recorded_on": deps.calendar.local_date(now),
        "manager_told": manager is not None,
        "audit": term(activity),
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


def _inadequate_to_manager(
    deps: Deps,
    view: AllocationView,
    activity: CaseAudit,
    manager: PersonRef,
    found: Findings,
    moderated: bool,
    moderator_name: str,
) -> Message:
    findings = findings_context(found)
    context = {
        "name": first_name(manager.name),
        "activity_name": activity.title,
        "case_ref": view.case_ref,
        "practitioner_name": view.practitioner.name,
        "auditor_name": view.auditor.name,
        "recorded_on": deps.calendar.local_date(deps.clock.now()),
        "actions": findings["actions"],
        "findings": findings,
        "moderated": moderated,
        "moderator_name": moderator_name,
        "case_url": deps.case_url(view.case_ref),
        "audit": term(activity),
    }
    meta = {"type": "audit.inadequate", "allocation_id": view.id}
    return deps.wording.compose("audit_inadequate", context, meta=meta)
