"""Observation messages, built from plain rows: wording from templates, structure here.

Every message carries `meta` (type, who observes whom, the due date) so a simulation can print
it as SPEC §6 describes; nothing about a family or a case is in any of them.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from handlers.core.deps import Deps
from handlers.core.parsing import first_name
from handlers.observations.cadence import add_months, working_days_over
from handlers.observations.ids import OPEN_RECORD, OPEN_REFLECTION, RECORD, REFLECT
from handlers.observations.tracking import Tracked
from handlers.reminders.ids import SNOOZE, WHY
from message_templates.model import Button, Choice, Form, FormField, Message
from storage.observations.records import NewObservation, Stored
from storage.observations.staff import Staff

WHY_TYPE = "observation.reminder"
WHY_ESCALATED = "observation.escalated"
SNOOZE_WORKING_DAYS = 5
SETTINGS = ("home_visit", "cp_conference", "la_review", "network_meeting", "court", "supervision",
            "other")  # fmt: skip
CONSENT = ("yes", "no", "na")
TEXT_LENGTH = 1000
ACTIONS_MAX = 5


def _asye_total(tracked: Tracked) -> int | None:
    months = tracked.group.at_months
    return len(months) if tracked.asye_number is not None and months else None


def meta(kind: str, tracked: Tracked, **extra: Any) -> dict[str, Any]:
    return {
        "type": kind,
        "activity": tracked.activity.id,
        "group": tracked.group.name,
        "observer": tracked.observer.staff_id,
        "practitioner": tracked.worker.staff_id,
        "due": tracked.due.isoformat(),
        "observed_id": tracked.worker.id,
        "value": tracked.value,
        **extra,
    }


def reminder(deps: Deps, tracked: Tracked, recipient: Staff, today: dt.date) -> Message:
    """To whoever observes: an observation coming up, or past its date and not recorded."""
    overdue = today > tracked.due
    name = "observation_overdue" if overdue else "observation_due"
    context = {
        "name": first_name(recipient.name),
        "practitioner_name": tracked.worker.name,
        "due": tracked.due,
        "is_asye": tracked.group.asye,
        "asye_number": tracked.asye_number,
        "asye_total": _asye_total(tracked),
        "family_consent": tracked.activity.family_consent,
        "working_days": working_days_over(deps.calendar, tracked.due, today),
        "per_observer": tracked.per_observer,
        "every_months": tracked.group.every_months,
    }
    label = functools.partial(deps.wording.label, name, context=context)
    buttons = (
        Button(label("button_record"), OPEN_RECORD, tracked.value, "primary"),
        Button(label("button_snooze"), SNOOZE, f"{tracked.item}:{SNOOZE_WORKING_DAYS}"),
        Button(label("button_why"), WHY, WHY_TYPE),
    )
    kind = "observation.overdue" if overdue else "observation.due"
    extra = {"to": recipient.staff_id} if recipient.id != tracked.observer.id else {}
    return deps.wording.compose(name, context, buttons=buttons, meta=meta(kind, tracked, **extra))


def escalated(
    deps: Deps, tracked: Tracked, manager: Staff, today: dt.date, snooze_reason: str | None = None
) -> Message:
    """To the observer's own manager, privately and once: support, not blame. The reason the
    observer gave when they snoozed it, if they did, comes too."""
    context = {
        "name": first_name(manager.name),
        "manager_name": tracked.observer.name,
        "practitioner_name": tracked.worker.name,
        "due": tracked.due,
        "working_days": working_days_over(deps.calendar, tracked.due, today),
        "per_observer": tracked.per_observer,
        "every_months": tracked.group.every_months,
        "snooze_reason": snooze_reason,
    }
    message_meta = meta("observation.escalated", tracked, manager=manager.staff_id)
    why = Button(deps.wording.label("observation_escalated", "button_why", context), WHY,
                 WHY_ESCALATED)  # fmt: skip
    return deps.wording.compose("observation_escalated", context, buttons=(why,),
                                meta=message_meta)  # fmt: skip


def form(deps: Deps, tracked: Tracked, observer: Staff, today: dt.date) -> Message:
    """The observer's form: whom (for their own cadence), date, setting, family consent, the
    strengths seen, areas to develop and any actions for the worker."""
    name = "observation_form"
    context = {
        "name": first_name(observer.name),
        "practitioner_name": tracked.worker.name,
        "family_consent": tracked.activity.family_consent,
        "per_observer": tracked.per_observer,
    }
    label = functools.partial(deps.wording.label, name, context=context)
    settings = tuple(Choice(label(f"choice_{s}"), s) for s in SETTINGS)
    consent = tuple(Choice(label(f"choice_{c}"), c) for c in CONSENT)
    whom: tuple[FormField, ...] = ()
    if tracked.per_observer:
        people = tuple(Choice(p.name, p.staff_id) for p in tracked.choices)
        whom = (FormField("observed", label("field_observed"), "select", True, people,
                          value=tracked.worker.staff_id, hint=label("hint_observed")),)  # fmt: skip
    fields = (
        *whom,
        FormField("observed_on", label("field_observed_on"), "date", True,
                  value=today.isoformat()),
        FormField("setting", label("field_setting"), "select", True, settings),
        FormField("consent", label("field_consent"), "select",
                  tracked.activity.family_consent, consent, hint=label("hint_consent")),
        FormField("strengths", label("field_strengths"), "textarea", True,
                  hint=label("hint_strengths"), max_length=TEXT_LENGTH),
        FormField("areas", label("field_areas"), "textarea", hint=label("hint_areas"),
                  max_length=TEXT_LENGTH),
        FormField("actions", label("field_actions"), "textarea", hint=label("hint_actions"),
                  max_length=TEXT_LENGTH),
        FormField("actions_due", label("field_actions_due"), "date",
                  value=add_months(today, 1).isoformat()),
    )  # fmt: skip
    submit = Form(RECORD, label("button_submit"), fields, tracked.value, label("button_open"))
    return deps.wording.compose(name, context, form=submit,
                                meta=meta("observation.form", tracked))  # fmt: skip


def saved(deps: Deps, tracked: Tracked, observer: Staff, observed_on: dt.date,
          next_due: dt.date | None) -> Message:  # fmt: skip
    context = {
        "name": first_name(observer.name),
        "practitioner_name": tracked.worker.name,
        "observed_on": observed_on,
        "next_due": next_due,
    }
    message_meta = meta("observation.saved", tracked, observed_on=observed_on.isoformat())
    return deps.wording.compose("observation_saved", context, meta=message_meta)


def recorded(
    deps: Deps,
    tracked: Tracked,
    observer: Staff,
    observation_id: int,
    new: NewObservation,
    actions: list[str],
    actions_due: dt.date,
) -> Message:
    """To the observed worker: who observed them, when and in what setting, the strengths, the
    areas to develop and their actions (no family details), and a button for their reflection."""
    name = "observation_recorded"
    context = {
        "name": first_name(tracked.worker.name),
        "observer_name": observer.name,
        "observed_on": new.observed_on,
        "setting": deps.wording.label("observation_form", f"choice_{new.setting}", {}),
        "strengths": new.strengths,
        "areas": new.areas,
        "actions": actions,
        "actions_due": actions_due,
        "asye_number": tracked.asye_number,
        "asye_total": _asye_total(tracked),
    }
    reflect = Button(deps.wording.label(name, "button_reflect", context), OPEN_REFLECTION,
                     str(observation_id), "primary")  # fmt: skip
    message_meta = meta("observation.recorded", tracked, observer=observer.staff_id,
                        observed_on=new.observed_on.isoformat(),
                        observation_id=observation_id)  # fmt: skip
    return deps.wording.compose(name, context, buttons=(reflect,), meta=message_meta)


def reflection_form(deps: Deps, observation: Stored, worker: Staff) -> Message:
    """The observed worker's own reflection on an observation of their practice."""
    name = "observation_reflection_form"
    context = {"name": first_name(worker.name), "observed_on": observation.observed_on,
               "reflection": observation.reflection or ""}  # fmt: skip
    label = functools.partial(deps.wording.label, name, context=context)
    field = FormField("reflection", label("field_reflection"), "textarea", True,
                      value=observation.reflection or "", hint=label("hint_reflection"),
                      max_length=TEXT_LENGTH)  # fmt: skip
    submit = Form(REFLECT, label("button_submit"), (field,), str(observation.id),
                  label("button_open"))  # fmt: skip
    meta = {"type": "observation.reflection_form", "observation_id": observation.id}
    return deps.wording.compose(name, context, form=submit, meta=meta)


def reflection_saved(deps: Deps, observation: Stored, worker: Staff) -> Message:
    context = {"name": first_name(worker.name), "observed_on": observation.observed_on}
    meta = {"type": "observation.reflected", "observation_id": observation.id}
    return deps.wording.compose("observation_reflection_saved", context, meta=meta)
