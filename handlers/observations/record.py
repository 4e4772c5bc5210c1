"""Recording an observation: the observer's form, checked whole before anything is stored.

Anyone in the worker's line of management may record it (the observer the programme names, or
a manager above them while they are away); for a cadence that binds the observer (`per:
observer`) the observer, or a manager above them, records it and picks whom they observed. A
missing answer, a date qabot cannot read or that is still to come, or a home visit without the
family's consent (where the programme asks for it) is named in one polite line and nothing is
saved. The observation keeps the strengths seen and the areas to develop; each action line
becomes an action owned by the worker, followed by the actions tracking like an audit's. The
worker is told, with a button to add their own reflection, which qabot keeps with it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.delivery import enqueue
from handlers.core.deps import Deps
from handlers.core.parsing import parse_date, parse_id
from handlers.core.recipients import dm
from handlers.core.router import Handler, Inbound, Reply, Selector
from handlers.errors import UserError, check_form
from handlers.observations import keys, messages
from handlers.observations.cadence import add_months
from handlers.observations.ids import OPEN_RECORD, OPEN_REFLECTION, RECORD, REFLECT
from handlers.observations.messages import ACTIONS_MAX, TEXT_LENGTH
from handlers.observations.sweeps import tracking, tracking_one
from handlers.observations.tracking import Tracked
from storage import actions as shared_actions
from storage.observations import records, staff
from storage.observations.records import NewObservation
from storage.observations.staff import Staff

FORM = "observation_form"


class Observations:
    """The observer's record button and form, and the worker's reflection on it."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def routes(self) -> list[tuple[Selector, Handler]]:
        return [
            (("action", OPEN_RECORD), self.open_record),
            (("form", RECORD), self.record),
            (("action", OPEN_REFLECTION), self.open_reflection),
            (("form", REFLECT), self.reflect),
        ]

    async def open_record(self, session: AsyncSession, event: Inbound) -> Reply:
        today = self.deps.calendar.local_date(self.deps.clock.now())
        tracked, observer, _ = await _observers_own(self.deps, session, event, today)
        return Reply(message=messages.form(self.deps, tracked, observer, today))

    async def record(self, session: AsyncSession, event: Inbound) -> Reply:
        deps = self.deps
        now = deps.clock.now()
        today = deps.calendar.local_date(now)
        tracked, observer, people = await _observers_own(deps, session, event, today)
        new, actions, actions_due = _checked(deps, event, tracked, observer, today)
        if tracked.per_observer:
            done = await records.observer_dates(session, [observer.id])
            mine = done.get((new.activity, new.group, observer.id), [])
            if new.observed_on in mine:
                raise UserError("That observation is already recorded. Thank you!")
            worker = next(p for p in tracked.choices if p.id == new.observed_id)
            tracked = dataclasses.replace(tracked, worker=worker)
        else:
            done = await records.observed_dates(session, [new.observed_id])
            if new.observed_on in done.get((new.activity, new.group, new.observed_id), []):
                raise UserError("That observation is already recorded. Thank you!")
        observation_id = await records.add(session, new, now)
        if actions:
            await shared_actions.raise_actions(
                session, source="observation", source_id=observation_id,
                owner_id=new.observed_id, descriptions=actions, due_on=actions_due, now=now,
            )  # fmt: skip
        told = messages.recorded(deps, tracked, observer, observation_id, new, actions,
                                 actions_due)  # fmt: skip
        await enqueue(
            deps,
            session,
            key=keys.recorded(observation_id),
            recipient=dm(tracked.worker.staff_id),
            message=told,
            not_before=deps.calendar.next_dm_time(now, tracked.worker.away_until),
            now=now,
        )
        after, _ = await tracking(deps, session, today, only=tracked.value, people=people)
        next_due = next((t.due for t in after.tracked if t.value == tracked.value), None)
        return Reply(message=messages.saved(deps, tracked, observer, new.observed_on, next_due))

    async def open_reflection(self, session: AsyncSession, event: Inbound) -> Reply:
        found, worker = await _workers_own(session, event)
        return Reply(message=messages.reflection_form(self.deps, found, worker))

    async def reflect(self, session: AsyncSession, event: Inbound) -> Reply:
        """The observed worker's own reflection, kept with the observation (never logged)."""
        found, worker = await _workers_own(session, event)
        text = event.field("reflection").strip()
        label = self.deps.wording.label("observation_reflection_form", "field_reflection", {})
        if not text:
            raise UserError(f"Please fill in “{label}”. Nothing has been saved yet.")
        if len(text) > TEXT_LENGTH:
            raise UserError(
                f"“{label}” is kept to {TEXT_LENGTH} characters; yours has {len(text)}. "
                "Nothing has been saved yet."
            )
        await records.reflect(session, found.id, text, self.deps.clock.now())
        return Reply(message=messages.reflection_saved(self.deps, found, worker))


