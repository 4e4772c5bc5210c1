"""The QA team's part of My QA: this month's audits by service, Inadequate audits and their open
actions, moderators' recent comments, and what qabot could not deliver. Only the programme's
QA-team roles see it.

Everything comes from a few grouped queries (storage/case_audit/qa_view.py), never one per audit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.case_audit.messages import action_activity
from handlers.case_audit.record import INADEQUATE
from handlers.core.deps import Deps
from message_templates.describe import message_words, recipient_words
from storage.broadcasts import queue as broadcast_queue
from storage.case_audit import qa_view
from storage.case_audit.qa_view import Agreement, ServicePeriod
from storage.case_audit.records import moderation_notes

# a DM must stay readable: the lists show the latest few, and say how many there are in all
INADEQUATE_SHOWN = 10
PARKED_SHOWN = 5
UNREACHED_SHOWN = 10
BROADCASTS_SHOWN = 3  # the latest posts' read counts ("broadcasts" in chat shows them by team)
MODERATIONS_SHOWN = 10
MODERATIONS_DAYS = 28
AGREEMENT_DAYS = 365  # agreement rates are over the last year's moderations
AUDITORS_SHOWN = 10  # auditors with the lowest agreement first


def is_qa_team(deps: Deps, role: str) -> bool:
    return role in deps.programme.permissions.qa_team


async def team_view(deps: Deps, session: AsyncSession, today: dt.date) -> dict[str, Any]:
    """The template's `team` context: plain data, in the order the message reads."""
    period = f"{today:%Y-%m}"
    services = await qa_view.services_in_period(session, period, today)
    tracked = _tracked_grades(deps)
    graded, graded_total = await qa_view.graded_audits(
        session, INADEQUATE, period, tracked=tracked, limit=INADEQUATE_SHOWN
    )
    parked, parked_total = await qa_view.parked_messages(session, limit=PARKED_SHOWN)
    unreached, unreached_total = await qa_view.unreached_people(session, limit=UNREACHED_SHOWN)
    reads = await broadcast_queue.reads(session, limit=BROADCASTS_SHOWN)
    since = dt.datetime.combine(today - dt.timedelta(days=MODERATIONS_DAYS), dt.time(0),
                                tzinfo=deps.calendar.zone)  # fmt: skip
    notes = await moderation_notes(session, since=since, limit=MODERATIONS_SHOWN)
    year_ago = dt.datetime.combine(today - dt.timedelta(days=AGREEMENT_DAYS), dt.time(0),
                                   tzinfo=deps.calendar.zone)  # fmt: skip
    by_service, by_auditor = await qa_view.agreement(session, year_ago)
    by_auditor.sort(key=lambda a: (a.agreed / a.moderated, -a.moderated, a.name))
    names = {u.staff_id: u.name for u in unreached}
    return {
        "month": f"{today:%B %Y}",
        "services": [_service(s, deps.programme.grades) for s in services],
        "grade": INADEQUATE,
        "tracked": tracked,
        "graded": [
            {**asdict(a), "recorded_on": deps.calendar.local_date(a.recorded_at)} for a in graded
        ],
        "graded_total": graded_total,
        "parked": [
            {
                "recipient": p.recipient,
                "message_type": p.message_type,
                "what": message_words(p.message_type),
                "who": recipient_words(p.recipient, names.get(p.recipient.removeprefix("person:"))),
            }
            for p in parked
        ],
        "parked_total": parked_total,
        "unreached": [asdict(u) for u in unreached],
        "unreached_total": unreached_total,
        "broadcasts": [
            {
                "headline": r.title,
                "posted_on": deps.calendar.local_date(r.posted_at),
                "total": r.total,
            }
            for r in reads
        ],
        "agreement": {
            "services": [_rate(a) for a in by_service],
            "auditors": [_rate(a) for a in by_auditor[:AUDITORS_SHOWN]],
            "auditors_total": len(by_auditor),
        },
        "moderations": [
            {
                "case_ref": n.case_ref,
                "auditor_name": n.auditor_name,
                "moderator_name": n.moderator_name,
                "auditor_grade": n.auditor_grade,
                "moderated_grade": n.moderated_grade,
                "agrees": n.agrees,
                "comments": " ".join(n.comments.split()),
                "completed_on": deps.calendar.local_date(n.completed_at),
            }
            for n in notes
        ],
    }


def _rate(found: Agreement) -> dict[str, Any]:
    """One service's or auditor's agreement, with the share as a whole percentage."""
    return {**asdict(found), "percent": round(100 * found.agreed / found.moderated)}


def _tracked_grades(deps: Deps) -> list[str]:
    """The grades whose actions the programme follows until closed (`track_grades`), in the
    programme's order; none without an action activity."""
    activity = action_activity(deps.programme)
    wanted = set(activity.track_grades) if activity is not None else set()
    return [g for g in deps.programme.grades if g in wanted] + sorted(
        wanted - set(deps.programme.grades)
    )


def _service(found: ServicePeriod, grades: list[str]) -> dict[str, Any]:
    """One service's row, its grades in the programme's order (any no longer in it last)."""
    order = [g for g in grades if g in found.grades] + sorted(set(found.grades) - set(grades))
    return {
        **asdict(found),
        "grades": [{"grade": g, "count": found.grades[g]} for g in order],
    }
