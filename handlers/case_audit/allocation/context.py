"""The indexes one allocation run shares: people by id, cases by practitioner, seeded ranks."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from dataclasses import dataclass

from handlers.case_audit.allocation.explain import is_overdue
from handlers.case_audit.allocation.rules import ThemeGroup, theme_group
from handlers.case_audit.allocation.types import CaseInfo, History, Staff
from handlers.programme.schema import CaseAudit, Theme


@dataclass(frozen=True, slots=True)
class Context:
    """Inputs sorted and indexed once, so every rule below is a dictionary look-up."""

    activity: CaseAudit
    history: History
    today: dt.date
    window: tuple[dt.date, dt.date]
    theme: str | None
    group: ThemeGroup | None
    seed: int | str
    people: dict[str, Staff]
    all_cases: list[CaseInfo]
    cases_of: dict[str, list[CaseInfo]]
    ranks: dict[str, int]

    def is_overdue(self, person: Staff) -> bool:
        return is_overdue(self.activity, self.history.last_recorded(person.id), self.today)

    def priority(self, person: Staff) -> tuple[dt.date, int]:
        """Never audited first, then the longest since last audited; the seed breaks ties."""
        return (self.history.practitioner_last.get(person.id, dt.date.min), self.ranks[person.id])


def build_context(
    activity: CaseAudit,
    staff: Iterable[Staff],
    cases: Iterable[CaseInfo],
    history: History,
    today: dt.date,
    window: tuple[dt.date, dt.date],
    theme: Theme | None,
    seed: int | str,
) -> Context:
    """Sort every input by id first, so the plan depends on the seed and not on input order."""
    people = {p.id: p for p in sorted(staff, key=lambda p: p.id)}
    all_cases = sorted(cases, key=lambda c: c.ref)
    cases_of: dict[str, list[CaseInfo]] = {}
    for case in all_cases:
        cases_of.setdefault(case.practitioner_id, []).append(case)
    order = list(people)
    random.Random(f"{seed}:ranks").shuffle(order)
    ranks = {staff_id: i for i, staff_id in enumerate(order)}
    return Context(
        activity,
        history,
        today,
        window,
        theme.name if theme is not None else None,
        theme_group(all_cases, theme, people.values()),
        seed,
        people,
        all_cases,
        cases_of,
        ranks,
    )
