"""Practice-week messages, built from plain rows: wording from templates, structure here.

The channel post names visitors, teams, days, slots and activities only: nothing from a case.
Every message carries `meta` so a simulation can print it as SPEC §6 describes.
"""

from __future__ import annotations

import functools
from typing import Any

from handlers.core.deps import Deps
from handlers.core.parsing import first_name
from handlers.practice_weeks.ids import (
    FEEDBACK,
    FEEDBACK_TYPE,
    FINDINGS,
    FINDINGS_TYPE,
    OPEN_FEEDBACK,
    OPEN_FINDINGS,
    WHY_TYPE,
)
from handlers.reminders.ids import WHY
from message_templates.model import Button, Choice, Form, FormField, Message
from storage.practice_weeks.schedule import Host, Visit, Week


def posted(deps: Deps, week: Week, visits: list[Visit]) -> Message:
    """To the practice-week channel: who visits whom, when, to do what."""
    context: dict[str, Any] = {
        "week_name": week.title,
        "starts_on": week.starts_on,
        "ends_on": week.ends_on,
        "slots": [
            {"day": v.day, "slot": v.slot, "visitor_name": v.visitor_name, "team": v.team,
             "activity": v.activity}
            for v in visits
        ],
    }  # fmt: skip
    meta: dict[str, Any] = {
        "type": "practice_week.posted",
        "activity": week.activity,
        "week": week.starts_on.isoformat(),
        "visits": len(visits),
    }
    if week.placeholder:
        meta["placeholder"] = True
    context["placeholder"] = week.placeholder
    return deps.wording.compose("practice_week_posted", context, meta=meta)


def reminder(deps: Deps, week: Week, visit: Visit, person: Host) -> Message:
    """To a visitor, or a manager of the team visited: their visit on the next working day."""
    hosting = person.id != visit.visitor_id
    context = {
        "name": first_name(person.name),
        "week_name": week.title,
        "day": visit.day,
        "slot": visit.slot,
        "team": visit.team,
        "activity": visit.activity,
        "visitor_name": visit.visitor_name,
        "hosting": hosting,
    }
    why = Button(deps.wording.label("practice_week_reminder", "button_why", context), WHY,
                 WHY_TYPE)  # fmt: skip
    meta = {
        "type": "practice_week.reminder",
        "activity": week.activity,
        "visitor": visit.visitor_staff_id,
        "team": visit.team,
        "day": visit.day.isoformat(),
        "slot": visit.slot,
        "role": "host" if hosting else "visitor",
    }
    return deps.wording.compose("practice_week_reminder", context, buttons=(why,), meta=meta)


RATINGS = ("very", "somewhat", "not")
TEXT_LENGTH = 2000


def _visit_meta(kind: str, week: Week, visit: Visit, person: Host) -> dict[str, Any]:
    return {
        "type": kind,
        "activity": week.activity,
        "visitor": visit.visitor_staff_id,
        "team": visit.team,
        "day": visit.day.isoformat(),
        "visit": visit.id,
        "to": person.staff_id,
    }


def findings_requested(
    deps: Deps, week: Week, visit: Visit, person: Host, graded: bool, again: bool = False
) -> Message:
    """In the visitor's daily message the working day after: share your findings (`again`: the
    one follow-up a few working days later)."""
    name = "practice_week_findings"
    context = {"name": first_name(person.name), "week_name": week.title, "day": visit.day,
               "team": visit.team, "graded": graded, "again": again}  # fmt: skip
    label = functools.partial(deps.wording.label, name, context=context)
    buttons = (Button(label("button_open"), OPEN_FINDINGS, str(visit.id), "primary"),
               Button(label("button_why"), WHY, FINDINGS_TYPE))  # fmt: skip
    meta = _visit_meta(FINDINGS_TYPE, week, visit, person) | ({"follow_up": True} if again else {})
    return deps.wording.compose(name, context, buttons=buttons, meta=meta)


def feedback_requested(
    deps: Deps, week: Week, visit: Visit, person: Host, again: bool = False
) -> Message:
    """In a team manager's daily message the working day after: the team's feedback (`again`:
    the one follow-up a few working days later)."""
    name = "practice_week_feedback"
    context = {"name": first_name(person.name), "week_name": week.title, "day": visit.day,
               "team": visit.team, "visitor_name": visit.visitor_name, "again": again}  # fmt: skip
    label = functools.partial(deps.wording.label, name, context=context)
    buttons = (Button(label("button_open"), OPEN_FEEDBACK, str(visit.id), "primary"),
               Button(label("button_why"), WHY, FEEDBACK_TYPE))  # fmt: skip
    meta = _visit_meta(FEEDBACK_TYPE, week, visit, person) | ({"follow_up": True} if again else {})
    return deps.wording.compose(name, context, buttons=buttons, meta=meta)


