"""Escalation to a line manager, fairly and inside the noise budget.

An audit not recorded, or an action still open, some working days past its date is raised with
the person's manager, privately, as a section of the manager's one message of the day (never a
message of its own). It is raised only after the person's own reminder about it was delivered
and they had a whole working day after that to act, and once per due date: the audit log keeps
each escalation ("audit.escalated" / "action.escalated", subject "<kind>:<id>@<due date>"). A
leaver's items, which no reminder reaches any more, go to their manager without that wait.

The manager's buttons: ask after it (a gentle word to the person), give a week more (the due date
moves on; if it is still open well past the new date it may be raised once more), or take it on
(never raised again), or reassign it to someone else, chosen in a people picker (reassign.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.case_audit import keys
from handlers.case_audit.actions import source_of
from handlers.case_audit.ids import (
    ACTION_DONE,
    ESCALATION_ASK,
    ESCALATION_EXTEND,
    ESCALATION_REASSIGN,
    ESCALATION_TAKE,
    OPEN_RECORD,
)
from handlers.case_audit.messages import (
    action_activity,
    audit_meta,
    case_audit,
    meeting_context,
    term,
)
from handlers.core.calendar import Calendar
from handlers.core.delivery import enqueue
from handlers.core.deps import Deps
from handlers.core.parsing import first_name
from handlers.core.recipients import dm
from handlers.core.router import Handler, Inbound, Reply, Selector
from handlers.errors import UserError
from handlers.programme.schema import CaseAudit
from handlers.reminders.fair import (
    Item,
    delivered_by_person,
    escalation_subject,
    meta_type,
    reminded_in_time,
)
from handlers.reminders.ids import WHY
from handlers.reminders.sources import ReminderDay
from message_templates.model import Button, Message
from storage.case_audit import audits
from storage.case_audit import escalations as records
from storage.case_audit import followups as audit_followups
from storage.case_audit import people as audit_people
from storage.case_audit.audits import AllocationView
from storage.case_audit.followups import OpenAction
from storage.case_audit.people import PersonRef

EXTEND_WORKING_DAYS = 5
ESCALATED = ("audit.escalated", "action.escalated")
TAKEN = "escalation.taken"
_REMINDER_OF = {"audit": "audit.reminder", "action": "action.reminder"}
_ID_OF = {"audit": "allocation_id", "action": "action_id"}


def about(item: str) -> Callable[[Item], bool]:
    """Picks out a delivered reminder about `item` ("audit:12", "action:5")."""
    kind, _, number = item.partition(":")
    wanted_type, id_field = _REMINDER_OF[kind], _ID_OF[kind]
    return lambda i: meta_type(i) == wanted_type and str(i.get("meta", {}).get(id_field)) == number


def fair_due(calendar: Calendar, today: dt.date, due: dt.date) -> dt.date:
    """The due date of an item given to someone new: its own when that leaves them a working
    week, else a working week from today (what the manager's "extend" gives)."""
    return max(due, calendar.add_working_days(today, EXTEND_WORKING_DAYS))


@dataclass(frozen=True)
class _Candidate:
    item: str  # "audit:12" or "action:5"
    due: dt.date
    owner: PersonRef
    over: int


class CaseAuditEscalations:
    """The audit cycle's escalations in each manager's one message of the day."""

    snoozable: tuple[str, ...] = ()
    why_types: tuple[str, ...] = ESCALATED

    async def due_today(self, day: ReminderDay) -> None:
        deps, session, calendar, today = day.deps, day.session, day.calendar, day.today
        activities = {a.id: a for a in deps.programme.of_kind(CaseAudit)}
        views = await _past_limit(deps, session, activities, today)
        actions = await audit_followups.open_actions(session, due_before=today,
                                                     unsent="action.escalated:")  # fmt: skip
        candidates: list[tuple[_Candidate, Any]] = []
        for view in views:
            activity = activities.get(view.activity)
            limit = activity.record_reminders.escalate_after_working_days if activity else None
            over = calendar.working_days_between(view.due_on, today)
            if limit is not None and over >= limit:
                candidate = _Candidate(f"audit:{view.id}", view.due_on, view.auditor, over)
                candidates.append((candidate, view))
        tracked = action_activity(deps.programme)
        limit = tracked.reminders.escalate_after_working_days if tracked else None
        for action, owner in actions:
            over = calendar.working_days_between(action.due_on, today)
            if limit is not None and over >= limit:
                candidates.append((_Candidate(f"action:{action.id}", action.due_on, owner, over),
                                   action))  # fmt: skip
        candidates = [(c, row) for c, row in candidates if c.owner.manager_id is not None]
        if not candidates:
            return
        subjects = {s for c, _ in candidates for s in (c.item, escalation_subject(c.item, c.due))}
        done = await records.recorded(session, (*ESCALATED, TAKEN), subjects)
        candidates = [
            (c, row)
            for c, row in candidates
            if c.item not in done and escalation_subject(c.item, c.due) not in done
        ]
        if not candidates:
            return
        delivered = await delivered_by_person(
            session, calendar, {c.owner.staff_id for c, _ in candidates}, today
        )
        managers = await audit_people.people_by_id(
            session, {c.owner.manager_id for c, _ in candidates if c.owner.manager_id}
        )
        refs = await audit_followups.action_case_refs(
            session, {row.source_id for c, row in candidates if isinstance(row, OpenAction)}
        )
        for candidate, row in candidates:
            manager = managers.get(candidate.owner.manager_id or 0)
            mine = delivered.get(candidate.owner.staff_id, [])
            if manager is None:
                continue
            # a leaver can't be reminded any more: their manager hears without waiting for it
            if candidate.owner.active and not reminded_in_time(
                calendar, mine, about(candidate.item), today
            ):
                continue
            # why the person snoozed it, if they said: their manager hears it with the item
            why = day.reason(candidate.owner.id, candidate.item)
            if isinstance(row, OpenAction):
                source = source_of(row, refs)
                compose = partial(action_escalated, deps, row, candidate.owner, manager, source,
                                  candidate.over, why)  # fmt: skip
            else:
                compose = partial(audit_escalated, deps, row, manager, candidate.over, why)
            on_queued = partial(_record_escalation, deps, session, candidate, manager)
            day.add(manager, compose, on_queued)


async def _past_limit(
    deps: Deps, session: AsyncSession, activities: dict[str, CaseAudit], today: dt.date
) -> list[AllocationView]:
    """The unrecorded audits not yet escalated that are as far past due as their activity's
    escalation waits (the rest of an overdue year's pile is read only as far as its dates)."""
    found = await audits.due_allocations(session, statuses=("allocated",), due_before=today,
                                         unsent="audit.escalated:")  # fmt: skip
    wanted = []
    for due in found:
        activity = activities.get(due.activity)
        limit = activity.record_reminders.escalate_after_working_days if activity else None
        if limit is not None and deps.calendar.working_days_between(due.due_on, today) >= limit:
            wanted.append(due.id)
    return await audits.allocations(session, ids=wanted) if wanted else []


async def _record_escalation(
    deps: Deps, session: AsyncSession, candidate: _Candidate, manager: PersonRef
) -> None:
    kind = candidate.item.partition(":")[0]
    records.record(session, at=deps.clock.now(), actor="qabot", action=f"{kind}.escalated",
                   subject=escalation_subject(candidate.item, candidate.due),
                   manager=manager.staff_id, owner=candidate.owner.staff_id)  # fmt: skip


def _buttons(deps: Deps, name: str, context: dict[str, Any], item: str) -> tuple[Button, ...]:
    def label(block: str) -> str:
        return deps.wording.label(name, block, context)

    return (
        Button(label("button_ask"), ESCALATION_ASK, item, "primary"),
        Button(label("button_extend"), ESCALATION_EXTEND, item),
        Button(label("button_reassign"), ESCALATION_REASSIGN, item),
        Button(label("button_take"), ESCALATION_TAKE, item),
        Button(label("button_why"), WHY, name.replace("_", ".")),
    )


def audit_escalated(
    deps: Deps,
    view: AllocationView,
    manager: PersonRef,
    working_days: int,
    snooze_reason: str | None = None,
) -> Message:
    """To the auditor's manager: the audit not recorded, in the programme's word for it, and
    the day the auditor and the worker were to meet when they agreed one."""
    name = "audit_escalated"
    context = {
        "snooze_reason": snooze_reason or "",
        "name": first_name(manager.name),
        "auditor_name": view.auditor.name,
        "practitioner_name": view.practitioner.name,
        "case_ref": view.case_ref,
        "audit": term(case_audit(deps.programme, view.activity)),
        "due": view.due_on,
        "working_days": working_days,
        **meeting_context(view),
    }
    buttons = _buttons(deps, name, context, f"audit:{view.id}")
    meta = audit_meta("audit.escalated", view, manager=manager.staff_id)
    return deps.wording.compose(name, context, buttons=buttons, meta=meta)


def action_escalated(
    deps: Deps,
    action: OpenAction,
    owner: PersonRef,
    manager: PersonRef,
    source: str,
    days: int,
    snooze_reason: str | None = None,
) -> Message:
    name = "action_escalated"
    context = {
        "snooze_reason": snooze_reason or "",
        "name": first_name(manager.name),
        "owner_name": owner.name,
        "description": action.description,
        "source": source,
        "due": action.due_on,
        "working_days": days,
    }
    buttons = _buttons(deps, name, context, f"action:{action.id}")
    meta = {
        "type": "action.escalated",
        "action_id": action.id,
        "owner": owner.staff_id,
        "due": action.due_on.isoformat(),
        "flagged": action.flagged,
        "manager": manager.staff_id,
    }
    return deps.wording.compose(name, context, buttons=buttons, meta=meta)


@dataclass(frozen=True)
class _Item:
    """An escalated item as its manager's buttons find it."""

    item: str
    owner: PersonRef
    due: dt.date
    about: str  # "the audit of C-000123"
    view: AllocationView | None = None
    action: OpenAction | None = None


class Escalations:
    """The manager's buttons on an escalation: ask them, give more time, or take it on."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def routes(self) -> list[tuple[Selector, Handler]]:
        return [
            (("action", ESCALATION_ASK), self.ask),
            (("action", ESCALATION_EXTEND), self.extend),
            (("action", ESCALATION_TAKE), self.take),
        ]

    async def _find(self, session: AsyncSession, event: Inbound) -> tuple[_Item, PersonRef]:
        """The item the button is about and the manager tapping it, who must be its owner's."""
        kind, _, number = event.value.partition(":")
        if kind not in _REMINDER_OF or not number.isdigit():
            raise UserError("I couldn't tell which item that was. Please use its button.")
        found: _Item | None = None
        if kind == "audit":
            view = await audits.allocation(session, int(number))
            if view is not None and view.status == "allocated":
                audit = term(case_audit(self.deps.programme, view.activity))
                about = f"the {audit} of {view.case_ref}"
                found = _Item(event.value, view.auditor, view.due_on, about, view=view)
        else:
            row = await audit_followups.action(session, int(number))
            if row is not None and row[1] == "open":
                action = row[0]
                refs = await audit_followups.action_case_refs(session, {action.source_id})
                owners = await audit_people.people_by_id(session, {action.owner_id})
                owner = owners.get(action.owner_id)
                about = f"the action from {source_of(action, refs)}"
                if owner is not None:
                    found = _Item(event.value, owner, action.due_on, about, action=action)
        if found is None:
            raise UserError("That's already done or closed, so there's nothing to do. Thank you!")
        manager = await audit_people.person_by_staff_id(session, event.staff_id)
        if manager is None or manager.id != found.owner.manager_id:
            raise UserError("Only their line manager can do that.")
        return found, manager

    async def find(self, session: AsyncSession, event: Inbound) -> tuple[_Item, PersonRef]:
        """The escalated item a button or form names, and its owner's manager who acts on it."""
        return await self._find(session, event)

    def answer(self, outcome: str, item: _Item, manager: PersonRef, due: dt.date,
               to_name: str = "") -> Reply:  # fmt: skip
        return self._answer(outcome, item, manager, due, to_name)

    def log(self, session: AsyncSession, action: str, item: _Item, manager: PersonRef) -> None:
        self._log(session, action, item, manager)

    def _answer(self, outcome: str, item: _Item, manager: PersonRef, due: dt.date,
                to_name: str = "") -> Reply:  # fmt: skip
        context = {
            "to_name": to_name,
            "name": first_name(manager.name),
            "outcome": outcome,
            "person_name": item.owner.name,
            "about": item.about,
            "due": due,
        }
        meta = {"type": f"escalation.{outcome}", "item": item.item, "manager": manager.staff_id}
        return Reply(message=self.deps.wording.compose("escalation_answered", context, meta=meta))

    def _log(self, session: AsyncSession, action: str, item: _Item, manager: PersonRef) -> None:
        records.record(session, at=self.deps.clock.now(), actor=manager.staff_id, action=action,
                       subject=item.item, owner=item.owner.staff_id)  # fmt: skip

    async def ask(self, session: AsyncSession, event: Inbound) -> Reply:
        """A gentle word to the person that their manager asked after it (once a day)."""
        item, manager = await self._find(session, event)
        deps, now = self.deps, self.deps.clock.now()
        name = "escalation_asked"
        context = {
            "name": first_name(item.owner.name),
            "manager_name": manager.name,
            "about": item.about.replace("the action", "your action", 1),
            "due": item.due,
            "audit": term(case_audit(deps.programme, item.view.activity)) if item.view else "",
            "other_name": item.view.practitioner.name if item.view else "",
            "meeting_on": None,
            "meeting_at": "",
        }
        if item.view is not None:
            context.update(meeting_context(item.view))
        if item.view is not None:
            label = deps.wording.label(name, "button_record", context)
            button = Button(label, OPEN_RECORD, str(item.view.id), "primary")
            meta = audit_meta("escalation.asked", item.view, manager=manager.staff_id)
        else:
            assert item.action is not None
            label = deps.wording.label(name, "button_done", context)
            button = Button(label, ACTION_DONE, str(item.action.id), "primary")
            meta = {"type": "escalation.asked", "action_id": item.action.id,
                    "owner": item.owner.staff_id, "due": item.due.isoformat(),
                    "manager": manager.staff_id}  # fmt: skip
        message = deps.wording.compose(name, context, buttons=(button,), meta=meta)
        today = deps.calendar.local_date(now)
        await enqueue(deps, session, key=keys.escalation_asked(item.item, today),
                      recipient=dm(item.owner.staff_id), message=message,
                      not_before=deps.calendar.next_dm_time(now, item.owner.away_until),
                      now=now)  # fmt: skip
        self._log(session, "escalation.asked", item, manager)
        return self._answer("asked", item, manager, item.due)

    async def extend(self, session: AsyncSession, event: Inbound) -> Reply:
        """Move the due date on a week of working days from today."""
        item, manager = await self._find(session, event)
        calendar = self.deps.calendar
        today = calendar.local_date(self.deps.clock.now())
        due = calendar.add_working_days(max(today, item.due), EXTEND_WORKING_DAYS)
        number = int(item.item.partition(":")[2])
        if item.view is not None:
            await records.move_allocation_due(session, number, due)
        else:
            await records.move_action_due(session, number, due)
        self._log(session, "escalation.extended", item, manager)
        return self._answer("extended", item, manager, due)

    async def take(self, session: AsyncSession, event: Inbound) -> Reply:
        """The manager takes it on: it is never raised with them again."""
        item, manager = await self._find(session, event)
        self._log(session, TAKEN, item, manager)
        return self._answer("taken", item, manager, item.due)
