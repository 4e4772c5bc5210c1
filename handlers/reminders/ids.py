"""Action ids of the reminder digest, for an item of any capability.

- SNOOZE: value "<kind>:<id>:<working days>", e.g. "audit:12:2" or "observation:7:5"; the kind
  is one a reminder source declares.
- WHY: value = the reminder's type, e.g. "checklist.reminder"; a type a reminder source declares.
"""

SNOOZE = "reminder.snooze"
WHY = "reminder.why"
