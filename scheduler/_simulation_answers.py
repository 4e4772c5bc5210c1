"""What a simulated person clicks and types: real Inbound events, as the sandbox would send them.

Forms are filled from the form qabot actually delivered (its fields and default values), so a
change to a form is exercised by the simulation exactly as a person would meet it.
"""

from __future__ import annotations

from collections.abc import Sequence

from handlers.case_audit import keys
from handlers.case_audit.ids import (
    ACTION_DONE,
    CHECKLIST_TICK,
    OPEN_MODERATION,
    OPEN_RECORD,
    RECORD,
    RECORD_MODERATION,
    SAVE_REFLECTION,
)
from handlers.core.router import EventKind, Inbound
from handlers.observations.ids import OPEN_RECORD as OPEN_OBSERVATION
from handlers.observations.ids import RECORD as RECORD_OBSERVATION
from message_templates.model import CHECKLIST_FIELD, Form
from scheduler._simulation_people import Planned, rng_for
from scheduler._simulation_platform import SIMULATION

# Most audits are Good, some Requires improvement, a few Outstanding or Inadequate.
GRADE_WEIGHTS = (("outstanding", 7), ("good", 60), ("requires improvement", 26), ("inadequate", 7))
OTHER_GRADE_WEIGHT = 10
REASONS = (
    "The plan is clear and reviewed on time, and the child's voice is recorded.",
    "Visits are purposeful; the assessment needs updating with recent changes.",
    "Strong relationship with the family; management oversight is thin.",
)
STRENGTHS = ("Warm, respectful recording.", "Good work with partners.", "Clear analysis of risk.")
WORRIES = ("The chronology is out of date.", "Drift in the plan.", "No recent supervision note.")
ACTIONS = ("Update the chronology.", "Review the plan with the family.", "Book supervision.")
ANSWERS = (
    "We know the family is safer because of regular, purposeful visits.",
    "The child told us things are calmer at home.",
    "We will keep the plan shorter and clearer.",
)
COMMENTS = ("Agree with the evidence as recorded.", "The grade reflects the file well.")
EVIDENCE = ("Chronology brought up to date.", "Plan reviewed with the family.",
            "Supervision held and recorded.")  # fmt: skip
ACTION_SHARE = 0.4
AGREE_SHARE = 0.85
OBSERVED = (
    ("home_visit", "Warm, clear conversation with the family about the plan."),
    ("network_meeting", "Kept the meeting focused on the child's experience."),
    ("supervision", "Reflective and curious about what is changing for the child."),
)
TWO_STEP = {
    "record": (OPEN_RECORD, RECORD),
    "moderation": (OPEN_MODERATION, RECORD_MODERATION),
    "observation": (OPEN_OBSERVATION, RECORD_OBSERVATION),
    "action": (ACTION_DONE, ACTION_DONE),  # "It's done" opens the form asking what was done
}


def grade_weights(grades: Sequence[str]) -> list[int]:
    return [
        next((w for word, w in GRADE_WEIGHTS if g.lower().startswith(word)), OTHER_GRADE_WEIGHT)
        for g in grades
    ]


def first_event(planned: Planned, event_id: str, seed: int) -> Inbound:
    """The click that starts a response: a whole checklist, a button, or a saved form."""
    task, ref = planned.task, planned.ref
    if task == "checklist":
        done = ",".join(planned.details)
        return _event(planned, event_id, "action", CHECKLIST_TICK, ((CHECKLIST_FIELD, done),),
                      source_key=keys.notified(int(ref)))  # fmt: skip
    if task == "reflection":
        rng = rng_for(seed, planned.staff_id, "reflection", ref, "answers")
        answers = tuple((prompt, rng.choice(ANSWERS)) for prompt in planned.details)
        return _event(planned, event_id, "form", SAVE_REFLECTION, answers)
    opener, _ = TWO_STEP[task]
    return _event(planned, event_id, "action", opener)


def form_action(planned: Planned) -> str | None:
    """The form a two-step response submits after opening it, if any."""
    return TWO_STEP[planned.task][1] if planned.task in TWO_STEP else None


def submission(
    planned: Planned, form: Form, grades: Sequence[str], seed: int, event_id: str, source: str
) -> Inbound:
    """The opened form, filled in: its defaults kept, the answers a person would give."""
    values = {f.id: f.value for f in form.fields}
    rng = rng_for(seed, planned.staff_id, planned.task, planned.ref, "answers")
    if planned.task == "record":
        values |= {
            "grade": rng.choices(list(grades), grade_weights(grades))[0],
            "grade_reason": rng.choice(REASONS),
            "strengths": rng.choice(STRENGTHS),
            "worries": rng.choice(WORRIES),
        }
        if rng.random() < ACTION_SHARE and "action_1" in values:
            values["action_1"] = rng.choice(ACTIONS)
    elif planned.task == "action":
        values |= {"evidence": rng.choice(EVIDENCE)}
    elif planned.task == "observation":
        setting, strengths = rng.choice(OBSERVED)
        consent = "na" if setting == "supervision" else "yes"
        values |= {"setting": setting, "consent": consent, "strengths": strengths,
                   "areas": rng.choice(WORRIES)}  # fmt: skip
        if rng.random() < ACTION_SHARE:
            values["actions"] = rng.choice(ACTIONS)
    else:
        agrees = rng.random() < AGREE_SHARE
        values |= {"agree": "yes" if agrees else "no", "comments": rng.choice(COMMENTS)}
        if not agrees:
            values["grade"] = rng.choice(list(grades))
    fields = tuple((name, value) for name, value in values.items())
    return Inbound(SIMULATION, event_id, planned.staff_id, "form", form.action, form.value,
                   fields=fields, source_key=source)  # fmt: skip


def _event(
    planned: Planned,
    event_id: str,
    kind: EventKind,
    name: str,
    fields: tuple[tuple[str, str], ...] = (),
    source_key: str = "",
) -> Inbound:
    return Inbound(SIMULATION, event_id, planned.staff_id, kind, name, planned.ref,
                   fields=fields, source_key=source_key)  # fmt: skip
