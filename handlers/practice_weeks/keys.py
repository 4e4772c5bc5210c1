"""Outbox keys of practice weeks, each built in one place."""

from __future__ import annotations

import datetime as dt


def posted(activity: str, starts_on: dt.date) -> str:
    """The week's schedule in its channel: one post a week, however often it is loaded."""
    return f"practice_week.posted:{activity}:{starts_on.isoformat()}"


def summary(activity: str, starts_on: dt.date) -> str:
    """The QA team's summary of the week, once."""
    return f"practice_week.summary:{activity}:{starts_on.isoformat()}"
