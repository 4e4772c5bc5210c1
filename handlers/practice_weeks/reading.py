"""Reading a practice week's findings and feedback: each visit's findings (and grade) and the
visited team's feedback, for the roles the programme lets run practice weeks, in chat
("practice week findings [DATE]") and at the command line (`qabot practice-week findings`).

A DM to one person, but still no case references: any answer the privacy guard finds a case
reference (or a child's details) in is held back, with who to ask for it.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core import privacy
from handlers.core.deps import Deps
from handlers.core.parsing import parse_date
from handlers.core.permissions import Permission, require
from handlers.core.recipients import person_of
from handlers.core.router import Handler, Inbound, Reply, Selector
from handlers.errors import UserError
from handlers.practice_weeks.messages import rating_label
from message_templates.model import Message
from storage.practice_weeks import schedule

COMMAND = "practice"  # "practice week findings [DATE]"
READ_FINDINGS = Permission("practice_week", "read a practice week's findings and feedback")
USAGE = (
    'Type "practice week findings", or name a day in the week: "practice week findings 08/03/2027".'
)


async def week_findings(deps: Deps, session: AsyncSession, day: dt.date) -> Message:
    """The findings and feedback of the latest practice week started on or before `day`."""
    week = await schedule.week_on_or_before(session, day)
    if week is None:
        raise UserError(f"There's no practice week on or before {day:%d/%m/%Y} yet.")
    visits = await schedule.visits_of(session, week.id)
    answers = await schedule.answers_of(session, week.id)
    refs = await schedule.case_refs(session)
    shown = [_visit(deps, v, *answers.get(v.id, ("", "")), refs) for v in visits]
    context = {"week_name": week.title, "starts_on": week.starts_on, "ends_on": week.ends_on,
               "visits": shown}  # fmt: skip
    meta = {"type": "practice_week.findings_read", "activity": week.activity,
            "week": week.starts_on.isoformat()}  # fmt: skip
    return deps.wording.compose("practice_week_findings_read", context, meta=meta)


def _visit(deps: Deps, visit: schedule.Visit, findings: str, feedback: str,
           refs: set[str]) -> dict[str, Any]:  # fmt: skip
    said: dict[str, str] = json.loads(findings) if findings else {}
    held = any(_unsafe(text, refs) for text in (*said.values(), feedback))
    return {
        "visitor_name": visit.visitor_name,
        "team": visit.team,
        "day": visit.day,
        "slot": visit.slot,
        "activity": visit.activity,
        "findings_in": visit.findings_at is not None,
        "grade": visit.grade,
        "strengths": "" if held else said.get("strengths", ""),
        "develop": "" if held else said.get("develop", ""),
        "themes": "" if held else said.get("themes", ""),
        "feedback_in": visit.feedback_at is not None,
        "rating": rating_label(deps, visit.feedback_rating) if visit.feedback_rating else "",
        "comments": "" if held else feedback,
        "held_back": held,
    }


def _unsafe(text: str, refs: set[str]) -> bool:
    return bool(privacy.findings(text, refs))


class PracticeWeekFindings:
    """ "practice week findings [DATE]" in chat, for the practice week's roles."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def routes(self) -> list[tuple[Selector, Handler]]:
        return [(("command", COMMAND), self.findings)]

    async def findings(self, session: AsyncSession, event: Inbound) -> Reply:
        words = event.text.strip().split()
        if [w.lower() for w in words[:3]] != ["practice", "week", "findings"] or len(words) > 4:
            raise UserError(USAGE)
        person = await person_of(session, event.staff_id)
        require(self.deps.programme, person.role, READ_FINDINGS)
        day = self.deps.calendar.local_date(self.deps.clock.now())
        if len(words) == 4:
            given = parse_date(words[3])
            if given is None:
                raise UserError(f"I couldn't read {words[3]!r} as a date. {USAGE}")
            day = given
        return Reply(message=await week_findings(self.deps, session, day))
