"""Moderation: an independent second look at a sample of recorded audits, to keep grading fair.

The sample is every audit graded in `always_grades` plus a share of the rest, chosen by a hash
of the allocation id, so the same audit is always in or out whoever runs it and whenever.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.case_audit import keys
from handlers.case_audit.actions import INADEQUATE, announce_raised
from handlers.case_audit.findings import (
    action_from_form,
    default_action_due,
    findings_context,
    findings_of,
    one_line,
    store_actions,
    tell_of_inadequate,
)
from handlers.case_audit.ids import OPEN_MODERATION, RECORD_MODERATION
from handlers.case_audit.messages import (
    action_activity,
    action_fields,
    audit_meta,
    case_audit,
    reminder_buttons,
    term,
)
from handlers.core.calendar import Calendar
from handlers.core.delivery import enqueue, settle, settle_reminders
from handlers.core.deps import Deps
from handlers.core.parsing import first_name, parse_id
from handlers.core.people import people_to_pick
from handlers.core.recipients import dm
from handlers.core.router import Inbound, Reply
from handlers.errors import UserError, check_form
from handlers.programme.schema import CaseAudit, ModerationRule
from message_templates.model import Button, Choice, Fact, Form, FormField, Message
from storage.case_audit import audits
from storage.case_audit import followups as audit_followups
from storage.case_audit import people as audit_people
from storage.case_audit import records as audit_records
from storage.case_audit.audits import AllocationView
from storage.case_audit.followups import ModeratorStanding
from storage.case_audit.people import PersonRef
from storage.case_audit.records import Findings, ModerationRow, RecordRef
from storage.case_audit.requests import OpenModeration

log = logging.getLogger(__name__)
# Actions a moderator may raise on the moderation form (the record form has three).
MODERATION_ACTIONS = 2


def share_point(allocation_id: int) -> float:
    """A stable number in [0, 1) for an allocation: the seeded draw of the moderation sample."""
    return _draw(f"moderation:{allocation_id}")


def _draw(text: str) -> float:
    digest = hashlib.sha256(text.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def is_sampled(rule: ModerationRule, grade: str, allocation_id: int) -> bool:
    """Every grade in always_grades, and share_of_rest of the others."""
    return grade in rule.always_grades or share_point(allocation_id) < rule.share_of_rest


def is_moderation_period(rule: ModerationRule, period: str) -> bool:
    """Whether audits of this period (YYYY-MM) are moderated: every month's are. A quarterly
    rule (Durham: `every_months: 3`) covers audits from every month of the quarter and only
    dates their moderation by the quarter's end (see `moderation_due`)."""
    return 1 <= int(period[5:7]) <= 12


