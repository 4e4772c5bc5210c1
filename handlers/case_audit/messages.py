"""The audit cycle's direct messages, built from plain rows: wording from templates, structure here.

Case references appear only in messages to the people involved in that audit; every message
carries `meta` (type, staff ids, due date) so a simulation can print it as SPEC §6 describes.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter
from typing import Any

from handlers.case_audit.ids import (
    CHECKLIST_TICK,
    OPEN_AGREED,
    OPEN_NOT_APPLICABLE,
    OPEN_RECORD,
    RECORD,
)
from handlers.case_audit.meeting import clock_words, meeting_ahead
from handlers.core.deps import Deps
from handlers.core.parsing import first_name
from handlers.errors import UserError
from handlers.programme.audit import ChecklistItem
from handlers.programme.schema import ActionActivity, CaseAudit, Programme
from handlers.reminders.ids import SNOOZE, WHY
from message_templates.model import Button, ChecklistEntry, Choice, Fact, Form, FormField, Message
from message_templates.wording import format_day
from storage.case_audit.audits import AllocationView
from storage.case_audit.people import PersonRef

ACTIONS_ON_FORM = 3


def case_audit(programme: Programme, activity_id: str) -> CaseAudit:
    """The case-audit activity with this id; a clear problem if the programme has none."""
    for activity in programme.of_kind(CaseAudit):
        if activity.id == activity_id:
            return activity  # type: ignore[no-any-return]
    raise UserError(f"the programme has no case audit called {activity_id!r}")


def action_activity(programme: Programme) -> ActionActivity | None:
    found = programme.of_kind(ActionActivity)
    return found[0] if found else None


def term(activity: CaseAudit) -> str:
    """What the programme calls one of these audits in messages ("audit", Camden's "learning
    conversation")."""
    return activity.called


def applicable(activity: CaseAudit, case_type: str) -> list[ChecklistItem]:
    """The checklist items for this case type: an item for other case types is not shown."""
    return [item for item in activity.checklist if item.applies_to(case_type)]


def checklist_minutes(activity: CaseAudit, case_type: str) -> int:
    """The one estimate of how long the checklist takes, used in every message that gives one."""
    return max(5, 2 * len(applicable(activity, case_type)))


def audit_meta(kind: str, view: AllocationView, **extra: Any) -> dict[str, Any]:
    return {
        "type": kind,
        "activity": view.activity,
        "auditor": view.auditor.staff_id,
        "practitioner": view.practitioner.staff_id,
        "case_ref": view.case_ref,
        "due": view.due_on.isoformat(),
        "allocation_id": view.id,
        **extra,
    }


def checklist(activity: CaseAudit, view: AllocationView) -> tuple[ChecklistEntry, ...]:
    """The items for this case, as ticked; those marked not applicable say so."""
    return tuple(
        ChecklistEntry(item.id, _entry_text(item, item.id in view.not_applicable),
                       item.id in view.ticked)
        for item in applicable(activity, view.case_type)
    )  # fmt: skip


def _entry_text(item: ChecklistItem, not_applicable: bool) -> str:
    text = f"{item.text} ({item.when})" if item.when else item.text
    return f"{text} (not applicable)" if not_applicable else text


def _checklist_structure(
    deps: Deps, view: AllocationView, activity: CaseAudit, name: str, *, agree: bool = False
) -> dict[str, Any]:
    """The checklist to tick, with "an item doesn't apply" while any is open and, on the
    worker's checklist message (`agree`), the button to set or change when they meet."""
    structure: dict[str, Any] = {
        "checklist": checklist(activity, view),
        "checklist_action": CHECKLIST_TICK,
        "checklist_value": str(view.id),
    }
    buttons: list[Button] = []
    if open_items(view, activity):
        label = deps.wording.label(name, "button_not_applicable", {})
        buttons.append(Button(label, OPEN_NOT_APPLICABLE, str(view.id)))
    if agree:
        label = deps.wording.label(name, "button_agree", {"meeting_on": view.agreed_on})
        buttons.append(Button(label, OPEN_AGREED, str(view.id)))
    if buttons:
        structure["buttons"] = tuple(buttons)
    return structure


def open_items(view: AllocationView, activity: CaseAudit) -> list[ChecklistItem]:
    """The items for this case neither ticked nor marked not applicable."""
    return [i for i in applicable(activity, view.case_type) if i.id not in view.ticked]


def _audit_context(
    deps: Deps, view: AllocationView, activity: CaseAudit, recipient: str
) -> dict[str, Any]:
    """What every message about one allocated audit says: the case, the worker, the date."""
    return {
        "name": first_name(recipient),
        "activity_name": activity.title,
        "audit": term(activity),
        "case_ref": view.case_ref,
        "practitioner_name": view.practitioner.name,
        "due": view.due_on,
        "case_url": deps.case_url(view.case_ref),
        "theme": view.theme or "",
        **meeting_context(view),
    }


def meeting_context(view: AllocationView) -> dict[str, Any]:
    """When the auditor and the worker meet, as the messages to the two of them say it."""
    return {"meeting_on": view.agreed_on, "meeting_at": clock_words(view.agreed_time)}


def allocated(deps: Deps, view: AllocationView, activity: CaseAudit) -> Message:
    """To the auditor: the case, the worker, the due date (and when they meet, once it is set),
    what to look at, and buttons to record the audit and to set when they meet."""
    name = "audit_allocated"
    context = {
        **_audit_context(deps, view, activity, view.auditor.name),
        "case_type": view.case_type,
        "focus_months": activity.focus_months,
        "with_family": activity.with_family,
    }
    label = functools.partial(deps.wording.label, name, context=context)
    facts: tuple[Fact, ...] = (
        Fact(label("fact_case"), view.case_ref),
        Fact(label("fact_type"), view.case_type),
        Fact(label("fact_practitioner"), view.practitioner.name),
        Fact(label("fact_due"), format_day(view.due_on, deps.today())),
    )
    if view.agreed_on is not None:
        when = f"{format_day(view.agreed_on, deps.today())} at {clock_words(view.agreed_time)}"
        facts += (Fact(label("fact_meeting"), when),)
    record = Button(label("button_record"), OPEN_RECORD, str(view.id), "primary")
    agree = Button(label("button_agree"), OPEN_AGREED, str(view.id))
    meta = audit_meta("audit.allocated", view)
    return deps.wording.compose(name, context, facts=facts, buttons=(record, agree), meta=meta)


def joined(deps: Deps, view: AllocationView, activity: CaseAudit, joiner: str) -> Message:
    """To someone joining one audit (Shropshire's principal social worker): whose, and when."""
    name = "audit_joined"
    context = {
        **_audit_context(deps, view, activity, joiner),
        "auditor_name": view.auditor.name,
    }
    label = functools.partial(deps.wording.label, name, context=context)
    facts = (
        Fact(label("fact_case"), view.case_ref),
        Fact(label("fact_auditor"), view.auditor.name),
        Fact(label("fact_due"), format_day(view.due_on, deps.today())),
    )
    return deps.wording.compose(name, context, facts=facts, meta=audit_meta("audit.joined", view))


def led(
    deps: Deps,
    lead: PersonRef,
    service: str,
    views: list[AllocationView],
    activity: CaseAudit,
    period: str,
) -> Message:
    """To a service's lead auditor: who audits how many this round (no case references)."""
    counts = Counter(view.auditor.name for view in views)
    context = {
        "name": first_name(lead.name),
        "activity_name": activity.title,
        "service": service,
        "period": period,
        "due": max(view.due_on for view in views),
        "auditors": [{"name": n, "count": c} for n, c in sorted(counts.items())],
    }
    meta = {"type": "audit.lead", "activity": activity.id, "period": period}
    return deps.wording.compose("audit_lead", context, meta=meta)


def notified(deps: Deps, view: AllocationView, activity: CaseAudit) -> Message:
    """To the practitioner: who audits their case, by when, and the checklist to tick."""
    context = {
        **_audit_context(deps, view, activity, view.practitioner.name),
        "auditor_name": view.auditor.name,
        "checklist_minutes": checklist_minutes(activity, view.case_type),
    }
    structure = _checklist_structure(deps, view, activity, "audit_notified", agree=True)
    meta = audit_meta("audit.notified", view)
    return deps.wording.compose("audit_notified", context, meta=meta, **structure)


def checklist_updated(deps: Deps, view: AllocationView, activity: CaseAudit) -> Message:
    """Replaces the checklist message after a tick, showing progress."""
    items = applicable(activity, view.case_type)
    context = {
        "name": first_name(view.practitioner.name),
        "case_ref": view.case_ref,
        "auditor_name": view.auditor.name,
        "done_count": len(items) - len(open_items(view, activity)),
        "total": len(items),
        **meeting_context(view),
    }
    structure = _checklist_structure(deps, view, activity, "checklist_updated", agree=True)
    meta = audit_meta("audit.notified", view)
    return deps.wording.compose("checklist_updated", context, meta=meta, **structure)


def done_count(view: AllocationView, activity: CaseAudit) -> int:
    """How many of the programme's items are settled for this case: ticked, marked not
    applicable, or not for its case type; the checklist is open while this is less than
    `len(activity.checklist)`."""
    return len(activity.checklist) - len(open_items(view, activity))


def record_form(
    deps: Deps,
    view: AllocationView,
    activity: CaseAudit,
    default_due: dt.date,
    people: tuple[Choice, ...] = (),
) -> Message:
    """The auditor's form: grade, reason, strengths, worries, what the family said (where the
    auditor talks with them) and up to three actions."""
    name = "audit_record_form"
    context = form_context(view, activity)
    label = functools.partial(deps.wording.label, name, context=context)
    grades = tuple(Choice(g, g) for g in deps.programme.grades)
    fields = [
        FormField("grade", label("field_grade"), "select", True, grades),
        FormField("grade_reason", label("field_grade_reason"), "textarea", True),
        FormField("strengths", label("field_strengths"), "textarea"),
        FormField("worries", label("field_worries"), "textarea"),
    ]
    if activity.with_family:
        fields += [
            FormField("family_said", label("field_family_said"), "textarea",
                      hint=label("hint_family_said")),
            FormField("family_not_why", label("field_family_not_why"), "textarea"),
        ]  # fmt: skip
    fields += action_fields(deps, name, context, view, default_due, ACTIONS_ON_FORM, people)
    items = applicable(activity, view.case_type)
    progress = f"{len(items) - len(open_items(view, activity))} / {len(items)}"
    form = Form(RECORD, label("button_submit"), tuple(fields), str(view.id))
    facts = (Fact(label("fact_checklist"), progress),)
    meta = audit_meta("audit.record_form", view)
    return deps.wording.compose(name, context, form=form, facts=facts, meta=meta)


def form_context(view: AllocationView, activity: CaseAudit) -> dict[str, Any]:
    """What the record form's wording reads (its labels too, when a problem names one)."""
    return {
        "name": first_name(view.auditor.name),
        "case_ref": view.case_ref,
        "practitioner_name": view.practitioner.name,
        "activity_name": activity.title,
        "audit": term(activity),
        "focus_months": activity.focus_months,
    }


def action_fields(
    deps: Deps,
    name: str,
    context: dict[str, Any],
    view: AllocationView,
    default_due: dt.date,
    count: int,
    people: tuple[Choice, ...] = (),
) -> list[FormField]:
    """`count` actions on a form (name's blocks label them): what, who (the worker unless
    changed, picked from `people`) and by when."""
    label = functools.partial(deps.wording.label, name, context=context)
    fields: list[FormField] = []
    for n in range(1, count + 1):
        fields += [
            FormField(f"action_{n}", f"{n}. {label('field_action')}", max_length=500),
            FormField(f"action_{n}_owner", label("field_action_owner"), "person",
                      choices=people, value=view.practitioner.staff_id,
                      hint=label("hint_action_owner")),
            FormField(f"action_{n}_due", label("field_action_due"), "date",
                      value=default_due.isoformat()),
        ]  # fmt: skip
    return fields


def reminder_buttons(
    deps: Deps, name: str, context: dict[str, Any], item: str, days: int
) -> tuple[Button, Button]:
    """Snooze this reminder for `days` working days, or ask why it came: one click each."""
    snooze = Button(deps.wording.label(name, "button_snooze", context), SNOOZE, f"{item}:{days}")
    kind = name.replace("_", ".")
    return snooze, Button(deps.wording.label(name, "button_why", context), WHY, kind)


def checklist_reminder(deps: Deps, view: AllocationView, activity: CaseAudit) -> Message:
    name = "checklist_reminder"
    items = applicable(activity, view.case_type)
    context = {
        "name": first_name(view.practitioner.name),
        "case_ref": view.case_ref,
        "auditor_name": view.auditor.name,
        "audit": term(activity),
        "due": view.due_on,
        "meeting_on": view.agreed_on,
        "meeting_at": clock_words(view.agreed_time),
        "done_count": len(items) - len(open_items(view, activity)),
        "total": len(items),
        "checklist_minutes": checklist_minutes(activity, view.case_type),
    }
    buttons = reminder_buttons(deps, name, context, f"checklist:{view.id}", 1)
    meta = audit_meta("checklist.reminder", view)
    structure = _checklist_structure(deps, view, activity, name)
    buttons = (*structure.pop("buttons", ()), *buttons)
    return deps.wording.compose(name, context, buttons=buttons, meta=meta, **structure)


def audit_reminder(deps: Deps, view: AllocationView, today: dt.date) -> Message:
    name = "audit_reminder"
    activity = case_audit(deps.programme, view.activity)
    context = {
        "audit": term(activity),
        "name": first_name(view.auditor.name),
        "case_ref": view.case_ref,
        "practitioner_name": view.practitioner.name,
        "due": view.due_on,
        "is_past_due": today > view.due_on,
        "meeting_on": view.agreed_on if meeting_ahead(view, today) else None,
        "meeting_at": clock_words(view.agreed_time),
    }
    record = Button(deps.wording.label(name, "button_record", context), OPEN_RECORD, str(view.id))
    buttons = (record, *reminder_buttons(deps, name, context, f"audit:{view.id}", 2))
    meta = audit_meta("audit.reminder", view)
    return deps.wording.compose(name, context, buttons=buttons, meta=meta)
