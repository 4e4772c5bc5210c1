"""Reminder types of practice weeks (the digest's "why" button carries them).

A practice-week reminder comes once, the working day before a visit, so there is nothing to
snooze: the source declares no snoozable kind.
"""

WHY_TYPE = "practice_week.reminder"
