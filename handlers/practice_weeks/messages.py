"""Practice-week messages, built from plain rows: wording from templates, structure here.

The channel post names visitors, teams, days, slots and activities only: nothing from a case.
Every message carries `meta` so a simulation can print it as SPEC §6 describes.
"""

from __future__ import annotations

from handlers.core.deps import Deps
from handlers.core.parsing import first_name
from handlers.practice_weeks.ids import WHY_TYPE
from handlers.reminders.ids import WHY
from message_templates.model import Button, Message
from storage.practice_weeks.schedule import Host, Visit, Week


def posted(deps: Deps, week: Week, visits: list[Visit]) -> Message:
    """To the practice-week channel: who visits whom, when, to do what."""
    context = {
        "week_name": week.title,
        "starts_on": week.starts_on,
        "ends_on": week.ends_on,
        "slots": [
            {"day": v.day, "slot": v.slot, "visitor_name": v.visitor_name, "team": v.team,
             "activity": v.activity}
            for v in visits
        ],
    }  # fmt: skip
    meta = {
        "type": "practice_week.posted",
        "activity": week.activity,
        "week": week.starts_on.isoformat(),
        "visits": len(visits),
    }
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
