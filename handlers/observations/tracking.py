"""Who is due an observation, from whom and by when: the cadence applied to the staff list.

Leavers are not tracked; people away have their clock paused; a worker with no one to observe
them (no line manager, or no manager holding the programme's observer role) is reported. Groups
whose cadence binds each observer (`per: observer`) are reported as not run yet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from handlers.core.calendar import Calendar
from handlers.observations.cadence import (
    add_months,
    applies,
    due_asye,
    due_every,
    in_asye_year,
    nominal_observer,
    paused_due,
    up_from,
    which_asye,
)
from handlers.programme.schema import ObservationActivity, ObservationGroup
from storage.observations.records import Recorded
from storage.observations.staff import Staff

# Someone with no observation on record is due one within a quarter of qabot having the staff
# list (sooner if their cadence is shorter): soon, but not everyone on the first day.
FIRST_OBSERVATION_MONTHS = 3
Reason = Literal["left", "away", "no observer", "per observer"]


@dataclass(frozen=True)
class Tracked:
    """One observation to come: the worker, whom the programme names and who acts today."""

    activity: ObservationActivity
    group: ObservationGroup
    worker: Staff
    observer: Staff  # whom the programme names
    acting: Staff | None  # who hears about it today: the observer, or above them while away
    due: dt.date  # the clock paused while the worker is away
    asye_number: int | None = None  # which of the ASYE year's observations

    @property
    def item(self) -> str:
        """The digest's snooze item for it."""
        return f"observation:{self.worker.id}"

    @property
    def value(self) -> str:
        """What its record button carries."""
        return f"{self.activity.id}:{self.group.name}:{self.worker.id}"


@dataclass(frozen=True)
class Reported:
    """A worker (or a whole group) the cadence does not run for as usual today, and why: a
    leaver, someone away (their clock paused), no observer, or a cadence not run yet."""

    activity: str
    group: str
    reason: Reason
    worker: Staff | None = None


@dataclass
class Tracking:
    tracked: list[Tracked]
    reported: list[Reported]

    def counts(self) -> dict[str, int]:
        found = {"tracked": len(self.tracked)}
        for u in self.reported:
            found[u.reason] = found.get(u.reason, 0) + 1
        return found


def last_observed(
    activity: str, group: ObservationGroup, worker: Staff, recorded: Recorded,
    groups: Sequence[ObservationGroup],
) -> dt.date | None:  # fmt: skip
    """The latest observation that counts for the group: the roster's date or one recorded in
    this group (or, for an experienced worker, in their ASYE year)."""
    names = {group.name} | ({g.name for g in groups if g.asye} if not group.asye else set())
    dates = [d for name in names for d in recorded.get((activity, name, worker.id), ())]
    if worker.last_observed is not None and not group.asye:
        dates.append(worker.last_observed)
    return max(dates, default=None)


def due_on(
    activity: ObservationActivity,
    group: ObservationGroup,
    worker: Staff,
    recorded: Recorded,
    tracking_since: dt.date,
) -> tuple[dt.date, int | None] | None:
    """The next due date for one worker in one group (and which ASYE observation it is); None
    when the ASYE year's observations are all recorded."""
    if group.asye:
        assert group.at_months is not None and worker.asye_start is not None
        done = recorded.get((activity.id, group.name, worker.id), [])
        due = due_asye(group.at_months, worker.asye_start, done)
        if due is None:
            return None
        return due, which_asye(group.at_months, worker.asye_start, due)
    assert group.every_months is not None
    last = last_observed(activity.id, group, worker, recorded, activity.groups)
    first = add_months(tracking_since, min(FIRST_OBSERVATION_MONTHS, group.every_months))
    return due_every(group.every_months, last, first), None


def track(
    calendar: Calendar,
    activities: Sequence[ObservationActivity],
    people: Mapping[int, Staff],
    recorded: Recorded,
    today: dt.date,
    tracking_since: dt.date,
) -> Tracking:
    """Every observation the programme asks for today, and everyone it does not run for."""
    result = Tracking([], [])
    for activity in activities:
        for group in activity.groups:
            if group.per == "observer":
                result.reported.append(Reported(activity.id, group.name, "per observer"))
                continue
            for worker in people.values():
                _one(calendar, activity, group, worker, people, recorded, today, tracking_since,
                     result)  # fmt: skip
    return result


def _one(
    calendar: Calendar,
    activity: ObservationActivity,
    group: ObservationGroup,
    worker: Staff,
    people: Mapping[int, Staff],
    recorded: Recorded,
    today: dt.date,
    tracking_since: dt.date,
    result: Tracking,
) -> None:
    if not applies(group, worker.role, worker.asye_start, today):
        return
    if group.asye and not in_asye_year(worker.asye_start, today):
        return
    if not worker.active:
        result.reported.append(Reported(activity.id, group.name, "left", worker))
        return
    observer = nominal_observer(people, worker, group)
    if observer is None:
        result.reported.append(Reported(activity.id, group.name, "no observer", worker))
        return
    found = due_on(activity, group, worker, recorded, tracking_since)
    if found is None:
        return
    due, number = found
    if worker.away_until is not None and worker.away_until >= today:
        result.reported.append(Reported(activity.id, group.name, "away", worker))
    acting = up_from(people, observer.id, today)
    result.tracked.append(
        Tracked(activity, group, worker, observer, acting,
                paused_due(calendar, due, worker.away_until), number)
    )  # fmt: skip