def block_end(rule: ModerationRule, day: dt.date) -> dt.date:
    """The last day of the `every_months` block holding `day` (a quarter ends in March, June,
    September and December); the day itself when moderation is monthly."""
    if rule.every_months == 1:
        return day
    last_month = -(-day.month // rule.every_months) * rule.every_months
    following = dt.date(day.year + (last_month == 12), last_month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def is_independent(moderator: PersonRef, view: AllocationView) -> bool:
    """Not the auditor, not the practitioner, not the practitioner's line manager."""
    barred = (view.auditor.id, view.practitioner.id, view.practitioner.manager_id)
    return moderator.id not in barred


async def pick_moderator(
    session: AsyncSession,
    activity: CaseAudit,
    view: AllocationView,
    today: dt.date,
    month_start: dt.datetime,
    *,
    short_only: bool = False,
) -> PersonRef | None:
    """The independent, available moderator best placed to take this one.

    Those still short of their role's moderations this month come first (Camden: operational
    heads of service four a month), fewest asked relative to that number; then the fewest open
    moderations; a hash breaks ties so the choice is stable. `short_only` takes only someone
    still short of their number (an audit outside the sample, moderated to meet a quota).
    """
    rule = activity.moderation
    assert rule is not None
    candidates = [
        s
        for s in await audit_followups.moderator_standings(session, rule.moderators, month_start)
        if is_independent(s.person, view)
        and (s.person.away_until is None or s.person.away_until < today)
    ]
    quotas: dict[tuple[str, str], int] = {}

    def standing(candidate: ModeratorStanding) -> tuple[bool, float, int]:
        key = (candidate.person.role, candidate.service)
        if key not in quotas:
            auditor_rule = activity.rule_for(*key)
            quotas[key] = auditor_rule.moderations if auditor_rule else 0
        quota, asked = quotas[key], candidate.asked
        return (asked >= quota, asked / quota if quota else 0.0, candidate.open)

    ranked = [(standing(c), c.person) for c in candidates]
    if short_only:  # quota 0 counts as met: only those with a number still to reach
        ranked = [(rank, person) for rank, person in ranked if not rank[0]]
    if not ranked:
        return None
    best = min(rank for rank, _ in ranked)
    # the hash is drawn only among the equally placed: it is there to break ties
    tied = [p for rank, p in ranked if rank == best]
    return min(tied, key=lambda p: _draw(f"{view.id}:{p.staff_id}"))


async def _anyone_short(
    session: AsyncSession, activity: CaseAudit, rule: ModerationRule, month_start: dt.datetime
) -> bool:
    """Whether any moderator is still short of their role's monthly number (cheaply, before
    looking for who is best placed)."""
    if not any(r.moderations for r in activity.auditors):
        return False
    for role, service, asked in await audit_followups.moderations_asked(
        session, rule.moderators, month_start
    ):
        found = activity.rule_for(role, service)
        if found is not None and asked < found.moderations:
            return True
    return False


async def request_moderation(
    deps: Deps,
    session: AsyncSession,
    view: AllocationView,
    activity: CaseAudit,
    record: RecordRef,
    now: dt.datetime,
) -> int | None:
    """If the rule samples this audit, ask an independent moderator for a second look."""
    rule = activity.moderation
    calendar = deps.calendar
    today = calendar.local_date(now)
    if rule is None or not is_moderation_period(rule, view.period):
        return None
    # the sample (every Outstanding and Inadequate, a share of the rest), and beyond it any
    # audit a moderator still short of their monthly number can take (Camden's quotas)
    sampled = is_sampled(rule, record.grade, view.id)
    month_start = dt.datetime.combine(today.replace(day=1), dt.time(0), tzinfo=calendar.zone)
    if not sampled and not await _anyone_short(session, activity, rule, month_start):
        return None
    moderator = await pick_moderator(
        session, activity, view, today, month_start, short_only=not sampled
    )
    if moderator is None and not sampled:
        return None
    if moderator is None:
        log.warning("no independent moderator available for allocation %d", view.id)
        return None
    moderation_id = await audit_records.add_moderation(session, record.id, moderator.id, now)
    due = moderation_due(calendar, rule, now)
    await enqueue(
        deps,
        session,
        key=keys.moderation_requested(moderation_id),
        recipient=dm(moderator.staff_id),
        message=_requested(deps, view, record.grade, moderator, moderation_id, due),
        not_before=calendar.next_dm_time(now, moderator.away_until),
        now=now,
    )
    return moderation_id


def moderation_due(calendar: Calendar, rule: ModerationRule, requested_at: dt.datetime) -> dt.date:
    """When a moderation is due: the rule's working days after it was asked for or, for a
    quarterly rule, after the end of the quarter it was asked in (the quarter's moderation)."""
    asked = block_end(rule, calendar.local_date(requested_at))
    return calendar.add_working_days(asked, rule.due_working_days)


def moderation_reminder(
    deps: Deps, view: AllocationView, asked: OpenModeration, due: dt.date, today: dt.date
) -> Message:
    """A nudge to the moderator while the second look is not saved, the form a click away."""
    name = "moderation_reminder"
    context = {
        "audit": term(case_audit(deps.programme, view.activity)),
        "name": first_name(asked.moderator.name),
        "case_ref": view.case_ref,
        "auditor_name": view.auditor.name,
        "grade": asked.grade,
        "due": due,
        "is_past_due": today > due,
        "case_url": deps.case_url(view.case_ref),
    }
    label = deps.wording.label(name, "button_open", context)
    open_form = Button(label, OPEN_MODERATION, str(asked.id), "primary")
    buttons = (open_form, *reminder_buttons(deps, name, context, f"moderation:{asked.id}", 5))
    meta = audit_meta("moderation.reminder", view, moderator=asked.moderator.staff_id,
                      due=due.isoformat(), moderation_id=asked.id)  # fmt: skip
    return deps.wording.compose(name, context, buttons=buttons, meta=meta)


def _requested(
    deps: Deps, view: AllocationView, grade: str, moderator: PersonRef, row_id: int, due: dt.date
) -> Message:
    name = "moderation_requested"
    context = {
        "audit": term(case_audit(deps.programme, view.activity)),
        "name": first_name(moderator.name),
        "case_ref": view.case_ref,
        "auditor_name": view.auditor.name,
        "grade": grade,
        "due": due,
        "case_url": deps.case_url(view.case_ref),
    }
    button = Button(
        deps.wording.label(name, "button_open", context), OPEN_MODERATION, str(row_id), "primary"
    )
    facts = (Fact("Case", view.case_ref), Fact("Grade", grade))
    # `due` is when the moderation is due, not the audit it looks at.
    meta = audit_meta(
        "moderation.requested", view, moderator=moderator.staff_id, due=due.isoformat()
    )
    return deps.wording.compose(name, context, buttons=(button,), facts=facts, meta=meta)


async def _moderation(
    session: AsyncSession, event: Inbound
) -> tuple[ModerationRow, AllocationView]:
    row = await audit_records.moderation(session, parse_id(event.value, "moderation"))
    view = await audits.allocation(session, row.record.allocation_id) if row else None
    if row is None or view is None:
        raise UserError("I can't find that moderation any more. Your QA team can help.")
    moderator = await audit_people.person_by_staff_id(session, event.staff_id)
    if moderator is None or moderator.id != row.moderator_id:
        raise UserError("This moderation was asked of someone else.")
    if row.completed_at is not None:
        raise UserError("This moderation is already saved. Thank you!")
    return row, view


async def open_moderation(deps: Deps, session: AsyncSession, event: Inbound) -> Reply:
    """The whole record (grade, reason, strengths, worries, what the family said, actions),
    then the moderator's judgement, comments and any actions of their own."""
    row, view = await _moderation(session, event)
    return Reply(message=await _moderation_form(deps, session, event, row, view))


async def _moderation_form(
    deps: Deps, session: AsyncSession, event: Inbound, row: ModerationRow, view: AllocationView
) -> Message:
    moderator = await audit_people.person_by_staff_id(session, event.staff_id)
    assert moderator is not None
    found = await findings_of(session, view.id)
    people = await people_to_pick(session, (view.practitioner.staff_id, view.auditor.staff_id))
    return moderation_form(deps, view, row, moderator, found, people)


def moderation_form(
    deps: Deps,
    view: AllocationView,
    row: ModerationRow,
    moderator: PersonRef,
    found: Findings,
    people: tuple[Choice, ...] = (),
) -> Message:
    """The whole record, then the moderator's judgement, comments and up to
    MODERATION_ACTIONS actions, each owner picked from `people`."""
    name = "moderation_form"
    activity = case_audit(deps.programme, view.activity)
    context = {
        "name": first_name(moderator.name),
        "case_ref": view.case_ref,
        "auditor_name": view.auditor.name,
        "practitioner_name": view.practitioner.name,
        "audit": term(activity),
        "grade": row.record.grade,
        "findings": findings_context(found),
    }

    def label(block: str) -> str:
        return deps.wording.label(name, block, context)

    agree = (Choice(label("choice_agree"), "yes"), Choice(label("choice_disagree"), "no"))
    grades = tuple(Choice(g, g) for g in deps.programme.grades)
    today = deps.calendar.local_date(deps.clock.now())
    fields = (
        FormField("agree", label("field_agree"), "select", True, agree),
        FormField("grade", label("field_grade"), "select", choices=grades),
        FormField("comments", label("field_comments"), "textarea", True, max_length=2000),
        *action_fields(deps, name, context, view, default_action_due(deps, today),
                       MODERATION_ACTIONS, people),
    )  # fmt: skip
    form = Form(RECORD_MODERATION, label("button_submit"), fields, str(row.id))
    meta = audit_meta("moderation.form", view)
    return deps.wording.compose(name, context, form=form, meta=meta)


async def record_moderation(deps: Deps, session: AsyncSession, event: Inbound) -> Reply:
    """Store agreement (or the moderator's grade) with the comments and any actions; tell the
    auditor privately, comments included (the QA team reads them in their view). A changed
    grade is the one that counts from now on: moderated to Inadequate, the Inadequate follow-up
    starts (the line manager's notice, the QA team's word, actions followed to completion).
    Every problem with the form is named at once, beside its field, and nothing is stored."""
    row, view = await _moderation(session, event)
    record = row.record
    agree, grade = event.field("agree").strip(), event.field("grade").strip()
    reason = event.field("comments").strip()
    errors: dict[str, str] = {}
    if agree == "no" and grade not in deps.programme.grades:
        errors["grade"] = "Please choose the grade you'd give."
    today = deps.calendar.local_date(deps.clock.now())
    found_actions = [
        await action_from_form(session, event, n, view, today, errors)
        for n in range(1, MODERATION_ACTIONS + 1)
    ]
    form = await _moderation_form(deps, session, event, row, view)
    check_form(form, dict(event.fields), errors)
    raised = [a for a in found_actions if a is not None]
    now = deps.clock.now()
    agrees = agree == "yes"
    moderated_grade = record.grade if agrees else grade
    tracked = action_activity(deps.programme)
    flagged = tracked is not None and moderated_grade in tracked.track_grades
    await audit_records.save_moderation(session, row.id, agrees=agrees,
                                        auditor_grade=record.grade,
                                        moderated_grade=moderated_grade, reason=reason,
                                        completed_at=now, record_id=record.id,
                                        flagged=flagged)  # fmt: skip
    await store_actions(deps, session, record.id, moderated_grade, raised)
    await announce_raised(deps, session, record.id, view.case_ref, moderated_grade)
    await settle(deps, session, (keys.moderation_requested(row.id), event.source_key),
                 "Moderation given")  # fmt: skip
    await settle_reminders(deps, session, [event.staff_id], {"moderation_id": row.id},
                           "Moderation given")  # fmt: skip
    moderator = await audit_people.person_by_staff_id(session, event.staff_id)
    assert moderator is not None
    if moderated_grade == INADEQUATE and record.grade != INADEQUATE:
        activity = case_audit(deps.programme, view.activity)
        found = await findings_of(session, view.id)
        await tell_of_inadequate(deps, session, view, activity, found,
                                 moderator_name=moderator.name)  # fmt: skip
    context = {
        "audit": term(case_audit(deps.programme, view.activity)),
        "name": first_name(view.auditor.name),
        "case_ref": view.case_ref,
        "moderator_name": moderator.name,
        "agreed": agrees,
        "grade": record.grade,
        "moderated_grade": moderated_grade,
        "comments": one_line(reason),
        "actions": [
            {"description": one_line(a.description), "owner": a.owner.name, "due": a.due_on}
            for a in raised
        ],
    }
    meta = audit_meta("moderation.recorded", view, agreed=agrees)
    await enqueue(
        deps,
        session,
        key=keys.moderation_recorded(row.id),
        recipient=dm(view.auditor.staff_id),
        message=deps.wording.compose("moderation_recorded", context, meta=meta),
        not_before=deps.calendar.next_dm_time(now, view.auditor.away_until),
        now=now,
    )
    thanks = {"name": first_name(moderator.name), "case_ref": view.case_ref,
              "auditor_name": view.auditor.name}  # fmt: skip
    return Reply(message=deps.wording.compose("moderation_saved", thanks, meta=meta))


def agreement_rate(outcomes: Iterable[bool]) -> float | None:
    """The share of completed moderations that agreed with the auditor; None when there are none."""
    values = list(outcomes)
    return sum(values) / len(values) if values else None


async def period_agreement_rate(
    session: AsyncSession, activity_id: str, first_period: str, last_period: str
) -> float | None:
    """Agreement over the rounds from `first_period` to `last_period` (YYYY-MM, inclusive)."""
    return agreement_rate(
        await audit_followups.moderation_outcomes(session, activity_id, first_period, last_period)
    )
