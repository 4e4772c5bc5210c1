"""First flows: welcome, help, "my QA", and "away until" / "back"."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, replace
from difflib import SequenceMatcher
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.case_audit.allocation.naming import NAME_THEMES
from handlers.case_audit.ids import OPEN_MODERATION, OPEN_REFLECTION
from handlers.case_audit.moderation import moderation_due
from handlers.case_audit.reflection import reflection_due
from handlers.core.deps import Deps
from handlers.core.parsing import MAX_TEXT, first_name, parse_date, too_long
from handlers.core.permissions import QUEUE_BROADCASTS, READ_COUNTS, may
from handlers.core.recipients import person_of
from handlers.core.router import Handler, Inbound, Reply, Selector
from handlers.core.welcome import SHOW_HELP as SHOW_HELP
from handlers.core.welcome import SHOW_MY_QA as SHOW_MY_QA
from handlers.core.welcome import welcome_message
from handlers.errors import UserError
from handlers.home.qa_team import is_qa_team, team_view
from handlers.observations.ids import OPEN_RECORD as OPEN_OBSERVATION
from handlers.observations.sweeps import tracking
from handlers.programme.schema import CaseAudit
from handlers.team_digest.sources import TeamPictureSource
from handlers.team_digest.weekly import picture_of
from message_templates.model import Button, Message
from storage import team_digest
from storage.case_audit.my_qa import QaItem, items_for, moderations_open, reflections_unanswered
from storage.models import Person

COME_BACK = "away.back"
# what "I didn't catch that" may suggest, in the order it prefers on a tie
COMMANDS = ("my qa", "meeting", "away", "back", "reflections", "theme", "help")
SUPERVISES = frozenset({"team_manager", "deputy_team_manager", "service_manager",
                        "head_of_service", "director", "principal_social_worker"})  # fmt: skip
CLOSE_ENOUGH = 0.6
AWAY_EXAMPLE = dt.timedelta(days=14)
MEETING_EXAMPLE = 5  # working days on: the day a "meeting …" suggestion shows
# a recorded audit stays on My QA, with thanks, for a month after it was due; then it drops off
RECORDED_SHOWN_FOR = dt.timedelta(days=31)
# an observation someone is to make shows from six weeks ahead (and until it is recorded)
OBSERVATIONS_AHEAD = dt.timedelta(weeks=6)


class Basics:
    """The commands every person has, whatever their role."""

    def __init__(self, deps: Deps, team_pictures: Sequence[TeamPictureSource] = ()) -> None:
        self.deps = deps
        # what the weekly manager digest draws from: a line manager's My QA shows the same
        self.team_pictures = tuple(team_pictures)

    def routes(self) -> list[tuple[Selector, Handler]]:
        return [
            (("hello", ""), self.welcome),
            (("command", "help"), self.help),
            (("action", SHOW_HELP), self.help),
            (("command", "my qa"), self.my_qa),
            (("action", SHOW_MY_QA), self.my_qa),
            (("command", "away"), self.away),
            (("command", "back"), self.back),
            (("action", COME_BACK), self.back),
        ]

    async def welcome(self, session: AsyncSession, event: Inbound) -> Reply:
        """The first time qabot can reach a person it says hello, once."""
        person = await person_of(session, event.staff_id)
        if person.welcomed_at is not None:
            return Reply()
        person.welcomed_at = self.deps.clock.now()
        return Reply(message=welcome_message(self.deps, person))

    async def help(self, session: AsyncSession, event: Inbound) -> Reply:
        person = await person_of(session, event.staff_id)
        programme = self.deps.programme
        role = person.role
        message = self._compose("help", person, (("button_my_qa", SHOW_MY_QA),),
                                may_broadcast=may(programme, role, QUEUE_BROADCASTS),
                                may_see_reads=may(programme, role, READ_COUNTS),
                                may_name_themes=may(programme, role, NAME_THEMES))  # fmt: skip
        return Reply(message=message)

    async def my_qa(self, session: AsyncSession, event: Inbound) -> Reply:
        """All on the person's plate, soonest first; each form waiting on them one click away."""
        person = await person_of(session, event.staff_id)
        asked = sorted(await self._asked(session, person.id), key=lambda pair: _soonest(pair[0]))
        today = self.deps.calendar.local_date(self.deps.clock.now())
        since = today - RECORDED_SHOWN_FOR
        mine = [
            _meeting_ahead(i, today)
            for i in await items_for(session, person.id, recorded_since=since)
        ]
        observing = await self._observations(session, person.id, today)
        items = sorted([*mine, *(i for i, _ in asked), *(i for i, _ in observing)], key=_soonest)
        opens = tuple(button for _, button in asked)
        opens += tuple(button for _, button in observing if button is not None)
        team = (
            await team_view(self.deps, session, today)
            if is_qa_team(self.deps, person.role)
            else None
        )
        picture = await self._team_picture(session, person.id, today)
        return Reply(message=self._compose("my_qa", person, items=[asdict(i) for i in items],
                                           made=opens, team=team,
                                           team_picture=picture))  # fmt: skip

    async def _team_picture(
        self, session: AsyncSession, person_id: int, today: dt.date
    ) -> list[dict[str, Any]] | None:
        """For a line manager, their team's picture as the weekly digest draws it; else None."""
        if not self.team_pictures or not await team_digest.manages_anyone(session, person_id):
            return None
        return await picture_of(self.deps, session, self.team_pictures, person_id, today)

    async def _asked(self, session: AsyncSession, person_id: int) -> list[tuple[QaItem, Button]]:
        """Reflections and moderations asked of the person and not yet answered, each with the
        button that opens its form. Those of an activity the programme no longer has are left
        out, as the reminder sweep leaves them out: qabot cannot say when they are due."""
        activities = {a.id: a for a in self.deps.programme.of_kind(CaseAudit)}
        calendar, label = self.deps.calendar, self.deps.wording.label
        found: list[tuple[QaItem, Button]] = []
        for r in await reflections_unanswered(session, person_id):
            activity = activities.get(r.activity)
            if activity is None or (r.as_auditor and not activity.reflection.auditor_reflects):
                continue
            due = reflection_due(calendar, activity, r.recorded_at)
            text = label("my_qa", "button_reflect", {"case_ref": r.case_ref})
            item = QaItem("reflection", due, r.case_ref, other=r.other)
            found.append((item, Button(text, OPEN_REFLECTION, str(r.allocation_id))))
        for m in await moderations_open(session, person_id):
            rule = activities[m.activity].moderation if m.activity in activities else None
            if rule is None:
                continue
            due = moderation_due(calendar, rule, m.requested_at)
            text = label("my_qa", "button_moderate", {"case_ref": m.case_ref})
            item = QaItem("moderation", due, m.case_ref, other=m.auditor, detail=m.grade)
            found.append((item, Button(text, OPEN_MODERATION, str(m.moderation_id))))
        return found

    async def _observations(
        self, session: AsyncSession, person_id: int, today: dt.date
    ) -> list[tuple[QaItem, Button | None]]:
        """Observations the person is to make (from six weeks ahead, or past their date), each
        with the button that records it, and their own next one (no button: not theirs to
        record)."""
        found, _ = await tracking(self.deps, session, today)
        label = self.deps.wording.label
        items: list[tuple[QaItem, Button | None]] = []
        for t in found.tracked:
            past = "past" if t.due < today else ""
            if t.acting is not None and t.acting.id == person_id:
                if t.due > today + OBSERVATIONS_AHEAD:
                    continue
                kind = "observation_own" if t.per_observer else "observation_to_do"
                item = QaItem(kind, t.due, other=t.worker.name, detail=past)
                text = label("my_qa", "button_observe", {"other": t.worker.name,
                                                         "own": t.per_observer})  # fmt: skip
                items.append((item, Button(text, OPEN_OBSERVATION, t.value)))
            elif t.worker.id == person_id and not t.per_observer:
                items.append((QaItem("observation_of_me", t.due, other=t.observer.name), None))
        return items

    async def away(self, session: AsyncSession, event: Inbound) -> Reply:
        person = await person_of(session, event.staff_id)
        today = self.deps.calendar.local_date(self.deps.clock.now())
        until = parse_away(event.text or event.value, today)
        person.away_until = until
        buttons = (("button_back", COME_BACK),)
        return Reply(message=self._compose("away_set", person, buttons, until=until))

    async def back(self, session: AsyncSession, event: Inbound) -> Reply:
        person = await person_of(session, event.staff_id)
        person.away_until = None
        return Reply(message=self._compose("back", person, (("button_my_qa", SHOW_MY_QA),)))

    async def unknown(self, session: AsyncSession, event: Inbound) -> Reply:
        """Words qabot does not recognise get "I didn't catch that" and the likeliest commands;
        a blank or over-long message gets a kind line saying so; anything else gets help."""
        if event.kind not in ("text", "command"):
            return await self.help(session, event)
        person = await person_of(session, event.staff_id)
        typed = event.text if event.kind == "text" else event.name
        said = "too_long" if too_long(typed) else "blank" if not typed.strip() else "unknown"
        programme = self.deps.programme
        commands = [c for c in COMMANDS if (c != "reflections" or person.role in SUPERVISES)
                    and (c != "theme" or may(programme, person.role, NAME_THEMES))]  # fmt: skip
        today = self.deps.calendar.local_date(self.deps.clock.now())
        suggestions = likeliest(typed if said == "unknown" else "", commands)
        example = f"{today + AWAY_EXAMPLE:%d/%m/%Y}"
        meeting = f"{self.deps.calendar.add_working_days(today, MEETING_EXAMPLE):%d/%m/%Y}"
        buttons = (("button_help", SHOW_HELP),)
        message = self._compose("not_caught", person, buttons, said=said, limit=MAX_TEXT,
                                suggestions=suggestions, away_example=example,
                                meeting_example=meeting)  # fmt: skip
        return Reply(message=message)

    def _compose(
        self,
        name: str,
        person: Person,
        buttons: tuple[tuple[str, str], ...] = (),
        made: tuple[Button, ...] = (),
        **extra: object,
    ) -> Message:
        """Wording from the template; each button's label from its `button_…` block, then any
        buttons already made."""
        context = {"name": first_name(person.name), "role": person.role, **extra}
        wording = self.deps.wording
        labelled = tuple(
            Button(wording.label(name, block, context), action) for block, action in buttons
        )
        return wording.compose(name, context, buttons=labelled + made)