async def _workers_own(session: AsyncSession, event: Inbound) -> tuple[records.Stored, Staff]:
    """The observation the button names, if the person clicking is the one observed."""
    found = await records.one(session, parse_id(event.value, "observation"))
    worker = await staff.by_staff_id(session, event.staff_id)
    if found is None or worker is None or worker.id != found.observed_id:
        raise UserError("Only the person observed can add their reflection to an observation.")
    return found, worker


async def _observers_own(
    deps: Deps, session: AsyncSession, event: Inbound, today: dt.date
) -> tuple[Tracked, Staff, dict[int, Staff]]:
    """The observation the button names, if the person clicking may record it (and the staff
    list read for it)."""
    found, people = await tracking_one(deps, session, today, event.value, event.staff_id)
    tracked = next((t for t in found.tracked if t.value == event.value), None)
    if tracked is None:
        raise UserError(
            "I can't find that observation any more: it may be recorded already, or the "
            "person may have moved on. Your QA team can help."
        )
    clicker = next((p for p in people.values() if p.staff_id == event.staff_id), None)
    if tracked.per_observer:  # their own duty: they record it, or a manager above them
        allowed = clicker is not None and (
            clicker.id == tracked.observer.id or _manages(people, clicker, tracked.observer)
        )
    else:
        allowed = clicker is not None and _manages(people, clicker, tracked.worker)
    if clicker is None or not clicker.active or not allowed:
        raise UserError(
            f"Only {tracked.observer.name} or a manager above them can record this observation."
        )
    return tracked, clicker, people


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
) -> tuple[NewObservation, list[str], dt.date]:
    """Every answer checked before anything is stored: the observation, its actions and their
    date."""
    context = {
        "name": observer.name,
        "practitioner_name": tracked.worker.name,
        "family_consent": tracked.activity.family_consent,
        "per_observer": tracked.per_observer,
    }

    def label(block: str) -> str:
        return deps.wording.label(FORM, f"field_{block}", context)

    errors: dict[str, str] = {}
    observed_id = tracked.worker.id
    if tracked.per_observer:
        chosen = event.field("observed").strip()
        worker = next((p for p in tracked.choices if p.staff_id == chosen), None)
        if worker is not None:
            observed_id = worker.id
        elif chosen:
            errors["observed"] = f"Please choose “{label('observed')}” from the list."
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
    strengths = event.field("strengths").strip()
    areas = event.field("areas").strip()
    for name, text in (("strengths", strengths), ("areas", areas)):
        if len(text) > TEXT_LENGTH:
            errors[name] = f"This is kept to {TEXT_LENGTH} characters; yours has {len(text)}."
    actions = [line.strip(" -•*\t") for line in event.field("actions").splitlines()]
    actions = [line for line in actions if line]
    if len(actions) > ACTIONS_MAX:
        errors["actions"] = (
            f"This takes up to {ACTIONS_MAX} actions, one a line; yours has {len(actions)}."
        )
    elif any(len(line) > TEXT_LENGTH for line in actions):
        errors["actions"] = f"Each action is kept to {TEXT_LENGTH} characters."
    due_text = event.field("actions_due").strip()
    actions_due = parse_date(due_text)
    if due_text and actions_due is None:
        errors["actions_due"] = f"I couldn't read {due_text!r} as a date: try 12/02/2027."
    elif actions and actions_due is None:
        errors["actions_due"] = "Please say when the actions are due."
    elif actions_due is not None and actions_due <= today:
        errors["actions_due"] = "This needs to be a day still to come."
    check_form(messages.form(deps, tracked, observer, today), dict(event.fields), errors)
    assert observed_on is not None
    new = NewObservation(
        activity=tracked.activity.id,
        group=tracked.group.name,
        observed_id=observed_id,
        observer_id=observer.id,
        observed_on=observed_on,
        setting=setting,
        family_consent=consent,
        strengths=strengths,
        areas=areas,
    )
    return new, actions, actions_due or add_months(today, 1)
