"""Naming a themed round's theme ahead, in chat: `theme 2027-03 neglect`.

Whoever the programme lets allocate names the theme of a themed round (themed_months, or a month
whose programme theme they would change) before it is allocated. The theme is kept
(storage/case_audit/themes.py) and the round's allocation audits it, whether the scheduler makes
it or `qabot allocate` does without `--theme` (rounds.make_plan decides). `theme` alone lists the
themed rounds coming up, with the theme each will audit.

A theme is one defined under the activity's `themes`, or a tag some open case carries. Anything
else, a month that is not a themed round, or a round already allocated gets a clear line saying
what can be named, and nothing is kept.
"""

from __future__ import annotations

import calendar as month_names
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.case_audit.allocation.periods import is_allocation_period, is_themed_month, window_for
from handlers.case_audit.allocation.plan import CaseInfo, round_theme
from handlers.case_audit.allocation.rounds import LEAD_WORKING_DAYS, period_of
from handlers.case_audit.allocation.rules import theme_group
from handlers.case_audit.allocation.types import Staff
from handlers.core.deps import Deps
from handlers.core.parsing import first_name
from handlers.core.permissions import Permission, require
from handlers.core.recipients import person_of
from handlers.core.router import Handler, Inbound, Reply, Selector
from handlers.errors import UserError
from handlers.programme.schema import CaseAudit, Theme
from message_templates.model import Message
from storage.case_audit import allocation_inputs, audits, themes
from storage.case_audit import escalations as audit_log

COMMAND = "theme"
NAME_THEMES = Permission("allocate", "name the theme of a themed round")
MONTHS_LISTED = 6  # `theme` alone lists the themed rounds of this month and the next five
TAGS_SHOWN = 8  # an unknown theme's answer names this many case tags at most
PERIOD = re.compile(r"^(\d{4})-(\d{1,2})$")
EXAMPLE = "theme 2027-03 neglect"


@dataclass(frozen=True)
class Asked:
    """What `theme PERIOD [ACTIVITY] NAME` asks for, read but not yet checked."""

    year: int
    month: int
    activity_id: str | None
    name: str

    @property
    def period(self) -> str:
        return period_of(self.year, self.month)

    @property
    def month_words(self) -> str:
        return f"{month_names.month_name[self.month]} {self.year}"


def read_command(text: str, activity_ids: set[str]) -> Asked | None:
    """`theme 2027-03 neglect` (or `theme 2027-03 event_audit residential care`); None for
    `theme` alone. A problem with the words is one clear line."""
    words = text.split()[1:]
    if not words:
        return None
    found = PERIOD.match(words[0])
    if found is None or not 1 <= int(found.group(2)) <= 12:
        raise UserError(f"Start with the round's month, like: {EXAMPLE}")
    rest = words[1:]
    activity_id = rest.pop(0) if len(rest) > 1 and rest[0] in activity_ids else None
    name = " ".join(rest)
    if not name:
        raise UserError(f"Add the theme after the month, like: {EXAMPLE}")
    if len(name) > 100:
        raise UserError("That theme is too long: a theme's name is at most 100 characters.")
    return Asked(int(found.group(1)), int(found.group(2)), activity_id, name)


def is_themed_round(activity: CaseAudit, year: int, month: int) -> bool:
    return is_allocation_period(activity, year, month) and is_themed_month(activity, month)


