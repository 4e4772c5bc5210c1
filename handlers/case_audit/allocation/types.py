"""The plain data the allocation rules read and return: no database, no platform."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol


@dataclass(frozen=True, slots=True)
class Staff:
    """One person from the roster, as allocation sees them."""

    id: str
    role: str
    team: str
    service: str
    manager_id: str | None = None
    fte: float = 1.0
    active: bool = True
    away_until: dt.date | None = None


class CaseInfo(NamedTuple):
    """One case by its reference only; nothing that identifies the child. A named tuple, as a
    council's round makes tens of thousands and a frozen dataclass takes three times as long."""

    ref: str
    practitioner_id: str
    case_type: str
    opened_on: dt.date
    themes: frozenset[str] = frozenset()
    open: bool = True


@dataclass(frozen=True, slots=True)
class History:
    """When each practitioner and each case was last audited (absent means never).

    `practitioner_recorded` is when each practitioner's last audit that was actually recorded
    was due: the coverage promise counts those. None means every allocation was recorded.
    """

    practitioner_last: Mapping[str, dt.date] = field(default_factory=dict)
    case_last: Mapping[str, dt.date] = field(default_factory=dict)
    practitioner_recorded: Mapping[str, dt.date] | None = None

    def last_recorded(self, practitioner_id: str) -> dt.date | None:
        done = self.practitioner_recorded
        return (done if done is not None else self.practitioner_last).get(practitioner_id)


@dataclass(frozen=True, slots=True)
class Pair:
    """One allocated audit: who audits whose case, and why this one."""

    auditor_id: str
    practitioner_id: str
    case_ref: str
    reason: str
    lead_id: str | None = None


@dataclass(frozen=True, slots=True)
class Uncovered:
    """A practitioner (or a drawn case) left without an audit this period, and why."""

    practitioner_id: str
    reason: str
    overdue: bool = False


class Idle(NamedTuple):
    """An auditor with no case this period, and why."""

    auditor_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class Join:
    """A person who joins one allocated audit (Shropshire: the PSW with a team manager)."""

    staff_id: str
    auditor_id: str
    case_ref: str
    reason: str


@dataclass(frozen=True, slots=True)
class AllocationPlan:
    """The result for one activity and period; `skipped` says why a period has no audits."""

    activity_id: str
    year: int
    month: int
    window: tuple[dt.date, dt.date]
    theme: str | None = None
    skipped: str | None = None
    pairs: list[Pair] = field(default_factory=list)
    uncovered: list[Uncovered] = field(default_factory=list)
    idle_auditors: list[Idle] = field(default_factory=list)
    leads: dict[str, str] = field(default_factory=dict)
    joins: list[Join] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class WorkingCalendar(Protocol):
    """Says which days are working days (weekends and bank holidays are not)."""

    def is_working_day(self, day: dt.date) -> bool: ...
