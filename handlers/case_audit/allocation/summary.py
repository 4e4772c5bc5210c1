"""The QA team's summary of a round: what happened, and who is not in it and why, in plain words.

The names go only in DMs to the QA team; if the roster has no one in a QA-team role, the QA
channel hears the same summary with counts and no names.
"""

from __future__ import annotations

import calendar as month_names
import datetime as dt
from collections import Counter
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.case_audit import keys
from handlers.case_audit.allocation.explain import NO_AUDITOR_KINDS, uncovered_kind
from handlers.case_audit.allocation.types import AllocationPlan, Uncovered
from handlers.core.delivery import Draft, enqueue_many
from handlers.core.deps import Deps
from handlers.core.recipients import dm
from handlers.programme.schema import CaseAudit
from message_templates.model import Message
from storage.case_audit import people as audit_people
from storage.case_audit.people import PersonRef

# a DM must stay readable: each reason names this many people, then "and N more"
NAMES_SHOWN = 8
# the order the reasons are listed in: first those the QA team may act on
_ORDER = (
    *("auditors_full", "line_management", "line_or_service", "no_auditor", "away"),
    *("no_case_of_type", "no_case_in_theme", "no_open_case", "recently_audited", ""),
)


@dataclass(frozen=True)
class _Named:
    name: str
    overdue: bool
    away_until: dt.date | None


async def send_summary(
    deps: Deps, session: AsyncSession, activity: CaseAudit, plan: AllocationPlan, now: dt.datetime
) -> int:
    """Queue the round's summary: a DM to each active member of the QA team, else (no one holds
    a QA-team role) the QA channel, without names."""
    team = await audit_people.people_with_roles(session, deps.programme.permissions.qa_team)
    key = keys.summary(activity.id, f"{plan.year:04d}-{plan.month:02d}")
    if not team:
        message = summary(deps, activity, plan, None, dry_run=False)
        channel = Draft(key, f"channel:{deps.qa_channel}", message, deps.calendar.next_dm_time(now))
        return await enqueue_many(deps, session, [channel], now=now)
    people = await audit_people.people_by_staff_id(
        session, {u.practitioner_id for u in plan.uncovered}
    )
    message = summary(deps, activity, plan, people, dry_run=False)
    drafts = [
        Draft(f"{key}:{member.staff_id}", dm(member.staff_id), message,
              deps.calendar.next_dm_time(now, member.away_until))
        for member in team
    ]  # fmt: skip
    return await enqueue_many(deps, session, drafts, now=now)


def summary(
    deps: Deps,
    activity: CaseAudit,
    plan: AllocationPlan,
    people: dict[str, PersonRef] | None,
    *,
    dry_run: bool,
) -> Message:
    """The summary; `people` (by staff id) names those not in the round, None for counts only."""
    groups = _groups(plan.uncovered, people)
    without = sum(1 for u in plan.uncovered if uncovered_kind(u.reason) in NO_AUDITOR_KINDS)
    context = {
        "activity_name": activity.title,
        "period": f"{month_names.month_name[plan.month]} {plan.year}",
        "dry_run": dry_run,
        "allocated": len(plan.pairs),
        "auditors": len({p.auditor_id for p in plan.pairs}),
        "unallocated": len(plan.uncovered),
        "without_auditor": without,
        "not_in_round": len(plan.uncovered) - without,
        "named": people is not None,
        "groups": groups,
        "theme": plan.theme or "",
        "months": activity.case_lookback_months,
        "coverage": activity.coverage_months or 0,
        "sample": (activity.sample_size or 0) if activity.allocation == "random_sample" else 0,
        "problems": problems(plan),
    }
    meta = {"type": "allocation.summary", "activity": activity.id, "period": context["period"]}
    return deps.wording.compose("allocation_summary", context, meta=meta)


def _groups(
    uncovered: list[Uncovered], people: dict[str, PersonRef] | None
) -> list[dict[str, object]]:
    """Those not in the round grouped by why, overdue ones first, then by name."""
    found: dict[tuple[str, str], list[_Named]] = {}
    for u in uncovered:
        kind = uncovered_kind(u.reason)
        person = (people or {}).get(u.practitioner_id)
        name = person.name if person is not None else u.practitioner_id
        away = person.away_until if person is not None else None
        found.setdefault((kind, "" if kind else u.reason), []).append(_Named(name, u.overdue, away))
    groups = []
    for (kind, reason), named in sorted(found.items(), key=lambda g: (_ORDER.index(g[0][0]), g)):
        named.sort(key=lambda n: (not n.overdue, n.name))
        shown = named[:NAMES_SHOWN] if people is not None else []
        groups.append({
            "kind": kind, "reason": reason, "count": len(named),
            "overdue": sum(1 for n in named if n.overdue),
            "people": [{"name": n.name, "overdue": n.overdue, "away_until": n.away_until}
                       for n in shown],
            "more": len(named) - len(shown),
        })  # fmt: skip
    return groups


def problems(plan: AllocationPlan) -> list[str]:
    """What else is worth a look: a skipped round, auditors left without a case, notes."""
    lines = [plan.skipped] if plan.skipped else []
    idle = Counter(i.reason for i in plan.idle_auditors)
    lines += [f"{_people(n, 'auditor')} without a case: {r}" for r, n in idle.items()]
    return lines + list(plan.notes)


def _people(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
