"""The single-person rules: quotas, availability, independence and which case to pick."""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from handlers.case_audit.allocation.periods import months_between
from handlers.case_audit.allocation.types import CaseInfo, History, Staff
from handlers.programme.schema import (
    PRACTITIONER_ROLES,
    AuditorRule,
    CaseAudit,
    Independence,
    Theme,
)


def is_turn(rule: AuditorRule, auditor: Staff, period: int) -> bool:
    """Whether an every-N-periods auditor takes part in this period.

    A stable hash of the staff id staggers people, so bimonthly team managers split across
    alternate periods and a joiner or leaver does not shift anyone else's turn.
    """
    offset = zlib.crc32(auditor.id.encode("utf-8")) % rule.every_periods
    return period % rule.every_periods == offset


def auditor_quota(rule: AuditorRule, auditor: Staff, period_index: int) -> int:
    """Cases this auditor takes this period: the role's number weighted by FTE, at least one."""
    if not auditor.active or auditor.fte <= 0 or rule.cases == 0:
        return 0
    if not is_turn(rule, auditor, period_index):
        return 0
    return max(1, int(rule.cases * auditor.fte + 0.5))


def is_practitioner(person: Staff) -> bool:
    return person.role in PRACTITIONER_ROLES


def is_away(person: Staff, window_end: dt.date) -> bool:
    """Away for the window: their leave runs to (or past) its last day."""
    return person.away_until is not None and person.away_until >= window_end


def line_of_management(person: Staff, people: Mapping[str, Staff]) -> list[str]:
    """Every manager above this person, nearest first (a loop in the roster stops the walk)."""
    chain: list[str] = []
    manager = person.manager_id
    while manager is not None and manager != person.id and manager not in chain:
        chain.append(manager)
        above = people.get(manager)
        manager = above.manager_id if above is not None else None
    return chain


def excluded_auditors(
    practitioner: Staff, independence: Independence, people: Mapping[str, Staff]
) -> frozenset[str]:
    """Auditor ids barred from this practitioner's cases by name (service rules apply apart).

    not_line_of_management bars every manager above them in the chain (less the roles the
    programme exempts); not_line_manager bars their line manager whatever their role.
    """
    barred = {practitioner.id}
    if independence.not_line_of_management:
        exempt = independence.line_of_management_exempt
        barred.update(
            m
            for m in line_of_management(practitioner, people)
            if m not in people or people[m].role not in exempt
        )
    if independence.not_line_manager and practitioner.manager_id:
        barred.add(practitioner.manager_id)
    return frozenset(barred)


def is_independent(
    auditor: Staff,
    practitioner: Staff,
    independence: Independence,
    people: Mapping[str, Staff] | None = None,
) -> bool:
    """Every independence rule at once, for checks and tests (`people` walks the chain)."""
    if auditor.id in excluded_auditors(practitioner, independence, people or {}):
        return False
    return not (independence.across_services and auditor.service == practitioner.service)


@dataclass(frozen=True, slots=True)
class ThemeGroup:
    """A themed round's group of cases, each test a set look-up (None: that test is off)."""

    theme: Theme
    tags: frozenset[str] | None
    case_types: frozenset[str] | None
    workers: frozenset[str] | None  # practitioners in the theme's services
    refs: frozenset[str] | None

    def holds(self, case: CaseInfo) -> bool:
        if self.refs is not None:
            return case.ref in self.refs
        if self.tags is not None and case.themes.isdisjoint(self.tags):
            return False
        if self.case_types is not None and case.case_type not in self.case_types:
            return False
        return self.workers is None or case.practitioner_id in self.workers


def theme_group(
    cases: Iterable[CaseInfo], theme: Theme | None, people: Iterable[Staff] = ()
) -> ThemeGroup | None:
    """The group a theme defines over these cases; every spelling of its tags among the cases'
    tags is found once, so the per-case test is one set operation."""
    if theme is None:
        return None
    tags = None
    wanted = theme.spellings()
    if wanted:
        present = frozenset[str]().union(*(case.themes for case in cases))
        tags = frozenset(t for t in present if " ".join(t.split()).casefold() in wanted)
    services = frozenset(theme.services)
    workers = frozenset(p.id for p in people if p.service in services) if services else None
    return ThemeGroup(
        theme,
        tags,
        frozenset(theme.case_types) if theme.case_types else None,
        workers,
        frozenset(theme.case_refs) if theme.case_refs else None,
    )


def is_case_eligible(
    case: CaseInfo,
    activity: CaseAudit,
    history: History,
    today: dt.date,
    group: ThemeGroup | None,
) -> bool:
    """Open, of an audited type, in the theme's group if any, not audited within the look-back."""
    if not case.open:
        return False
    if activity.case_types is not None and case.case_type not in activity.case_types:
        return False
    if group is not None and not group.holds(case):
        return False
    last = history.case_last.get(case.ref)
    return last is None or months_between(last, today) >= activity.case_lookback_months


def best_case(
    cases: Iterable[CaseInfo],
    activity: CaseAudit,
    history: History,
    today: dt.date,
    group: ThemeGroup | None,
) -> CaseInfo | None:
    """The longest-unaudited qualifying case (never audited: longest open), or None."""
    eligible = [c for c in cases if is_case_eligible(c, activity, history, today, group)]
    if not eligible:
        return None
    return min(eligible, key=lambda c: (history.case_last.get(c.ref, c.opened_on), c.ref))
