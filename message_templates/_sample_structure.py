"""Structure for the sample messages: the facts, checklists, buttons and forms a handler adds.

Action ids here are illustrative; the real ones are constants owned by each handler module.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from message_templates.model import (
    Button,
    ChecklistEntry,
    Choice,
    Fact,
    Form,
    FormField,
    Link,
)
from message_templates.wording import Wording

Context = Mapping[str, Any]
Builder = Callable[[Wording, str, Context], dict[str, Any]]
GRADES = ("Outstanding", "Good", "Requires improvement to be good", "Inadequate")
CHECKLIST = (
    ChecklistEntry("chronology", "The chronology is up to date", done=True),
    ChecklistEntry("voice", "The child's wishes and feelings are recorded in their words", True),
    ChecklistEntry("plan", "The plan says what needs to happen, by whom and when"),
    ChecklistEntry("supervision", "Recent supervision is recorded on the file"),
)


def _button(w: Wording, name: str, block: str, ctx: Context, action: str, **kw: Any) -> Button:
    return Button(w.label(name, block, ctx), action, **kw)


def _labeller(w: Wording, name: str, ctx: Context) -> Callable[[str], str]:
    def label(block: str) -> str:
        return w.label(name, block, ctx)

    return label


def _audit_allocated(w: Wording, name: str, ctx: Context) -> dict[str, Any]:
    facts = (
        Fact(w.label(name, "fact_case", ctx), ctx["case_ref"]),
        Fact(w.label(name, "fact_type", ctx), ctx["case_type"]),
        Fact(w.label(name, "fact_practitioner", ctx), ctx["practitioner_name"]),
        Fact(w.label(name, "fact_due", ctx), "Friday 15 January"),
    )
    buttons = (
        _button(w, name, "button_record", ctx, "audit.open_record", value="812", style="primary"),
        _button(w, name, "button_agree", ctx, "audit.open_agreed", value="812"),
        _button(w, name, "button_snooze", ctx, "reminder.snooze", value="812:1"),
    )
    return {"facts": facts, "buttons": buttons, "meta": {"allocation_id": 812}}


def _checklist(w: Wording, name: str, ctx: Context) -> dict[str, Any]:
    structure: dict[str, Any] = {
        "checklist": CHECKLIST,
        "checklist_action": "checklist.tick",
        "checklist_value": "812",
    }
    if name == "audit_notified":
        structure["links"] = (Link("The Child Journey guidance", "https://qa.council.example/cj"),)
    na = _button(
        w, name, "button_not_applicable", ctx, "checklist.open_not_applicable", value="812"
    )
    if name != "checklist_reminder":
        agree = _button(w, name, "button_agree", ctx, "audit.open_agreed", value="812")
        structure["buttons"] = (na, agree)
    else:
        structure["buttons"] = (
            na,
            _button(w, name, "button_snooze", ctx, "reminder.snooze", value="812:1"),
            _button(w, name, "button_why", ctx, "reminder.why", value="checklist.reminder"),
        )
    return structure


def _reminder(record: str, value: str, why: str) -> Builder:
    def build(w: Wording, name: str, ctx: Context) -> dict[str, Any]:
        return {
            "buttons": (
                _button(
                    w, name, f"button_{record}", ctx, f"{why}.act", value=value, style="primary"
                ),
                _button(w, name, "button_snooze", ctx, "reminder.snooze", value=value),
                _button(w, name, "button_why", ctx, "reminder.why", value=why),
            )
        }

    return build


def _audit_form(w: Wording, name: str, ctx: Context) -> dict[str, Any]:
    label = _labeller(w, name, ctx)
    fields = (
        FormField(
            "grade", label("field_grade"), "select", True, tuple(Choice(g, g) for g in GRADES)
        ),
        FormField("grade_reason", label("field_grade_reason"), "textarea", True),
        FormField("strengths", label("field_strengths"), "textarea", True),
        FormField("worries", label("field_worries"), "textarea", True),
        FormField("family_said", label("field_family_said"), "textarea",
                  hint=label("hint_family_said")),
        FormField("family_not_why", label("field_family_not_why"), "textarea"),
        FormField("actions", label("field_actions"), "textarea", hint=label("hint_actions")),
        FormField("actions_due", label("field_actions_due"), "date", value="2027-02-12"),
    )  # fmt: skip
    form = Form("audit.record", label("button_submit"), fields, "812", label("button_open"))
    return {"form": form}


def _agreed_form(w: Wording, name: str, ctx: Context) -> dict[str, Any]:
    label = _labeller(w, name, ctx)
    times = tuple(Choice(t, t) for t in ("09:00", "09:30", "10:00", "10:30", "11:00"))
    fields = (
        FormField("day", label("field_day"), "date", True, hint=label("hint_day")),
        FormField("time", label("field_time"), "select", True, times),
    )
    form = Form("audit.set_agreed", label("button_submit"), fields, "812", label("button_open"))
    return {"form": form}


def _reflection_form(w: Wording, name: str, ctx: Context) -> dict[str, Any]:
    prompts = (
        ("learned", "What did you learn from this audit about your work with the child?"),
        ("will_do", "What will you do next, or differently, because of it?"),
        ("difference", "What difference has our work made for the child?"),
    )
    fields = tuple(FormField(pid, text, "textarea", required=True) for pid, text in prompts)
    label = _labeller(w, name, ctx)
    form = Form("reflection.save", label("button_submit"), fields, "812", label("button_open"))
    return {"form": form}


def _not_applicable_form(w: Wording, name: str, ctx: Context) -> dict[str, Any]:
    label = _labeller(w, name, ctx)
    items = tuple(Choice(e.text, e.id) for e in CHECKLIST if not e.done)
    fields = (
        FormField("item", label("field_item"), "select", True, items),
        FormField("reason", label("field_reason"), "textarea", True, hint=label("hint_reason"),
                  max_length=300),
    )  # fmt: skip
    return {"form": Form("checklist.not_applicable", label("button_submit"), fields, "812")}


def _moderation_form(w: Wording, name: str, ctx: Context) -> dict[str, Any]:
    label = _labeller(w, name, ctx)
    agree = (Choice(label("choice_agree"), "yes"), Choice(label("choice_disagree"), "no"))
    fields = (
        FormField("agree", label("field_agree"), "select", True, agree),
        FormField(
            "grade", label("field_grade"), "select", choices=tuple(Choice(g, g) for g in GRADES)
        ),
        FormField("comments", label("field_comments"), "textarea", max_length=2000),
        FormField("action_1", f"1. {label('field_action')}", max_length=500),
        FormField("action_1_owner", label("field_action_owner"), value="Tom Okafor",
                  hint=label("hint_action_owner")),
        FormField("action_1_due", label("field_action_due"), "date", value="2027-02-12"),
    )  # fmt: skip
    form = Form("moderation.record", label("button_submit"), fields, "77", label("button_open"))
    return {"form": form}


def _observation_form(w: Wording, name: str, ctx: Context) -> dict[str, Any]:
    label = _labeller(w, name, ctx)
    places = ("home_visit", "cp_conference", "la_review", "network_meeting", "court",
              "supervision", "other")  # fmt: skip
    settings = tuple(Choice(label(f"choice_{key}"), key) for key in places)
    consent = tuple(Choice(label(f"choice_{key}"), key) for key in ("yes", "no", "na"))
    fields = (
        FormField("observed_on", label("field_observed_on"), "date", True, value="2027-02-24"),
        FormField("setting", label("field_setting"), "select", True, settings),
        FormField("consent", label("field_consent"), "select", True, consent,
                  hint=label("hint_consent")),
        FormField("strengths", label("field_strengths"), "textarea", True,
                  hint=label("hint_strengths"), max_length=1000),
        FormField("areas", label("field_areas"), "textarea", hint=label("hint_areas"),
                  max_length=1000),
        FormField("actions", label("field_actions"), "textarea", hint=label("hint_actions"),
                  max_length=1000),
        FormField("actions_due", label("field_actions_due"), "date", value="2027-03-24"),
    )  # fmt: skip
    value = "staff_observation:experienced:31"
    form = Form("observation.record", label("button_submit"), fields, value, label("button_open"))
    return {"form": form}


def _reassign_form(w: Wording, name: str, ctx: Context) -> dict[str, Any]:
    label = _labeller(w, name, ctx)
    people = (Choice("Dana Hughes — Team manager, Assessment 1", "S0103"),
              Choice("Sam Moss — Senior practitioner, Assessment 1", "S0104"))  # fmt: skip
    field = FormField("person", label("field_person"), "person", True, people,
                      hint=label("hint_person"), max_length=200)  # fmt: skip
    form = Form("escalation.reassign_save", label("button_submit"), (field,), "audit:812",
                label("button_open"))  # fmt: skip
    return {"form": form}


def _one_button(block: str, action: str, value: str = "", style: str = "default") -> Builder:
    def build(w: Wording, name: str, ctx: Context) -> dict[str, Any]:
        return {"buttons": (_button(w, name, block, ctx, action, value=value, style=style),)}

    return build


def _moderation_requested(w: Wording, name: str, ctx: Context) -> dict[str, Any]:
    return {
        "facts": (Fact("Case", ctx["case_ref"]), Fact("Auditor's grade", ctx["grade"])),
        **_one_button("button_open", "moderation.open", "77", "primary")(w, name, ctx),
    }


def _escalated(item: str, kind: str) -> Builder:
    """A manager's buttons on an escalation, as handlers/case_audit/escalations.py adds them."""

    def build(w: Wording, name: str, ctx: Context) -> dict[str, Any]:
        return {
            "buttons": (
                _button(w, name, "button_ask", ctx, "escalation.ask", value=item, style="primary"),
                _button(w, name, "button_extend", ctx, "escalation.extend", value=item),
                _button(w, name, "button_reassign", ctx, "escalation.reassign", value=item),
                _button(w, name, "button_take", ctx, "escalation.take", value=item),
                _button(w, name, "button_why", ctx, "reminder.why", value=kind),
            )
        }

    return build


