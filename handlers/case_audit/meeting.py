"""Which day an audit's reminders count towards: the day its auditor and worker agreed to meet,
when they have agreed one, else the round's deadline.

The checklist is the worker's preparation for that meeting, so its nudges count to the agreed
day and stop there. The auditor is reminded of the meeting before it; once it is past, the
record's own ladder counts to the deadline (a few nudges before it, then overdue ones and the
escalation), as it does when no day was agreed.
"""

from __future__ import annotations

import datetime as dt

from storage.case_audit.audits import AllocationView


def checklist_counts_to(view: AllocationView) -> dt.date:
    """The day the checklist should be done by: the agreed day to meet, else the deadline."""
    return view.agreed_on or view.due_on


def meeting_ahead(view: AllocationView, today: dt.date) -> bool:
    """Whether the auditor and the worker have a day agreed to meet, today or later."""
    return view.agreed_on is not None and view.agreed_on >= today


def record_counts_to(view: AllocationView, today: dt.date) -> dt.date:
    """The day the auditor's reminders count towards today: the agreed meeting while it is
    ahead (nudges before it only), else the deadline for the record."""
    return (
        view.agreed_on if view.agreed_on is not None and meeting_ahead(view, today) else view.due_on
    )


def clock_words(time: dt.time | None) -> str:
    """A time as the messages say it: "10:00", "14:30"; "" when there is none."""
    return "" if time is None else f"{time:%H:%M}"
