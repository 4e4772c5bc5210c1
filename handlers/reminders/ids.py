"""Action ids of the reminder digest, for an item of any capability.

- SNOOZE: value "<kind>:<id>:<working days>", e.g. "audit:12:2" or "observation:7:5"; the kind
  is one a reminder source declares.
- SNOOZE_REASON: form, value "<kind>:<id>", fields "reason" (one of REASONS, or "other") and
  "reason_text" (free words, which win): why the person snoozed it, kept with the snooze and
  shown to whoever is told of the item next (an escalation, a manager's weekly digest).
- WHY: value = the reminder's type, e.g. "checklist.reminder"; a type a reminder source declares.
"""

SNOOZE = "reminder.snooze"
SNOOZE_REASON = "reminder.snooze_reason"
WHY = "reminder.why"