def _my_qa(w: Wording, name: str, ctx: Context) -> dict[str, Any]:
    """A button for each form waiting on the person, as the handler adds them."""
    waiting = {"reflection": ("button_reflect", "reflection.open", "812"),
               "moderation": ("button_moderate", "moderation.open", "77")}  # fmt: skip
    buttons = tuple(
        _button(w, name, waiting[item["kind"]][0], {"case_ref": item["case_ref"]},
                waiting[item["kind"]][1], value=waiting[item["kind"]][2])
        for item in ctx["items"] if item["kind"] in waiting
    )  # fmt: skip
    return {"buttons": buttons}


def _practice_week_ask(action: str, asked: str) -> Builder:
    def build(w: Wording, name: str, ctx: Context) -> dict[str, Any]:
        why = f"practice_week.{asked}_requested"
        return {
            "buttons": (
                _button(w, name, "button_open", ctx, action, value="64", style="primary"),
                _button(w, name, "button_why", ctx, "reminder.why", value=why),
            )
        }

    return build


def _practice_week_findings_form(w: Wording, name: str, ctx: Context) -> dict[str, Any]:
    label = _labeller(w, name, ctx)
    fields = (
        FormField("grade", label("field_grade"), "select", True,
                  tuple(Choice(g, g) for g in GRADES), hint=label("hint_grade")),
        FormField("strengths", label("field_strengths"), "textarea", True, max_length=2000),
        FormField("develop", label("field_develop"), "textarea", True, max_length=2000),
        FormField("themes", label("field_themes"), "textarea", max_length=2000),
    )  # fmt: skip
    form = Form("practice_week.findings", label("button_submit"), fields, "64",
                label("button_open"))  # fmt: skip
    return {"form": form}


