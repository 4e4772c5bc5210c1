"""The audit cycle's periodic sweeps: today's reminders, gathered, and escalations to managers.

Reminders cover the checklist, the audit record, reflections not yet shared, moderations not
yet saved and open actions; reflections and moderations stop after a few and never escalate.

Both are plain `(deps, now) -> int` functions the scheduler calls from its periodic sweep. The
database says what is due; the outbox keys make a repeated sweep change nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.audit_actions import action_escalated, action_reminder, source_of
from handlers.audit_messages import (
    action_activity,
    audit_escalated,
    audit_reminder,
    checklist_reminder,
    dm,
    done_count,
)
from handlers.audit_moderation import moderation_due, moderation_reminder
from handlers.audit_reflection import reflection_due, reflection_reminder, reflectors
from handlers.calendar import Calendar
from handlers.deps import Deps
from handlers.noise import todays_reminder
from handlers.programme import CaseAudit, ReminderRule
from message_templates.model import Message
from storage import audit_followups, audit_people, audit_requests, audits
from storage.audit_people import PersonRef
from storage.outbox import enqueue, enqueue_many


def is_reminder_day(
    calendar: Calendar,
    rule: ReminderRule,
    due: dt.date,
    today: dt.date,
    snoozed_until: dt.date | None = None,
    *,
    after_due: bool = True,
) -> bool:
    """Whether today is a nudge day: N working days before due, every few once overdue.

    A snooze holds nudges to its last day, and the first working day after it is a nudge day.
    Past the rule's last overdue nudge there are none, snoozed or not.
    """
    left = calendar.working_days_between(today, due)
    if is_past_last_nudge(rule, -left):
        return False
    if snoozed_until is not None:
        if snoozed_until >= today:
            return False
        if calendar.next_working_day(snoozed_until + dt.timedelta(days=1)) == today:
            return True
    if left >= 0:
        return left in rule.before_working_days
    return after_due and -left % rule.overdue_every_working_days == 0


def is_past_last_nudge(rule: ReminderRule, working_days_over: int) -> bool:
    """Whether an item this many working days overdue has had every nudge the rule allows."""
    if rule.overdue_nudges is None:
        return False
    return working_days_over > rule.overdue_nudges * rule.overdue_every_working_days


class _Gathered:
    """Each person's reminders for today, in the order found. Leavers hear nothing more: their
    overdue audits and actions still reach their line manager through the escalations."""

    def __init__(self) -> None:
        self.people: dict[str, PersonRef] = {}
        self.items: dict[str, list[Message]] = {}

    def add(self, person: PersonRef, message: Message) -> None:
        if not person.active:
            return
        self.people[person.staff_id] = person
        self.items.setdefault(person.staff_id, []).append(message)


def _activities(deps: Deps) -> dict[str, CaseAudit]:
    return {a.id: a for a in deps.programme.of_kind(CaseAudit)}


async def sweep_reminders(deps: Deps, now: dt.datetime) -> int:
    """Queue each person's one reminder message for today; the number of messages queued."""
    calendar = deps.calendar
    today = calendar.local_date(now)
    if not calendar.is_working_day(today):
        return 0
    gathered = _Gathered()
    async with deps.sessions.begin() as session:
        snoozes = await audit_people.snoozed_until(session, today - dt.timedelta(days=14))
        await _audit_reminders(deps, session, calendar, today, snoozes, gathered)
        await _reflection_reminders(deps, session, calendar, today, snoozes, gathered)
        await _moderation_reminders(deps, session, calendar, today, snoozes, gathered)
        await _action_reminders(deps, session, calendar, today, snoozes, gathered)
        outgoing = [
            todays_reminder(staff_id=staff_id, platform=deps.platform, items=items,
                            calendar=calendar, now=now,
                            away_until=gathered.people[staff_id].away_until)
            for staff_id, items in gathered.items.items()
        ]  # fmt: skip
        return await enqueue_many(session, [o for o in outgoing if o is not None], now=now)


async def _audit_reminders(
    deps: Deps,
    session: AsyncSession,
    calendar: Calendar,
    today: dt.date,
    snoozes: dict[tuple[int, str], dt.date],
    gathered: _Gathered,
) -> None:
    """Checklist nudges to the practitioner until it is complete (before the audit only);
    record nudges to the auditor until the audit is recorded."""
    activities = _activities(deps)
    for view in await audits.allocations(session, statuses=("allocated",)):
        activity = activities.get(view.activity)
        if activity is None:
            continue
        worker, auditor = view.practitioner, view.auditor
        unticked = done_count(view, activity) < len(activity.checklist)
        held = snoozes.get((worker.id, f"checklist:{view.id}"))
        rule = activity.checklist_reminders
        if unticked and is_reminder_day(calendar, rule, view.due_on, today, held, after_due=False):
            gathered.add(worker, checklist_reminder(deps, view, activity))
        held = snoozes.get((auditor.id, f"audit:{view.id}"))
        if is_reminder_day(calendar, activity.record_reminders, view.due_on, today, held):
            gathered.add(auditor, audit_reminder(deps, view, today))


def _asked_since(
    calendar: Calendar, today: dt.date, windows: Sequence[tuple[int, ReminderRule]]
) -> dt.datetime | None:
    """The earliest request still inside its nudges, from (working days to due, rule) pairs:
    anything asked before it is past its last nudge. None when a rule nudges until done."""
    reach = 0
    for days, rule in windows:
        if rule.overdue_nudges is None:
            return None
        reach = max(reach, days + rule.overdue_nudges * rule.overdue_every_working_days)
    earliest = calendar.add_working_days(today, -reach)
    return dt.datetime.combine(earliest, dt.time(0), tzinfo=calendar.zone)