def months_ahead(today: dt.date) -> list[tuple[int, int]]:
    """The (year, month) of each month from this one on, for MONTHS_LISTED months."""
    index = today.year * 12 + today.month - 1
    return [((index + i) // 12, (index + i) % 12 + 1) for i in range(MONTHS_LISTED)]


def the_activity(activities: list[CaseAudit], asked: Asked, today: dt.date) -> CaseAudit:
    """The case audit whose themed round this is: the one named, or the only one themed that
    month. A month with no themed round says which months are."""
    if asked.activity_id is not None:
        activity = next(a for a in activities if a.id == asked.activity_id)
        if is_themed_round(activity, asked.year, asked.month):
            return activity
        themed = [activity]
    else:
        themed = [a for a in activities if is_themed_round(a, asked.year, asked.month)]
        if len(themed) == 1:
            return themed[0]
        if len(themed) > 1:
            ids = " or ".join(a.id for a in themed)
            raise UserError(
                f"{asked.month_words} has more than one themed round: say which after the month, "
                f"like: theme {asked.period} {themed[0].id} {asked.name} (one of {ids})"
            )
        themed = activities
    coming = [
        f"{month_names.month_name[m]} {y}"
        for y, m in months_ahead(today)
        if any(is_themed_round(a, y, m) for a in themed)
    ]
    which = ", ".join(coming) if coming else "none in the next six months"
    raise UserError(
        f"{asked.month_words}'s round isn't a themed round, so it has no theme to name. "
        f"Themed rounds coming up: {which}."
    )


def check_theme(activity: CaseAudit, name: str, tags: set[str]) -> Theme:
    """The theme `name` means for this activity: one defined under its `themes`, or a tag an
    open case carries; anything else is a clear line naming what can be named."""
    wanted = " ".join(name.split()).casefold()
    for theme in activity.themes:
        if " ".join(theme.name.split()).casefold() == wanted:
            return theme
    if wanted in {" ".join(t.split()).casefold() for t in tags}:
        return activity.theme_named(name)
    defined = ", ".join(t.name for t in activity.themes)
    shown = sorted(tags, key=str.casefold)[:TAGS_SHOWN]
    more = " …" if len(tags) > TAGS_SHOWN else ""
    options = []
    if defined:
        options.append(f"a theme in the programme ({defined})")
    if shown:
        options.append(f"a tag on open cases ({', '.join(shown)}{more})")
    can = (
        " or ".join(options)
        if options
        else "nothing yet: no theme is in the programme and no open case has a tag"
    )
    raise UserError(f"I don't know the theme '{name}'. You can name {can}.")


async def _open_cases(session: AsyncSession) -> list[CaseInfo]:
    return [
        CaseInfo(r.case_ref, r.practitioner_staff_id, r.case_type, r.opened_on,
                 frozenset(r.themes))
        for r in await allocation_inputs.load_open_cases(session)
    ]  # fmt: skip


async def _in_group(session: AsyncSession, theme: Theme, cases: list[CaseInfo]) -> int:
    """How many open cases are in the theme's group now."""
    staff = [] if not theme.services else [
        Staff(r.staff_id, r.role, r.team, r.service, r.manager_staff_id, r.fte, r.active)
        for r in await allocation_inputs.load_staff(session)
    ]  # fmt: skip
    group = theme_group(cases, theme, staff)
    return sum(1 for case in cases if group is not None and group.holds(case))


class ThemeNaming:
    """`theme PERIOD THEME` names a themed round's theme ahead; `theme` lists those coming up."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def routes(self) -> list[tuple[Selector, Handler]]:
        return [(("command", COMMAND), self.theme)]

    async def theme(self, session: AsyncSession, event: Inbound) -> Reply:
        person = await person_of(session, event.staff_id)
        require(self.deps.programme, person.role, NAME_THEMES)
        activities: list[CaseAudit] = self.deps.programme.of_kind(CaseAudit)
        today = self.deps.calendar.local_date(self.deps.clock.now())
        asked = read_command(event.text, {a.id for a in activities})
        if asked is None:
            rounds = await self._rounds_ahead(session, activities, today)
            return Reply(message=self._compose("listed", person.name, rounds=rounds))
        activity = the_activity(activities, asked, today)
        if window_for(activity, asked.year, asked.month, self.deps.calendar)[1] < today:
            raise UserError(
                f"{asked.month_words}'s round has passed, so it has no theme to name. "
                "Type theme on its own to see the themed rounds coming up."
            )
        made = await audits.find_round(session, activity.id, asked.period)
        if made is not None:
            audited = f", auditing '{made.theme}'" if made.theme else ""
            raise UserError(
                f"{asked.month_words}'s {activity.title.lower()} is already allocated{audited}, "
                "so its theme can't change now. Nothing was changed."
            )
        cases = await _open_cases(session)
        theme = check_theme(activity, asked.name, {tag for case in cases for tag in case.themes})
        now = self.deps.clock.now()
        replaced = await themes.name_theme(session, activity.id, asked.period, theme.name,
                                           by_id=person.id, now=now)  # fmt: skip
        audit_log.record(session, at=now, actor=person.staff_id, action="round.theme_named",
                         subject=f"{activity.id}:{asked.period}", theme=theme.name)  # fmt: skip
        named = self._round(activity, asked.year, asked.month, theme)
        named["replaced"] = replaced if replaced and replaced != theme.name else ""
        named["open_cases"] = await _in_group(session, theme, cases)
        return Reply(message=self._compose("named", person.name, named=named))

    async def _rounds_ahead(
        self, session: AsyncSession, activities: list[CaseAudit], today: dt.date
    ) -> list[dict[str, Any]]:
        """Each themed round from this month on, with the theme it will audit and who named it."""
        months = [
            (a, y, m)
            for y, m in months_ahead(today)
            for a in activities
            if is_themed_round(a, y, m) and window_for(a, y, m, self.deps.calendar)[1] >= today
        ]
        periods = {period_of(y, m) for _, y, m in months}
        named = await themes.named_themes(session, periods)
        made = await audits.rounds_made(session, periods)
        rounds = []
        for activity, year, month in months:
            kept = named.get((activity.id, period_of(year, month)))
            theme = round_theme(activity, year, month, kept.theme if kept else None)
            row = self._round(activity, year, month, theme)
            row["named_by"] = (kept.named_by or "") if kept else ""
            row["allocated"] = (activity.id, period_of(year, month)) in made
            rounds.append(row)
        return rounds

    def _round(
        self, activity: CaseAudit, year: int, month: int, theme: Theme | None
    ) -> dict[str, Any]:
        start, _ = window_for(activity, year, month, self.deps.calendar)
        return {
            "activity_name": activity.title,
            "month": f"{month_names.month_name[month]} {year}",
            "period": period_of(year, month),
            "theme": theme.name if theme else "",
            "group": theme.describe() if theme else "",
            "allocate_on": self.deps.calendar.add_working_days(start, -LEAD_WORKING_DAYS),
        }

    def _compose(self, outcome: str, name: str, **extra: Any) -> Message:
        context = {
            "name": first_name(name),
            "outcome": outcome,
            "named": None,
            "rounds": [],
            "example": EXAMPLE,
            **extra,
        }
        meta = {"type": f"round.theme_{outcome}"}
        return self.deps.wording.compose("round_theme", context, meta=meta)
