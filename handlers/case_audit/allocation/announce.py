"""Telling everyone about a new round, in DMs only: the case to each auditor, the checklist to
each worker, a note to anyone who joins an audit, and each service's lead auditor the spread."""

from __future__ import annotations

import calendar as month_names
import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.case_audit import keys
from handlers.case_audit.allocation.plan import AllocationPlan
from handlers.case_audit.messages import allocated, joined, led, notified
from handlers.core.delivery import Draft, enqueue_many
from handlers.core.deps import Deps
from handlers.core.recipients import dm
from handlers.programme.schema import CaseAudit
from message_templates.model import Message
from storage.case_audit import audits
from storage.case_audit import people as audit_people
from storage.case_audit.audits import AllocationView
from storage.case_audit.people import PersonRef


async def announce(
    deps: Deps,
    session: AsyncSession,
    activity: CaseAudit,
    round_id: int,
    plan: AllocationPlan,
    now: dt.datetime,
) -> int:
    """Per allocation: the case to the auditor, the checklist to the practitioner, and a note
    to anyone joining it (DMs only)."""
    views = await audits.allocations(session, round_id=round_id)
    outgoing = [
        _direct(deps, key, person, message, now)
        for view in views
        for key, person, message in (
            (keys.allocated(view.id), view.auditor, allocated(deps, view, activity)),
            (keys.notified(view.id), view.practitioner, notified(deps, view, activity)),
        )
    ]
    outgoing += await _joins(deps, session, activity, views, plan, now)
    outgoing += await _leads(deps, session, activity, views, plan, now)
    return await enqueue_many(deps, session, outgoing, now=now)


async def _leads(
    deps: Deps,
    session: AsyncSession,
    activity: CaseAudit,
    views: list[AllocationView],
    plan: AllocationPlan,
    now: dt.datetime,
) -> list[Draft]:
    """Each service's lead auditor hears who audits how many in their service this round."""
    lead_of_case = {pair.case_ref: pair.lead_id for pair in plan.pairs}
    period = f"{month_names.month_name[plan.month]} {plan.year}"
    people = await audit_people.people_by_staff_id(session, set(plan.leads.values()))
    found = []
    for service, lead_id in sorted(plan.leads.items()):
        lead = people.get(lead_id)
        theirs = [v for v in views if lead_of_case.get(v.case_ref) == lead_id]
        if lead is None or not theirs:
            continue
        key = keys.lead(theirs[0].round_id, lead.staff_id, service)
        message = led(deps, lead, service, theirs, activity, period)
        found.append(_direct(deps, key, lead, message, now))
    return found


def _direct(deps: Deps, key: str, person: PersonRef, message: Message, now: dt.datetime) -> Draft:
    """A DM to queue, held until the person's next working hours (allocations are not reminders,
    but still never arrive at night or while someone is away)."""
    return Draft(
        key=key,
        recipient=dm(person.staff_id),
        message=message,
        not_before=deps.calendar.next_dm_time(now, person.away_until),
    )


async def _joins(
    deps: Deps,
    session: AsyncSession,
    activity: CaseAudit,
    views: list[AllocationView],
    plan: AllocationPlan,
    now: dt.datetime,
) -> list[Draft]:
    """Whoever joins one audit (Shropshire's principal social worker) hears which and when."""
    by_case = {view.case_ref: view for view in views}
    people = await audit_people.people_by_staff_id(session, {join.staff_id for join in plan.joins})
    found = []
    for join in plan.joins:
        person = people.get(join.staff_id)
        view = by_case.get(join.case_ref)
        if person is None or view is None:
            continue
        key = keys.joined(view.id, person.staff_id)
        found.append(_direct(deps, key, person, joined(deps, view, activity, person.name), now))
    return found