def findings_form(deps: Deps, week: Week, visit: Visit, person: Host, grades: list[str] | None
                  ) -> Message:  # fmt: skip
    """The visitor's findings: a grade where the programme grades, strengths, to develop, themes."""
    name = "practice_week_findings_form"
    context = {"name": first_name(person.name), "week_name": week.title, "day": visit.day,
               "team": visit.team, "graded": grades is not None}  # fmt: skip
    label = functools.partial(deps.wording.label, name, context=context)
    fields: list[FormField] = []
    if grades is not None:
        choices = tuple(Choice(g, g) for g in grades)
        fields.append(
            FormField(
                "grade", label("field_grade"), "select", True, choices, hint=label("hint_grade")
            )
        )
    fields += [
        FormField("strengths", label("field_strengths"), "textarea", True, max_length=TEXT_LENGTH),
        FormField("develop", label("field_develop"), "textarea", True, max_length=TEXT_LENGTH),
        FormField("themes", label("field_themes"), "textarea", max_length=TEXT_LENGTH),
    ]
    form = Form(
        FINDINGS, label("button_submit"), tuple(fields), str(visit.id), label("button_open")
    )
    meta = _visit_meta("practice_week.findings_form", week, visit, person)
    return deps.wording.compose(name, context, form=form, meta=meta)


def feedback_form(deps: Deps, week: Week, visit: Visit, person: Host) -> Message:
    """The team's feedback: how useful, and anything to do differently."""
    name = "practice_week_feedback_form"
    context = {"name": first_name(person.name), "week_name": week.title, "team": visit.team,
               "visitor_name": visit.visitor_name}  # fmt: skip
    label = functools.partial(deps.wording.label, name, context=context)
    ratings = tuple(Choice(label(f"choice_{r}"), r) for r in RATINGS)
    fields = (
        FormField("rating", label("field_rating"), "select", True, ratings),
        FormField("comments", label("field_comments"), "textarea", max_length=TEXT_LENGTH),
    )
    form = Form(FEEDBACK, label("button_submit"), fields, str(visit.id), label("button_open"))
    meta = _visit_meta("practice_week.feedback_form", week, visit, person)
    return deps.wording.compose(name, context, form=form, meta=meta)


def thanks(deps: Deps, person: Host, visit: Visit, said: str) -> Message:
    context = {"name": first_name(person.name), "said": said, "team": visit.team}
    meta = {"type": f"practice_week.{said}_saved", "visit": visit.id}
    return deps.wording.compose("practice_week_thanks", context, meta=meta)


def rating_label(deps: Deps, rating: str) -> str:
    return deps.wording.label("practice_week_feedback_form", f"choice_{rating}", {
        "name": "", "week_name": "", "team": "", "visitor_name": ""})  # fmt: skip


def summary(deps: Deps, week: Week, visits: list[Visit], grades: list[str] | None) -> Message:
    """To the QA team's channel after the week: counts only, never a visit's words."""
    given = [v for v in visits if v.findings_at is not None]
    graded: dict[str, int] = {}
    for v in given:
        if v.grade:
            graded[v.grade] = graded.get(v.grade, 0) + 1
    order = [g for g in (grades or []) if g in graded] + sorted(set(graded) - set(grades or []))
    rated: dict[str, int] = {}
    for v in visits:
        if v.feedback_at is not None and v.feedback_rating:
            rated[v.feedback_rating] = rated.get(v.feedback_rating, 0) + 1
    context = {
        "week_name": week.title,
        "starts_on": week.starts_on,
        "ends_on": week.ends_on,
        "visits": len(visits),
        "findings": len(given),
        "grades": [{"grade": g, "count": graded[g]} for g in order] if grades is not None else [],
        "feedback": sum(1 for v in visits if v.feedback_at is not None),
        "ratings": [{"label": rating_label(deps, r), "count": rated[r]} for r in RATINGS
                    if r in rated],
        "missing": [{"visitor_name": v.visitor_name, "team": v.team} for v in visits
                    if v.findings_at is None],
    }  # fmt: skip
    meta = {"type": "practice_week.summary", "activity": week.activity,
            "week": week.starts_on.isoformat(), "visits": len(visits)}  # fmt: skip
    return deps.wording.compose("practice_week_summary", context, meta=meta)