def likeliest(typed: str, commands: list[str], most: int = 3) -> list[str]:
    """Two or three of `commands`, the likeliest meant by `typed` first: those that read most
    like its first words; "my qa" and "help" make up the number when nothing is close."""
    words = typed.strip().lower().split()
    tried = [" ".join(words[:n]).lstrip("/") for n in (1, 2) if len(words) >= n]

    def score(command: str) -> float:
        return max((SequenceMatcher(None, t, command).ratio() for t in tried), default=0.0)

    ranked = sorted(commands, key=score, reverse=True)
    close = [c for c in ranked if score(c) >= CLOSE_ENOUGH][:most]
    fill = [c for c in ("my qa", "help") if c in commands and c not in close]
    return (close + fill)[: max(len(close), 2)]


def _soonest(item: QaItem) -> tuple[dt.date, str]:
    """An audit with a day agreed to meet comes by that day; everything else by its date."""
    return item.meeting_on or item.due_on, item.kind


def _meeting_ahead(item: QaItem, today: dt.date) -> QaItem:
    """An audit shows the day its two agreed to meet while it is ahead; once it has passed, the
    audit's own date (to be recorded by) again, as its reminders do."""
    if item.meeting_on is not None and item.meeting_on < today:
        return replace(item, meeting_on=None, meeting_at=None)
    return item


def parse_away(text: str, today: dt.date) -> dt.date:
    """'away until 2027-01-04' or 'away until 04/01/2027': a date after today, within a year."""
    words = [w for w in text.strip().split() if w.lower() not in ("away", "until")]
    if len(words) != 1:
        raise UserError("Tell me the day you're back, like: away until 04/01/2027")
    until = parse_date(words[0])
    if until is None:
        raise UserError(f"I couldn't read {words[0]!r} as a date. Try: away until 04/01/2027")
    if not today < until <= today + dt.timedelta(days=366):
        raise UserError("The date you're back needs to be after today and within a year.")
    return until