def _practice_week_feedback_form(w: Wording, name: str, ctx: Context) -> dict[str, Any]:
    label = _labeller(w, name, ctx)
    ratings = tuple(Choice(label(f"choice_{key}"), key) for key in ("very", "somewhat", "not"))
    fields = (
        FormField("rating", label("field_rating"), "select", True, ratings),
        FormField("comments", label("field_comments"), "textarea", max_length=2000),
    )
    form = Form("practice_week.feedback", label("button_submit"), fields, "64",
                label("button_open"))  # fmt: skip
    return {"form": form}


BUILDERS: dict[str, Builder] = {
    "welcome": _one_button("button_my_qa", "my_qa.show"),
    "help": _one_button("button_my_qa", "my_qa.show"),
    "my_qa": _my_qa,
    "away_set": _one_button("button_back", "away.back"),
    "back": _one_button("button_my_qa", "my_qa.show"),
    "audit_allocated": _audit_allocated,
    "audit_notified": _checklist,
    "checklist_updated": _checklist,
    "checklist_reminder": _checklist,
    "audit_reminder": _reminder("record", "812", "audit.reminder"),
    "audit_escalated": _escalated("audit:812", "audit.escalated"),
    "action_escalated": _escalated("action:205", "action.escalated"),
    "escalation_asked": _one_button("button_record", "audit.open_record", "812", "primary"),
    "escalation_reassign_form": _reassign_form,
    "escalation_reassigned": _one_button("button_record", "audit.open_record", "812", "primary"),
    "audit_record_form": _audit_form,
    "audit_agreed_form": _agreed_form,
    "audit_agreed": _one_button("button_change", "audit.open_agreed", "812"),
    "checklist_not_applicable": _not_applicable_form,
    "reflection_requested": _reflection_form,
    "reflection_form": _reflection_form,
    "reflection_reminder": _reminder("open", "812", "reflection.reminder"),
    "moderation_requested": _moderation_requested,
    "moderation_reminder": _reminder("open", "77", "moderation.reminder"),
    "moderation_form": _moderation_form,
    "action_reminder": _reminder("done", "205", "action.reminder"),
    "observation_due": _reminder("record", "31", "observation.due"),
    "observation_escalated": _one_button("button_why", "reminder.why", "observation.escalated"),
    "observation_overdue": _reminder("record", "31", "observation.overdue"),
    "observation_form": _observation_form,
    "broadcast_posted": _one_button("button_ack", "broadcast.read", "19", "primary"),
    "broadcast_wanted": _one_button("button_why", "reminder.why", "broadcast.wanted"),
    "practice_week_findings": _practice_week_ask("practice_week.findings.open", "findings"),
    "practice_week_feedback": _practice_week_ask("practice_week.feedback.open", "feedback"),
    "practice_week_findings_form": _practice_week_findings_form,
    "practice_week_feedback_form": _practice_week_feedback_form,
    "parked_alert": _one_button("button_retry", "outbox.retry", "4182"),
    "allocation_summary": _one_button("button_send", "allocation.send", "2027-01", "primary"),
}


def structure_for(wording: Wording, name: str, context: Context) -> dict[str, Any]:
    """The structure a handler would add to the sample `name` message (none for most)."""
    build = BUILDERS.get(name)
    return build(wording, name, context) if build else {}
