"""Fair escalation, for every capability that tells a manager (SPEC §8, one rule for all).

A manager hears of an item only once the person it belongs to was actually sent a reminder
about it (a delivered daily message carrying it, not one still queued) and has had a whole
working day since to act. Escalations are due from a number of working days overdue on, not on
one day only, and each is made once (the audit log keeps it): so after downtime or a clock jump
the sweeps resume from what was delivered, and a manager hears of an item the day its person's
reminder has had its working day, exactly once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.calendar import Calendar
from storage.case_audit import escalations as records
from storage.case_audit.escalations import Delivered

# How far back a person's delivered reminders are read: further than any escalation waits.
REMINDED_LOOK_BACK = dt.timedelta(days=120)

Item = dict[str, Any]


def had_a_working_day(calendar: Calendar, reminded_on: dt.date, today: dt.date) -> bool:
    """Whether a person reminded on `reminded_on` has had a whole working day since to act: the
    first working day after the reminder is over by `today`."""
    return calendar.next_working_day(reminded_on + dt.timedelta(days=1)) < today


def reminded_in_time(
    calendar: Calendar, delivered: Iterable[Delivered], about: Callable[[Item], bool],
    today: dt.date,
) -> bool:  # fmt: skip
    """Whether one of these delivered messages carried an item `about` picks out and its
    person has had a working day since to act on it."""
    return any(
        had_a_working_day(calendar, calendar.local_date(d.sent_at), today)
        and any(about(i) for i in d.items)
        for d in delivered
    )


def meta_type(item: Item) -> Any:
    """The reminder type a delivered item carries ("audit.reminder", "observation.due", …)."""
    return item.get("meta", {}).get("type")


async def delivered_by_person(
    session: AsyncSession, calendar: Calendar, staff_ids: Collection[str], today: dt.date
) -> dict[str, list[Delivered]]:
    """Each of these people's daily messages actually sent in the look-back, by staff id."""
    since = dt.datetime.combine(today, dt.time(0), tzinfo=calendar.zone) - REMINDED_LOOK_BACK
    found: dict[str, list[Delivered]] = {}
    for delivered in await records.delivered_reminders(session, staff_ids, since):
        found.setdefault(delivered.staff_id, []).append(delivered)
    return found


def escalation_subject(item: str, due: dt.date) -> str:
    """The audit log's subject for an item's escalation: once per item and due date."""
    return f"{item}@{due.isoformat()}"
