"""Plain-words reasons for every allocation decision (`--explain`); case references only."""

from __future__ import annotations

import datetime as dt

from handlers.case_audit.allocation.periods import months_between
from handlers.case_audit.allocation.rules import ThemeGroup
from handlers.case_audit.allocation.types import CaseInfo, History, Staff
from handlers.programme.schema import CaseAudit


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def is_overdue(activity: CaseAudit, last: dt.date | None, today: dt.date) -> bool:
    """Due under the coverage rule: never audited, or not for coverage_months or more."""
    if activity.coverage_months is None:
        return False
    return last is None or months_between(last, today) >= activity.coverage_months


def practitioner_part(activity: CaseAudit, person: Staff, history: History, today: dt.date) -> str:
    last = history.practitioner_last.get(person.id)
    text = (
        f"{person.id} never audited" if last is None else f"{person.id} last audited {last:%Y-%m}"
    )
    if is_overdue(activity, history.last_recorded(person.id), today):
        text += f" (due: every {_plural(activity.coverage_months or 0, 'month')})"
    return text


def case_part(case: CaseInfo, history: History, today: dt.date, theme: str | None) -> str:
    last = history.case_last.get(case.ref)
    if last is None:
        opened = max(months_between(case.opened_on, today), 0)
        text = f"case {case.ref} never audited, open {_plural(opened, 'month')}"
    else:
        text = f"case {case.ref} unaudited {_plural(months_between(last, today), 'month')}"
    if theme is not None:
        text += f", on this round's theme '{theme}'"
    return text


def auditor_part(auditor: Staff, person: Staff) -> str:
    where = "the same service" if auditor.service == person.service else "another service"
    return f"auditor {auditor.id} in {where}"


def pair_reason(
    activity: CaseAudit,
    person: Staff,
    case: CaseInfo,
    auditor: Staff,
    history: History,
    today: dt.date,
    theme: str | None,
) -> str:
    parts = [
        practitioner_part(activity, person, history, today),
        case_part(case, history, today, theme),
        auditor_part(auditor, person),
    ]
    if activity.allocation == "random_sample":
        parts.insert(0, f"drawn at random (sample of {activity.sample_size})")
    return "; ".join(parts)


def no_case_reason(activity: CaseAudit, cases: list[CaseInfo], group: ThemeGroup | None) -> str:
    """Why a practitioner has no case to audit this period."""
    open_cases = [c for c in cases if c.open]
    if not open_cases:
        return "no open case"
    types = activity.case_types
    if types is not None:
        open_cases = [c for c in open_cases if c.case_type in types]
        if not open_cases:
            return f"no open case of the audited types ({', '.join(types)})"
    if group is not None and not any(group.holds(c) for c in open_cases):
        return f"no open case in this round's theme '{group.theme.name}' ({group.theme.describe()})"
    months = _plural(activity.case_lookback_months, "month")
    return f"every open case was audited within the last {months}"


def unplaced_reason(could_serve: bool, pool_empty: bool, across: bool, anyone: bool) -> str:
    """Why a practitioner with an eligible case got no auditor."""
    if not anyone:
        return "no auditor has places this period (none active, present or on turn)"
    if pool_empty or could_serve:
        return "every eligible auditor is full this period (workers waiting longer went first)"
    if across:
        return (
            "independence left no auditor: none in another service and outside "
            "their line of management"
        )
    return (
        "independence left no auditor: the only auditors are themselves or in "
        "their line of management"
    )


# Why a worker is not in a round, as a kind the QA team's summary words plainly. Each is told
# apart by how the reason above (or plan.py's "on leave until …") begins; "" for any other.
_KINDS = (
    ("on leave until", "away"),
    ("no open case of the audited types", "no_case_of_type"),
    ("no open case in this round's theme", "no_case_in_theme"),
    ("no open case", "no_open_case"),
    ("every open case was audited within", "recently_audited"),
    ("no auditor has places", "no_auditor"),
    ("every eligible auditor is full", "auditors_full"),
    ("independence left no auditor: none in another service", "line_or_service"),
    ("independence left no auditor", "line_management"),
)
# The kinds where a worker had a case to audit and no auditor could be found for it.
NO_AUDITOR_KINDS = frozenset({"no_auditor", "auditors_full", "line_or_service", "line_management"})


def uncovered_kind(reason: str) -> str:
    """The kind of an uncovered worker's reason (see _KINDS)."""
    return next((kind for start, kind in _KINDS if reason.startswith(start)), "")
