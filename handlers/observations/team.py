"""Observations in each line manager's weekly picture of their team: overdue (by how long, with
the observer's snooze reason), due within four weeks, and how many are in date.

The worker's line manager hears of each observation of a worker in their team; an observer's
own cadence (`per: observer`) goes to the observer's line manager. Nothing about a family or a
case is in any line.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from handlers.observations.cadence import working_days_over
from handlers.observations.sweeps import tracking
from handlers.team_digest.sources import TeamWeek
from storage import snoozes

DUE_SOON = dt.timedelta(days=28)
REASONS_LOOK_BACK = dt.timedelta(days=14)


class ObservationTeamPicture:
    """The observations part of the weekly manager digest."""

    async def team_picture(self, week: TeamWeek) -> None:
        deps, today = week.deps, week.today
        found, _ = await tracking(deps, week.session, today)
        reasons = await snoozes.snooze_reasons(week.session, today - REASONS_LOOK_BACK)
        in_date: Counter[int] = Counter()
        late, soon = [], []
        for t in found.tracked:
            manager = (t.observer if t.per_observer else t.worker).manager_id
            if manager is None:
                continue
            snoozer = t.acting or t.observer
            if t.due < today:
                late.append((working_days_over(deps.calendar, t.due, today), manager, t,
                             reasons.get((snoozer.id, t.item))))  # fmt: skip
            elif t.due <= today + DUE_SOON:
                soon.append((t.due, manager, t))
            else:
                in_date[manager] += 1
        for days, manager, t, reason in sorted(late, key=lambda x: -x[0]):
            if t.per_observer:
                week.say(
                    manager,
                    "observations",
                    "own_observation_overdue",
                    observer_name=t.observer.name,
                    working_days=days,
                    reason=reason,
                )
            else:
                week.say(
                    manager,
                    "observations",
                    "observation_overdue",
                    practitioner_name=t.worker.name,
                    working_days=days,
                    reason=reason,
                    observer_name=t.observer.name if t.observer.id != manager else "",
                )
        for due, manager, t in sorted(soon, key=lambda x: x[0]):
            if t.per_observer:
                week.say(
                    manager,
                    "observations",
                    "own_observation_due",
                    observer_name=t.observer.name,
                    due=due,
                )
            else:
                week.say(
                    manager,
                    "observations",
                    "observation_due",
                    practitioner_name=t.worker.name,
                    due=due,
                    observer_name=t.observer.name if t.observer.id != manager else "",
                )
        for manager, count in in_date.items():
            week.say(manager, "observations", "observations_in_date", news=False, count=count)