async def _reflection_reminders(
    deps: Deps,
    session: AsyncSession,
    calendar: Calendar,
    today: dt.date,
    snoozes: dict[tuple[int, str], dt.date],
    gathered: _Gathered,
) -> None:
    """Nudges to each person asked to reflect who has saved nothing yet; never to a manager."""
    activities = _activities(deps)
    windows = [(a.reflection.due_working_days, a.reflection.reminders) for a in activities.values()]
    recorded = await audit_requests.recorded_since(session, _asked_since(calendar, today, windows))
    if not recorded:
        return
    answered = await audit_requests.reflected(session, recorded)
    for view in await audits.allocations(session, ids=recorded):
        activity = activities.get(view.activity)
        if activity is None or calendar.local_date(recorded[view.id]) >= today:
            continue  # asked today: the request itself is today's word
        due = reflection_due(calendar, activity, recorded[view.id])
        rule = activity.reflection.reminders
        for person in reflectors(view, activity):
            if (view.id, person.id) in answered:
                continue
            held = snoozes.get((person.id, f"reflection:{view.id}"))
            if is_reminder_day(calendar, rule, due, today, held):
                gathered.add(person, reflection_reminder(deps, view, person, due, today))


async def _moderation_reminders(
    deps: Deps,
    session: AsyncSession,
    calendar: Calendar,
    today: dt.date,
    snoozes: dict[tuple[int, str], dt.date],
    gathered: _Gathered,
) -> None:
    """Nudges to each moderator whose second look is not saved yet; they stop by themselves."""
    rules = {a.id: a.moderation for a in _activities(deps).values() if a.moderation}
    windows = [(rule.due_working_days, rule.reminders) for rule in rules.values()]
    if not windows:
        return
    asked = await audit_requests.open_moderations(session, _asked_since(calendar, today, windows))
    if not asked:
        return
    found = await audits.allocations(session, ids={m.allocation_id for m in asked})
    views = {view.id: view for view in found}
    for moderation in asked:
        view = views.get(moderation.allocation_id)
        rule = rules.get(view.activity) if view else None
        if view is None or rule is None or calendar.local_date(moderation.requested_at) >= today:
            continue
        due = moderation_due(calendar, rule, moderation.requested_at)
        held = snoozes.get((moderation.moderator.id, f"moderation:{moderation.id}"))
        if is_reminder_day(calendar, rule.reminders, due, today, held):
            message = moderation_reminder(deps, view, moderation, due, today)
            gathered.add(moderation.moderator, message)


async def _action_reminders(
    deps: Deps,
    session: AsyncSession,
    calendar: Calendar,
    today: dt.date,
    snoozes: dict[tuple[int, str], dt.date],
    gathered: _Gathered,
) -> None:
    activity = action_activity(deps.programme)
    rule = activity.reminders if activity else ReminderRule()
    open_actions = await audit_followups.open_actions(session)
    refs = await audit_followups.action_case_refs(
        session, {a.source_id for a, _ in open_actions if a.source == "audit"}
    )
    for action, owner in open_actions:
        held = snoozes.get((owner.id, f"action:{action.id}"))
        if is_reminder_day(calendar, rule, action.due_on, today, held):
            message = action_reminder(deps, action, owner, source_of(action, refs), today)
            gathered.add(owner, message)


async def sweep_escalations(deps: Deps, now: dt.datetime) -> int:
    """Tell a line manager, privately and once per item, of an audit or action long overdue."""
    calendar = deps.calendar
    today = calendar.local_date(now)
    sent = 0
    async with deps.sessions.begin() as session:
        for key, manager, message in await _escalations(deps, session, calendar, today):
            sent += await enqueue(
                session,
                key=key,
                recipient=dm(manager.staff_id),
                platform=deps.platform,
                message=message,
                not_before=calendar.next_dm_time(now, manager.away_until),
                now=now,
            )
    return sent


async def _escalations(
    deps: Deps, session: AsyncSession, calendar: Calendar, today: dt.date
) -> list[tuple[str, PersonRef, Message]]:
    activities = _activities(deps)
    # only what is overdue and not yet escalated: a day's sweep reads the few new ones
    views = await audits.allocations(session, statuses=("allocated",), due_before=today,
                                     unsent="audit.escalated:")  # fmt: skip
    actions = await audit_followups.open_actions(session, due_before=today,
                                                 unsent="action.escalated:")  # fmt: skip
    owners = {v.auditor.manager_id for v in views} | {o.manager_id for _, o in actions}
    managers = await audit_people.people_by_id(session, {m for m in owners if m is not None})
    found: list[tuple[str, PersonRef, Message]] = []
    for view in views:
        activity = activities.get(view.activity)
        limit = activity.record_reminders.escalate_after_working_days if activity else None
        over = calendar.working_days_between(view.due_on, today)
        manager = managers.get(view.auditor.manager_id or 0)
        if limit is not None and over >= limit and manager is not None:
            message = audit_escalated(deps, view, manager, over)
            found.append((f"audit.escalated:{view.id}", manager, message))
    tracked = action_activity(deps.programme)
    limit = tracked.reminders.escalate_after_working_days if tracked else None
    refs = await audit_followups.action_case_refs(session, {a.source_id for a, _ in actions})
    for action, owner in actions:
        over = calendar.working_days_between(action.due_on, today)
        manager = managers.get(owner.manager_id or 0)
        if limit is not None and over >= limit and manager is not None:
            message = action_escalated(deps, action, owner, manager, source_of(action, refs), over)
            found.append((f"action.escalated:{action.id}", manager, message))
    return found
