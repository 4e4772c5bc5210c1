"""Audits that end: one still unrecorded after the escalation goes to the QA team to decide.

The record reminders stop at the escalation (`sweeps.record_ladder`). If the audit is still not
recorded as long again after that, everyone who may allocate hears about it, once per due date,
in their one message of the day, with a button that opens the choice: reassign it to another
auditor (named by staff id), give it two more weeks, or close it with a reason. Only the QA team
may decide; the first decision wins.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.case_audit import keys
from handlers.case_audit.agreed import forget_in_place
from handlers.case_audit.allocation.rules import line_of_management
from handlers.case_audit.allocation.types import Staff
from handlers.case_audit.ids import STALLED_DECIDE, STALLED_OPEN
from handlers.case_audit.messages import allocated, audit_meta
from handlers.core.delivery import enqueue
from handlers.core.deps import Deps
from handlers.core.parsing import first_name, parse_id
from handlers.core.recipients import dm, person_of
from handlers.core.router import Handler, Inbound, Reply, Selector
from handlers.core.welcome import welcome_first
from handlers.errors import UserError
from handlers.programme.schema import CaseAudit
from handlers.reminders.sources import ReminderDay
from message_templates.model import Button, Choice, Form, FormField, Message
from storage.case_audit import allocation_inputs, audits
from storage.case_audit import escalations as records
from storage.case_audit import people as audit_people
from storage.case_audit.audits import AllocationView, DueAllocation
from storage.models import Allocation

STALLED = "audit.stalled"
DECIDED = "audit.stalled.decided"
MORE_WORKING_DAYS = 10  # a reassigned or extended audit is due this long after the decision
DECISIONS = ("reassign", "extend", "close")
# How far back an audit can have reached the point of going to the QA team and still be offered
# (the offer is made the first working day after the escalation; this covers long absences).
LOOK_BACK = dt.timedelta(days=60)


def stalled_after(activity: CaseAudit) -> int | None:
    """Working days past due when an unrecorded audit goes to the QA team: the escalation's
    wait twice over (the manager's turn, then the QA team's). None: never."""
    escalate = activity.record_reminders.escalate_after_working_days
    return None if escalate is None else 2 * escalate


def _subject(view: AllocationView | DueAllocation) -> str:
    return f"audit:{view.id}@{view.due_on.isoformat()}"


async def stalled_audits(day: ReminderDay, activities: dict[str, CaseAudit]) -> None:
    """Each audit past the end of its ladder and escalated to the auditor's manager on an
    earlier day, in the digest of whoever may allocate (once per due date)."""
    deps, session, calendar, today = day.deps, day.session, day.calendar, day.today
    limits = {a.id: stalled_after(a) for a in activities.values()}
    if not any(limits.values()):
        return
    shortest = min(n for n in limits.values() if n)
    before = calendar.add_working_days(today, -shortest) + dt.timedelta(days=1)
    # only audits that reached the point lately: older ones were offered already
    since = before - LOOK_BACK
    found = await audits.due_allocations(session, statuses=("allocated",), since=since,
                                         due_before=before)  # fmt: skip
    due = [
        d
        for d in found
        if limits.get(d.activity)
        and calendar.working_days_between(d.due_on, today) >= (limits[d.activity] or 0)
    ]
    if not due:
        return
    subjects = {_subject(d) for d in due}
    done = await records.recorded(session, (STALLED,), subjects)
    escalated = await records.recorded(session, ("audit.escalated",), subjects)
    # after the manager has heard (or when there is no manager to hear), never the same day
    wanted = [
        d.id
        for d in due
        if _subject(d) not in done and (_subject(d) in escalated or d.auditor_manager_id is None)
    ]
    if not wanted:
        return
    # the whole view (its case and people) only of the few offered today
    views = await audits.allocations(session, ids=wanted)
    deciders = await audit_people.people_with_roles(session, deps.programme.permissions.allocate)
    for view in views:
        over = calendar.working_days_between(view.due_on, today)
        for n, person in enumerate(deciders):
            on_queued = partial(_record_offer, deps, session, view) if n == 0 else None
            day.add(person, partial(stalled_message, deps, view, person.name, over), on_queued)


async def _record_offer(deps: Deps, session: AsyncSession, view: AllocationView) -> None:
    records.record(session, at=deps.clock.now(), actor="qabot", action=STALLED,
                   subject=_subject(view), auditor=view.auditor.staff_id)  # fmt: skip


def stalled_message(deps: Deps, view: AllocationView, name: str, working_days: int) -> Message:
    context = {
        "name": first_name(name),
        "case_ref": view.case_ref,
        "auditor_name": view.auditor.name,
        "practitioner_name": view.practitioner.name,
        "due": view.due_on,
        "working_days": working_days,
    }
    button = Button(deps.wording.label("audit_stalled", "button_open", context), STALLED_OPEN,
                    str(view.id), "primary")  # fmt: skip
    meta = audit_meta(STALLED, view)
    return deps.wording.compose("audit_stalled", context, buttons=(button,), meta=meta)


def decision_form(
    deps: Deps, view: AllocationView, name: str, problem: str = "", kept: Inbound | None = None
) -> Message:
    """The choice: reassign (to whom), more time, or close (why); `kept` keeps what was typed."""
    form_name = "audit_stalled_form"
    context = {"name": first_name(name), "case_ref": view.case_ref,
               "auditor_name": view.auditor.name, "problem": problem,
               "more_working_days": MORE_WORKING_DAYS}  # fmt: skip

    def label(block: str) -> str:
        return deps.wording.label(form_name, block, context)

    def value(field: str) -> str:
        return kept.field(field) if kept is not None else ""

    choices = tuple(Choice(d, label(f"choice_{d}")) for d in DECISIONS)
    fields = (
        FormField("decision", label("field_decision"), "select", True, choices,
                  value=value("decision")),
        FormField("auditor", label("field_auditor"), "text", hint=label("hint_auditor"),
                  value=value("auditor"), max_length=64),
        FormField("reason", label("field_reason"), "textarea", hint=label("hint_reason"),
                  value=value("reason"), max_length=1000),
    )  # fmt: skip
    form = Form(STALLED_DECIDE, label("button_submit"), fields, str(view.id),
                open_label=label("button_open"))  # fmt: skip
    meta = audit_meta("audit.stalled_form", view)
    return deps.wording.compose(form_name, context, form=form, meta=meta)


class StalledAudits:
    """The QA team's decision on an audit that did not happen."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def routes(self) -> list[tuple[Selector, Handler]]:
        return [(("action", STALLED_OPEN), self.open), (("form", STALLED_DECIDE), self.decide)]

    async def _find(self, session: AsyncSession, event: Inbound) -> tuple[AllocationView, str]:
        person = await person_of(session, event.staff_id)
        if person.role not in self.deps.programme.permissions.allocate:
            raise UserError("Only the QA team can reassign, extend or close an audit.")
        view = await audits.allocation(session, parse_id(event.value))
        if view is None or view.status != "allocated":
            raise UserError("That audit is already recorded, closed or moved on. Thank you!")
        return view, person.name

    async def open(self, session: AsyncSession, event: Inbound) -> Reply:
        view, name = await self._find(session, event)
        return Reply(message=decision_form(self.deps, view, name))

    async def decide(self, session: AsyncSession, event: Inbound) -> Reply:
        view, name = await self._find(session, event)
        decision = event.field("decision").strip()
        words = partial(self.deps.wording.label, "audit_stalled_form")
        context = {"name": first_name(name)}
        if decision not in DECISIONS:
            problem = words("problem_decision", context)
            return Reply(message=decision_form(self.deps, view, name, problem, event))
        calendar = self.deps.calendar
        now = self.deps.clock.now()
        due = calendar.add_working_days(calendar.local_date(now), MORE_WORKING_DAYS)
        detail: dict[str, str] = {}
        new_auditor = ""
        if decision == "close":
            reason = " ".join(event.field("reason").split())
            if not reason:
                problem = words("problem_reason", context)
                return Reply(message=decision_form(self.deps, view, name, problem, event))
            await session.execute(
                update(Allocation).where(Allocation.id == view.id).values(status="closed")
            )
            detail["reason"] = reason
        elif decision == "reassign":
            chosen = await self._auditor(session, view, event.field("auditor").strip())
            if isinstance(chosen, str):
                return Reply(message=decision_form(self.deps, view, name, chosen, event))
            new_auditor = chosen.name
            await session.execute(
                update(Allocation)
                .where(Allocation.id == view.id)
                .values(auditor_id=chosen.id, due_on=due, agreed_on=None, agreed_time=None)
            )
            await forget_in_place(self.deps, session, view, now)
            moved = await audits.allocation(session, view.id)
            assert moved is not None
            activity = next(a for a in self.deps.programme.of_kind(CaseAudit)
                            if a.id == view.activity)  # fmt: skip
            when = calendar.next_dm_time(now, chosen.away_until)
            await welcome_first(self.deps, session, chosen.staff_id, when, now)  # someone new
            await enqueue(self.deps, session,
                          key=keys.allocated_again(view.id, chosen.staff_id),
                          recipient=dm(chosen.staff_id), message=allocated(self.deps, moved,
                                                                           activity),
                          not_before=when, now=now)  # fmt: skip
            detail["auditor"] = chosen.staff_id
        else:
            await records.move_allocation_due(session, view.id, due)
        records.record(session, at=now, actor=event.staff_id, action=DECIDED,
                       subject=f"audit:{view.id}", decision=decision, **detail)  # fmt: skip
        answer = {"name": first_name(name), "decision": decision, "case_ref": view.case_ref,
                  "due": due, "auditor_name": new_auditor}  # fmt: skip
        meta = audit_meta(f"audit.{decision}d" if decision != "close" else "audit.closed", view)
        return Reply(message=self.deps.wording.compose("audit_stalled_done", answer, meta=meta))

    async def _auditor(
        self, session: AsyncSession, view: AllocationView, staff_id: str
    ) -> audit_people.PersonRef | str:
        """The chosen auditor, or what is wrong with the choice (in words for the form)."""
        words = partial(self.deps.wording.label, "audit_stalled_form")
        context = {"staff_id": staff_id, "name": ""}
        if not staff_id:
            return words("problem_auditor", context)
        person = await audit_people.person_by_staff_id(session, staff_id)
        if person is None:
            return words("problem_unknown", context)
        staff = {
            r.staff_id: Staff(r.staff_id, r.role, r.team, r.service, r.manager_staff_id)
            for r in await allocation_inputs.load_staff(session)
        }
        worker = staff.get(view.practitioner.staff_id)
        above = line_of_management(worker, staff) if worker is not None else []
        if staff_id in (view.practitioner.staff_id, view.auditor.staff_id) or staff_id in above:
            return words("problem_independence", context)
        return person
