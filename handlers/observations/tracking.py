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


def track(
    calendar: Calendar,
    activities: Sequence[ObservationActivity],
    people: Mapping[int, Staff],
    recorded: Recorded,
    today: dt.date,
    tracking_since: dt.date,
    by_observer: Recorded | None = None,
    only: str | None = None,
) -> Tracking:
    """Every observation the programme asks for today, and everyone it does not run for.

    `by_observer` holds the dates each observer recorded, by (activity, group, observer).
    `only` (a tracked `value`) narrows the work to the one observation a button names: what is
    tracked for it is the same as in the full run; nothing is reported."""
    result = Tracking([], [])
    supervisors = {p.manager_id for p in people.values() if p.active and p.manager_id is not None}
    reports: dict[int, list[Staff]] = {}
    for person in people.values():
        if person.manager_id is not None:
            reports.setdefault(person.manager_id, []).append(person)
    # who acts for an observer today is the same for each of the thousands they observe
    acting_for: dict[int, Staff | None] = {}
    for activity in activities:
        asye_names = {g.name for g in activity.groups if g.asye}
        for group in activity.groups:
            prefix = f"{activity.id}:{group.name}:"
            if only is not None and not only.startswith(prefix):
                continue
            if group.per == "observer":
                seen = _latest_seen(activity.id, people, recorded)
                observers = _named(people, only[len(prefix) :], "by") if only else people.values()
                for observer in observers:
                    if observer.role == group.observer_role:
                        _per_observer(calendar, activity, group, observer, people, reports, seen,
                                      by_observer or {}, tracking_since, today, result)  # fmt: skip
                continue
            names = ({group.name} | asye_names) if not group.asye else {group.name}
            first = (
                add_months(tracking_since, min(FIRST_OBSERVATION_MONTHS, group.every_months))
                if group.every_months is not None
                else None
            )
            workers = _named(people, only[len(prefix) :], "") if only else people.values()
            roles = group.applies_to
            # the group's roles first: most of the staff list is in some other group
            for worker in [w for w in workers if w.role in roles]:
                if group.supervisors_only and worker.id not in supervisors:
                    continue  # supervises no one: not in the group
                _one(calendar, activity, group, worker, people, recorded, today, names, first,
                     result, acting_for)  # fmt: skip
    if only is not None:
        result.reported.clear()
    return result


def _named(people: Mapping[int, Staff], rest: str, tag: str) -> list[Staff]:
    """The one person a tracked value's last part names (`<id>`, or `by<id>`), if any."""
    named = _named_id(rest, tag)
    found = people.get(named) if named is not None else None
    return [found] if found is not None else []


def _named_id(rest: str, tag: str) -> int | None:
    if not rest.startswith(tag) or not rest[len(tag) :].isdigit():
        return None
    return int(rest[len(tag) :])


def named_by(activities: Sequence[ObservationActivity], only: str) -> list[tuple[int, bool]]:
    """Whom a tracked value names, as `track` reads it: each person's id, and whether it is an
    observer's own cadence (`per: observer`), whose choices are everyone below them."""
    found = []
    for activity in activities:
        for group in activity.groups:
            prefix = f"{activity.id}:{group.name}:"
            if only.startswith(prefix):
                per_observer = group.per == "observer"
                named = _named_id(only[len(prefix) :], "by" if per_observer else "")
                if named is not None:
                    found.append((named, per_observer))
    return found


def _one(
    calendar: Calendar,
    activity: ObservationActivity,
    group: ObservationGroup,
    worker: Staff,
    people: Mapping[int, Staff],
    recorded: Recorded,
    today: dt.date,
    names: set[str],
    first: dt.date | None,
    result: Tracking,
    acting_for: dict[int, Staff | None],
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
    if group.asye:
        assert group.at_months is not None and worker.asye_start is not None
        done = recorded.get((activity.id, group.name, worker.id), [])
        asye_due = due_asye(group.at_months, worker.asye_start, done)
        if asye_due is None:
            return
        due, number = asye_due, which_asye(group.at_months, worker.asye_start, asye_due)
    else:
        assert group.every_months is not None and first is not None
        dates = [d for name in names for d in recorded.get((activity.id, name, worker.id), ())]
        if worker.last_observed is not None:
            dates.append(worker.last_observed)
        due, number = due_every(group.every_months, max(dates, default=None), first), None
    if worker.away_until is not None and worker.away_until >= today:
        result.reported.append(Reported(activity.id, group.name, "away", worker))
    if observer.id not in acting_for:
        acting_for[observer.id] = up_from(people, observer.id, today)
    acting = acting_for[observer.id]
    result.tracked.append(
        Tracked(activity, group, worker, observer, acting,
                paused_due(calendar, due, worker.away_until), number)
    )  # fmt: skip


def below(people: Mapping[int, Staff], observer: Staff) -> list[Staff]:
    """Everyone whose line of management runs up to `observer`."""
    reports: dict[int, list[Staff]] = {}
    for person in people.values():
        if person.manager_id is not None:
            reports.setdefault(person.manager_id, []).append(person)
    return _below(people, reports, observer)


def _below(
    people: Mapping[int, Staff], reports: Mapping[int, list[Staff]], observer: Staff
) -> list[Staff]:
    """`below`, walking down from the observer through who reports to whom (each person once,
    in the staff list's order)."""
    found: set[int] = set()
    stack = [observer.id]
    while stack:
        for person in reports.get(stack.pop(), ()):
            if person.id not in found and person.id != observer.id:
                found.add(person.id)
                stack.append(person.id)
    return [p for p in people.values() if p.id in found]


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
    reports: Mapping[int, list[Staff]],
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
        p
        for p in _below(people, reports, observer)
        if p.role in group.applies_to and available(p, today)
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
