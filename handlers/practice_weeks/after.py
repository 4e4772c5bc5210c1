"""After a visit: the visitor's findings (graded where the programme grades them) and the visited
team's feedback, each a short form opened from the ask in their daily message. Only the visitor
may share a visit's findings, and only someone in the team visited its feedback; an answer with
something missing says which, and nothing is saved."""

from __future__ import annotations

import json

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.deps import Deps
from handlers.core.router import Handler, Inbound, Reply, Selector
from handlers.errors import UserError
from handlers.practice_weeks import messages
from handlers.practice_weeks.ids import FEEDBACK, FINDINGS, OPEN_FEEDBACK, OPEN_FINDINGS
from handlers.practice_weeks.messages import RATINGS, TEXT_LENGTH
from handlers.programme.schema import PracticeWeekActivity
from storage.practice_weeks import schedule
from storage.practice_weeks.schedule import Host, Visit, Week

UNSAVED = "Nothing has been saved yet."
GONE = "I can't find that visit any more: the schedule may have changed. Your QA team can help."


class PracticeWeekForms:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def routes(self) -> list[tuple[Selector, Handler]]:
        return [
            (("action", OPEN_FINDINGS), self.open_findings),
            (("form", FINDINGS), self.save_findings),
            (("action", OPEN_FEEDBACK), self.open_feedback),
            (("form", FEEDBACK), self.save_feedback),
        ]

    async def _visit(
        self, session: AsyncSession, event: Inbound
    ) -> tuple[Week, Visit, Host, PracticeWeekActivity | None]:
        visit = await schedule.visit(session, int(event.value)) if event.value.isdigit() else None
        week = await schedule.week(session, visit.week_id) if visit is not None else None
        person = await schedule.person(session, event.staff_id)
        if visit is None or week is None:
            raise UserError(GONE)
        if person is None or not person.active:
            raise UserError("I can't find you in the staff list. Your QA team can add you.")
        found = {a.id: a for a in self.deps.programme.of_kind(PracticeWeekActivity)}
        return week, visit, person, found.get(week.activity)

    def _grades(self, activity: PracticeWeekActivity | None) -> list[str] | None:
        return (
            list(self.deps.programme.grades) if activity is not None and activity.graded else None
        )

    async def _visitors(
        self, session: AsyncSession, event: Inbound
    ) -> tuple[Week, Visit, Host, list[str] | None]:
        week, visit, person, activity = await self._visit(session, event)
        if person.id != visit.visitor_id:
            raise UserError(
                f"Only {visit.visitor_name}, who made the visit, can share its findings."
            )
        return week, visit, person, self._grades(activity)

    async def _teams(self, session: AsyncSession, event: Inbound) -> tuple[Week, Visit, Host]:
        week, visit, person, _ = await self._visit(session, event)
        if person.team_id != visit.team_id:
            raise UserError(f"The feedback on this visit is {visit.team}'s to give. Thank you!")
        return week, visit, person

    async def open_findings(self, session: AsyncSession, event: Inbound) -> Reply:
        week, visit, person, grades = await self._visitors(session, event)
        if visit.findings_at is not None:
            raise UserError(f"Your findings on {visit.team} are saved already. Thank you!")
        return Reply(message=messages.findings_form(self.deps, week, visit, person, grades))

    async def save_findings(self, session: AsyncSession, event: Inbound) -> Reply:
        week, visit, person, grades = await self._visitors(session, event)
        if visit.findings_at is not None:
            raise UserError(f"Your findings on {visit.team} are saved already. Thank you!")
        form = messages.findings_form(self.deps, week, visit, person, grades)
        labels = {f.id: f.label for f in form.form.fields} if form.form else {}
        grade = event.field("grade").strip()
        if grades is not None and grade not in grades:
            raise UserError(f"Please choose “{labels['grade']}”. {UNSAVED}")
        answers = {name: event.field(name).strip() for name in ("strengths", "develop", "themes")}
        for name in ("strengths", "develop"):
            if not answers[name]:
                raise UserError(f"Please fill in “{labels[name]}”. {UNSAVED}")
        for name, text in answers.items():
            if len(text) > TEXT_LENGTH:
                raise UserError(f"“{labels[name]}” is kept to {TEXT_LENGTH} characters; yours "
                                f"has {len(text)}. {UNSAVED}")  # fmt: skip
        await schedule.save_findings(session, visit.id, json.dumps(answers), grade,
                                     self.deps.clock.now())  # fmt: skip
        return Reply(message=messages.thanks(self.deps, person, visit, "findings"))

    async def open_feedback(self, session: AsyncSession, event: Inbound) -> Reply:
        week, visit, person = await self._teams(session, event)
        if visit.feedback_at is not None:
            raise UserError(f"{visit.team}'s feedback on this visit is in already. Thank you!")
        return Reply(message=messages.feedback_form(self.deps, week, visit, person))

    async def save_feedback(self, session: AsyncSession, event: Inbound) -> Reply:
        week, visit, person = await self._teams(session, event)
        if visit.feedback_at is not None:
            raise UserError(f"{visit.team}'s feedback on this visit is in already. Thank you!")
        form = messages.feedback_form(self.deps, week, visit, person)
        labels = {f.id: f.label for f in form.form.fields} if form.form else {}
        rating = event.field("rating").strip()
        if rating not in RATINGS:
            raise UserError(f"Please choose “{labels['rating']}”. {UNSAVED}")
        comments = event.field("comments").strip()
        if len(comments) > TEXT_LENGTH:
            raise UserError(f"“{labels['comments']}” is kept to {TEXT_LENGTH} characters; yours "
                            f"has {len(comments)}. {UNSAVED}")  # fmt: skip
        await schedule.save_feedback(session, visit.id, rating, comments, self.deps.clock.now())
        return Reply(message=messages.thanks(self.deps, person, visit, "feedback"))
