"""What a capability offers the weekly manager digest: lines about a manager's team.

Every capability with something a line manager should see each week (observations in date, due
and overdue; audits, reflections and actions outstanding) implements `TeamPictureSource`. The
weekly job asks each source once, with one `TeamWeek` they share, and sends each manager one
message. A line never carries a case reference: it is about people and counts, not cases.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.calendar import Calendar
from handlers.core.deps import Deps

Topic = Literal["observations", "audits", "reflections", "actions"]
TOPICS: tuple[Topic, ...] = ("observations", "audits", "reflections", "actions")


@dataclass
class TeamWeek:
    """One run of the weekly digest: the day, and each manager's lines by topic."""

    deps: Deps
    session: AsyncSession
    today: dt.date
    lines: dict[int, dict[Topic, list[str]]] = field(default_factory=dict)
    news: set[int] = field(default_factory=set)  # managers with something beyond "all in date"
    only: int | None = None  # one manager's picture (their My QA), the others' lines dropped

    @property
    def calendar(self) -> Calendar:
        return self.deps.calendar

    def add(self, manager_id: int, topic: Topic, line: str, *, news: bool = True) -> None:
        """A line for the manager (by person id) under one topic. A line that is not news
        ("4 observations in date") goes out only beside one that is."""
        if self.only is not None and manager_id != self.only:
            return
        self.lines.setdefault(manager_id, {}).setdefault(topic, []).append(line)
        if news:
            self.news.add(manager_id)

    def say(
        self, manager_id: int, topic: Topic, block: str, *, news: bool = True, **context: Any
    ) -> None:
        """A line in the digest template's words (its `line_<block>` block)."""
        text = self.deps.wording.label("team_digest", f"line_{block}", context)
        self.add(manager_id, topic, text, news=news)


class TeamPictureSource(Protocol):
    """A capability's part of each line manager's weekly picture of their team."""

    async def team_picture(self, week: TeamWeek) -> None:
        """Add to `week` what each line manager should know about their team."""
        ...
