"""The audit cycle's nudges: its items in the daily digest.

Reminders cover the checklist, the audit record, reflections not yet shared, moderations not
yet saved and open actions; reflections and moderations stop after a few and never escalate.
`CaseAuditReminders` offers them to the digest (handlers/reminders), and so does
`CaseAuditEscalations` (handlers/case_audit/escalations.py) for what a manager hears about: both
land in each person's one message of the day. The database says what is due; the outbox key of
that message makes a repeated sweep change nothing.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.case_audit.actions import action_reminder, source_of
from handlers.case_audit.actions import latest_snooze as latest_action_snooze
from handlers.case_audit.allocation.themes_ahead import theme_warnings
from handlers.case_audit.meeting import checklist_counts_to, meeting_ahead, record_counts_to
from handlers.case_audit.messages import (
    action_activity,
    audit_reminder,
    checklist_reminder,
    done_count,
)
from handlers.case_audit.moderation import moderation_due, moderation_reminder
from handlers.case_audit.reflection import reflection_due, reflection_reminder, reflectors
from handlers.case_audit.stalled import stalled_audits
from handlers.core.calendar import Calendar
from handlers.core.deps import Deps
from handlers.programme.schema import CaseAudit, ModerationRule, ReminderRule
from handlers.reminders.nudge_days import asked_since, is_reminder_day, nudge_dates
from handlers.reminders.sources import ReminderDay
from storage.case_audit import audits
from storage.case_audit import followups as audit_followups
from storage.case_audit import requests as audit_requests


def record_ladder(rule: ReminderRule) -> ReminderRule:
    """The record reminders as they run: nudges end where the ladder does, at the escalation.

    A rule that nudges "until done" and escalates stops nudging the auditor once the escalation
    is due (the overdue nudge on that day is the last); the line manager and then the QA team
    take it from there. A rule with no escalation keeps its own count.
    """
    escalate = rule.escalate_after_working_days
    if rule.overdue_nudges is not None or escalate is None:
        return rule
    last = escalate // rule.overdue_every_working_days
    return rule.model_copy(update={"overdue_nudges": last})


def _activities(deps: Deps) -> dict[str, CaseAudit]:
    return {a.id: a for a in deps.programme.of_kind(CaseAudit)}


class CaseAuditReminders:
    """The case audit's items in the daily digest: checklists, audits to record, reflections
    and moderations not yet saved, and open actions. Only items due a nudge today, or whose
    snooze has just ended, are read."""

    snoozable: tuple[str, ...] = ("checklist", "audit", "reflection", "moderation", "action")
    why_types: tuple[str, ...] = (
        "checklist.reminder",
        "audit.reminder",
        "reflection.reminder",
        "moderation.reminder",
        "action.reminder",
    )

    async def due_today(self, day: ReminderDay) -> None:
        activities = _activities(day.deps)
        for reminders in (_audit_reminders, _reflection_reminders, _moderation_reminders,
                          _action_reminders, theme_warnings, stalled_audits):  # fmt: skip
            await reminders(day, activities)

    async def latest_snooze(self, session: AsyncSession, item: str) -> dt.date | None:
        """An action from an Inadequate (tracked) audit is never snoozed past its due date."""
        kind, _, item_id = item.partition(":")
        if kind != "action" or not item_id.isdigit():
            return None
        return await latest_action_snooze(session, int(item_id))


async def _audit_reminders(day: ReminderDay, activities: dict[str, CaseAudit]) -> None:
    """Checklist nudges to the practitioner until it is complete (before the audit only);
    record nudges to the auditor until the audit is recorded. Both count towards the day the
    two agreed to meet when there is one (handlers/case_audit/meeting.py). Only audits due or
    meeting on a nudge day, or whose snooze has just ended, are read."""
    deps, session, calendar, today = day.deps, day.session, day.calendar, day.today
    ladders = {a.id: record_ladder(a.record_reminders) for a in activities.values()}
    rules: list[tuple[ReminderRule, bool]] = []
    for a in activities.values():
        rules += [(a.checklist_reminders, False), (ladders[a.id], True)]
    earliest = await audits.earliest_due(session, ("allocated",))
    due_in = nudge_dates(calendar, rules, today, earliest)
    woken = day.woken_ids("audit", "checklist")
    if not due_in and not woken:
        return
    found = await audits.allocations(session, statuses=("allocated",), due_in=due_in,
                                     or_ids=woken)  # fmt: skip
    for view in found:
        activity = activities.get(view.activity)
        if activity is None:
            continue
        worker, auditor = view.practitioner, view.auditor
        unticked = done_count(view, activity) < len(activity.checklist)
        held = day.held(worker.id, f"checklist:{view.id}")
        rule, ready_by = activity.checklist_reminders, checklist_counts_to(view)
        if unticked and is_reminder_day(calendar, rule, ready_by, today, held, after_due=False):
            day.add(worker, partial(checklist_reminder, deps, view, activity))
        held = day.held(auditor.id, f"audit:{view.id}")
        before_meeting = meeting_ahead(view, today)  # then nudges before it only
        if is_reminder_day(calendar, ladders[activity.id], record_counts_to(view, today), today,
                           held, after_due=not before_meeting):  # fmt: skip
            day.add(auditor, partial(audit_reminder, deps, view, today))


async def _reflection_reminders(day: ReminderDay, activities: dict[str, CaseAudit]) -> None:
    """Nudges to each person asked to reflect who has saved nothing yet; never to a manager."""
    deps, session, calendar, today = day.deps, day.session, day.calendar, day.today
    windows = [(a.reflection.due_working_days, a.reflection.reminders) for a in activities.values()]
    recorded = await audit_requests.recorded_since(session, asked_since(calendar, today, windows))
    woken = day.woken_ids("reflection")
    due = {
        allocation_id: {a.id: reflection_due(calendar, a, at) for a in activities.values()}
        for allocation_id, at in recorded.items()
        if calendar.local_date(at) < today  # asked today: the request itself is today's word
    }
    nudged = {
        allocation_id
        for allocation_id, dues in due.items()
        if allocation_id in woken
        or any(
            is_reminder_day(calendar, activities[a].reflection.reminders, due_on, today)
            for a, due_on in dues.items()
        )
    }
    if not nudged:
        return
    answered = await audit_requests.reflected(session, nudged)
    for view in await audits.allocations(session, ids=nudged):
        activity = activities.get(view.activity)
        if activity is None:
            continue
        rule = activity.reflection.reminders
        for person in reflectors(view, activity):
            if (view.id, person.id) in answered:
                continue
            held = day.held(person.id, f"reflection:{view.id}")
            due_on = due[view.id][activity.id]
            if is_reminder_day(calendar, rule, due_on, today, held):
                message = partial(reflection_reminder, deps, view, person, due_on, today)
                day.add(person, message)


async def _moderation_reminders(day: ReminderDay, activities: dict[str, CaseAudit]) -> None:
    """Nudges to each moderator whose second look is not saved yet; they stop by themselves."""
    deps, session, calendar, today = day.deps, day.session, day.calendar, day.today
    rules = {a.id: a.moderation for a in activities.values() if a.moderation}
    windows = [(rule.due_working_days, rule.reminders) for rule in rules.values()]
    if not windows:
        return
    since = asked_since(calendar, today, windows)
    woken = day.woken_ids("moderation")
    asked = [
        m
        for m in await audit_requests.open_moderations(session, since)
        if calendar.local_date(m.requested_at) < today  # asked today: the request is today's word
        and (
            m.id in woken
            or any(_moderation_nudges(calendar, r, m.requested_at, today) for r in rules.values())
        )
    ]
    if not asked:
        return
    found = await audits.allocations(session, ids={m.allocation_id for m in asked})
    views = {view.id: view for view in found}
    for moderation in asked:
        view = views.get(moderation.allocation_id)
        rule = rules.get(view.activity) if view else None
        if view is None or rule is None:
            continue
        due = moderation_due(calendar, rule, moderation.requested_at)
        held = day.held(moderation.moderator.id, f"moderation:{moderation.id}")
        if is_reminder_day(calendar, rule.reminders, due, today, held):
            message = partial(moderation_reminder, deps, view, moderation, due, today)
            day.add(moderation.moderator, message)


def _moderation_nudges(
    calendar: Calendar, rule: ModerationRule, asked: dt.datetime, today: dt.date
) -> bool:
    """Whether a moderation asked then, held by no snooze, is nudged today."""
    return is_reminder_day(calendar, rule.reminders, moderation_due(calendar, rule, asked), today)


async def _action_reminders(day: ReminderDay, activities: dict[str, CaseAudit]) -> None:
    deps, session, calendar, today = day.deps, day.session, day.calendar, day.today
    activity = action_activity(deps.programme)
    rule = activity.reminders if activity else ReminderRule()
    earliest = await audit_followups.earliest_open_action_due(session)
    due_in = nudge_dates(calendar, [(rule, True)], today, earliest)
    woken = day.woken_ids("action")
    if not due_in and not woken:
        return
    open_actions = await audit_followups.open_actions(
        session, due_in=due_in, or_ids=woken, unclaimed=True
    )
    refs = await audit_followups.action_case_refs(
        session, {a.source_id for a, _ in open_actions if a.source == "audit"}
    )
    for action, owner in open_actions:
        held = day.held(owner.id, f"action:{action.id}")
        if is_reminder_day(calendar, rule, action.due_on, today, held):
            message = partial(action_reminder, deps, action, owner, source_of(action, refs), today)
            day.add(owner, message)
