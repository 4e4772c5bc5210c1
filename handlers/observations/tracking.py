"""Who is due an observation, from whom and by when: the cadence applied to the staff list.

Leavers are not tracked; people away have their clock paused; a worker with no one to observe
them (no line manager, or no manager holding the programme's observer role) is reported.

A group whose cadence binds each observer (`per: observer`, Shropshire's heads of service "at
least six-monthly") is tracked once per person holding the observer role: due every N months
from the last observation they recorded in the group, of anyone below them the group applies
to. qabot suggests whom (the one observed longest ago); the observer picks on the form. An
observer away has their clock paused (it is their own duty, so no one is nudged in their place),
and one with nobody below them to observe is reported.
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
    available,
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
Reason = Literal["left", "away", "no observer", "nobody to observe"]


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
    # `per: observer`: everyone the observer may choose from, the suggested `worker` first
    choices: tuple[Staff, ...] = ()

    @property
    def per_observer(self) -> bool:
        return self.group.per == "observer"

    @property
    def item(self) -> str:
        """The digest's snooze item for it: the worker's, or the observer's own duty."""
        if self.per_observer:
            return f"observation:{self.observer.id}"
        return f"observation:{self.worker.id}"

    @property
    def value(self) -> str:
        """What its record button carries."""
        if self.per_observer:
            return f"{self.activity.id}:{self.group.name}:by{self.observer.id}"
        return f"{self.activity.id}:{self.group.name}:{self.worker.id}"


@dataclass(frozen=True)
class Reported:
    """A worker (or, `per: observer`, an observer) the cadence does not run for as usual today,
    and why: a leaver, someone away (their clock paused), no observer, or nobody to observe."""

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
    by_observer: Recorded | None = None,
) -> Tracking:
    """Every observation the programme asks for today, and everyone it does not run for.

    `by_observer` holds the dates each observer recorded, by (activity, group, observer)."""
    result = Tracking([], [])
    for activity in activities:
        for group in activity.groups:
            if group.per == "observer":
                seen = _latest_seen(activity.id, people, recorded)
                for observer in people.values():
                    if observer.role == group.observer_role:
                        _per_observer(calendar, activity, group, observer, people, seen,
                                      by_observer or {}, tracking_since, today, result)  # fmt: skip
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
    if group.supervisors_only and not any(
        p.manager_id == worker.id and p.active for p in people.values()
    ):
        return  # supervises no one: not in the group
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


def below(people: Mapping[int, Staff], observer: Staff) -> list[Staff]:
    """Everyone whose line of management runs up to `observer`."""
    found = []
    for person in people.values():
        seen: set[int] = {person.id}
        at = person.manager_id
        while at is not None and at not in seen:
            if at == observer.id:
                found.append(person)
                break
            seen.add(at)
            above = people.get(at)
            at = above.manager_id if above is not None else None
    return found


def _latest_seen(
    activity: str, people: Mapping[int, Staff], recorded: Recorded
) -> dict[int, dt.date]:
    """When each person was last observed in any of the activity's groups (or, before qabot,
    as the roster says): who an observer with a choice is pointed to first."""
    seen = {p.id: p.last_observed for p in people.values() if p.last_observed is not None}
    for (name, _, person), dates in recorded.items():
        if name == activity and dates and dates[-1] > seen.get(person, dt.date.min):
            seen[person] = dates[-1]
    return seen


def _per_observer(
    calendar: Calendar,
    activity: ObservationActivity,
    group: ObservationGroup,
    observer: Staff,
    people: Mapping[int, Staff],
    seen: Mapping[int, dt.date],
    by_observer: Recorded,
    tracking_since: dt.date,
    today: dt.date,
    result: Tracking,
) -> None:
    """One observer's own cadence: one observation of someone below them every N months."""
    if not observer.active:
        result.reported.append(Reported(activity.id, group.name, "left", observer))
        return
    choices = [
        p for p in below(people, observer) if p.role in group.applies_to and available(p, today)
    ]
    if not choices:
        result.reported.append(Reported(activity.id, group.name, "nobody to observe", observer))
        return

    # the one observed longest ago (or never) first
    choices.sort(key=lambda p: (seen.get(p.id, dt.date.min), p.name))
    assert group.every_months is not None
    last = max(by_observer.get((activity.id, group.name, observer.id), ()), default=None)
    first = add_months(tracking_since, min(FIRST_OBSERVATION_MONTHS, group.every_months))
    due = due_every(group.every_months, last, first)
    away = observer.away_until is not None and observer.away_until >= today
    if away:
        result.reported.append(Reported(activity.id, group.name, "away", observer))
    result.tracked.append(
        Tracked(activity, group, choices[0], observer, None if away else observer,
                paused_due(calendar, due, observer.away_until), choices=tuple(choices))
    )  # fmt: skip
