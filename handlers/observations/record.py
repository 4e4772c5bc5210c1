"""Recording an observation: the observer's form, checked whole before anything is stored.

Anyone in the worker's line of management may record it (the observer the programme names, or
a manager above them while they are away). A missing answer, a date qabot cannot read or that is
still to come, or a home visit without the family's consent (where the programme asks for it) is
named in one polite line and nothing is saved. The worker is told once it is recorded.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.delivery import enqueue
from handlers.core.deps import Deps
from handlers.core.parsing import parse_date
from handlers.core.recipients import dm
from handlers.core.router import Handler, Inbound, Reply, Selector
from handlers.errors import UserError, check_form
from handlers.observations import keys, messages
from handlers.observations.ids import OPEN_RECORD, RECORD
from handlers.observations.sweeps import tracking
from handlers.observations.tracking import Tracked
from storage.observations import records
from storage.observations.records import NewObservation
from storage.observations.staff import Staff

FORM = "observation_form"


class Observations:
    """The observer's record button and form."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def routes(self) -> list[tuple[Selector, Handler]]:
        return [(("action", OPEN_RECORD), self.open_record), (("form", RECORD), self.record)]

    async def open_record(self, session: AsyncSession, event: Inbound) -> Reply:
        today = self.deps.calendar.local_date(self.deps.clock.now())
        tracked, observer = await _observers_own(self.deps, session, event, today)
        return Reply(message=messages.form(self.deps, tracked, observer, today))

    async def record(self, session: AsyncSession, event: Inbound) -> Reply:
        deps = self.deps
        now = deps.clock.now()
        today = deps.calendar.local_date(now)
        tracked, observer = await _observers_own(deps, session, event, today)
        new = _checked(deps, event, tracked, observer, today)
        done = await records.observed_dates(session)
        if new.observed_on in done.get((new.activity, new.group, new.observed_id), []):
            raise UserError("That observation is already recorded. Thank you!")
        observation_id = await records.add(session, new, now)
        told = messages.recorded(deps, tracked, observer, new.observed_on, new.note)
        await enqueue(
            deps,
            session,
            key=keys.recorded(observation_id),
            recipient=dm(tracked.worker.staff_id),
            message=told,
            not_before=deps.calendar.next_dm_time(now, tracked.worker.away_until),
            now=now,
        )
        after, _ = await tracking(deps, session, today)
        next_due = next((t.due for t in after.tracked if t.value == tracked.value), None)
        return Reply(message=messages.saved(deps, tracked, observer, new.observed_on, next_due))


async def _observers_own(
    deps: Deps, session: AsyncSession, event: Inbound, today: dt.date
) -> tuple[Tracked, Staff]:
    """The observation the button names, if the person clicking may record it."""
    found, people = await tracking(deps, session, today)
    tracked = next((t for t in found.tracked if t.value == event.value), None)
    if tracked is None:
        raise UserError(
            "I can't find that observation any more: it may be recorded already, or the "
            "person may have moved on. Your QA team can help."
        )
    clicker = next((p for p in people.values() if p.staff_id == event.staff_id), None)
    if clicker is None or not clicker.active or not _manages(people, clicker, tracked.worker):
        raise UserError(
            f"Only {tracked.observer.name} or a manager above them can record this observation."
        )
    return tracked, clicker


def _manages(people: dict[int, Staff], manager: Staff, worker: Staff) -> bool:
    seen: set[int] = set()
    at = worker.manager_id
    while at is not None and at not in seen:
        if at == manager.id:
            return True
        seen.add(at)
        above = people.get(at)
        at = above.manager_id if above is not None else None
    return False


def _checked(
    deps: Deps, event: Inbound, tracked: Tracked, observer: Staff, today: dt.date
) -> NewObservation:
    """Every answer checked before anything is stored."""
    context = {
        "name": observer.name,
        "practitioner_name": tracked.worker.name,
        "family_consent": tracked.activity.family_consent,
    }

    def label(block: str) -> str:
        return deps.wording.label(FORM, f"field_{block}", context)

    errors: dict[str, str] = {}
    day_text = event.field("observed_on").strip()
    observed_on = parse_date(day_text)
    if day_text and observed_on is None:
        errors["observed_on"] = f"I couldn't read {day_text!r} as a date: try 12/02/2027."
    elif observed_on is not None and observed_on > today:
        errors["observed_on"] = "This date is still to come."
    setting = event.field("setting").strip()
    consent = event.field("consent").strip() or ("" if tracked.activity.family_consent else "na")
    if tracked.activity.family_consent and setting == "home_visit" and consent != "yes":
        errors["consent"] = (
            f"A home visit is observed only with the family's agreement, so “{label('consent')}” "
            "needs to be yes."
        )
    note = event.field("note").strip()
    check_form(messages.form(deps, tracked, observer, today), dict(event.fields), errors)
    assert observed_on is not None
    return NewObservation(
        activity=tracked.activity.id,
        group=tracked.group.name,
        observed_id=tracked.worker.id,
        observer_id=observer.id,
        observed_on=observed_on,
        setting=setting,
        family_consent=consent,
        note=note,
    )
