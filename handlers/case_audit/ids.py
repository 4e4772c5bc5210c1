"""Action ids of the audit cycle: the Slack action_id, Teams verb and sandbox form all carry these.

Values each action carries:
- CHECKLIST_TICK: value "<allocation_id>" with the ticked item ids in field "done" (comma-separated
  or repeated; none means nothing ticked) sets the checklist to exactly that state; value
  "<allocation_id>:<item_id>" with no "done" field toggles one item.
- OPEN_NOT_APPLICABLE / NOT_APPLICABLE: value "<allocation_id>"; the form carries the fields
  "item" (an item id of the case's checklist) and "reason": the worker marks it not applicable.
- OPEN_RECORD / RECORD: value "<allocation_id>"; RECORD carries the form's fields.
- OPEN_REFLECTION / SAVE_REFLECTION: value "<allocation_id>"; SAVE_REFLECTION carries one field
  per reflection prompt id.
- OPEN_MODERATION / RECORD_MODERATION: value "<moderation_id>".
- ACTION_DONE: value "<action_id>"; as a button it opens the form asking what was done, as that
  form it carries the field "evidence" and closes the action (or, for an action from a tracked
  grade such as Inadequate, asks the owner's line manager to confirm).
- ACTION_CONFIRM / ACTION_NOT_YET: value "<action_id>", the line manager's answer.
- ESCALATION_ASK / ESCALATION_EXTEND / ESCALATION_TAKE: value "audit:<allocation_id>" or
  "action:<action_id>", an item escalated to the manager who taps it: send the person a gentle
  word, move the due date on a week of working days, or take it on (no more escalation).

Snooze and "why" on the audit cycle's reminders are the digest's (handlers/reminders/ids.py); the
items it snoozes are "checklist:<id>", "audit:<id>", "reflection:<allocation_id>",
"moderation:<moderation_id>" and "action:<id>".
"""

CHECKLIST_TICK = "checklist.tick"
OPEN_NOT_APPLICABLE = "checklist.open_not_applicable"
NOT_APPLICABLE = "checklist.not_applicable"
OPEN_RECORD = "audit.open_record"
RECORD = "audit.record"
OPEN_REFLECTION = "reflection.open"
SAVE_REFLECTION = "reflection.save"
OPEN_MODERATION = "moderation.open"
RECORD_MODERATION = "moderation.record"
ACTION_DONE = "action.done"
ACTION_CONFIRM = "action.confirm"
ACTION_NOT_YET = "action.not_yet"
ESCALATION_ASK = "escalation.ask"
ESCALATION_EXTEND = "escalation.extend"
ESCALATION_TAKE = "escalation.take"
ESCALATION_REASSIGN = "escalation.reassign"  # opens the people picker; value as above
ESCALATION_REASSIGN_SAVE = "escalation.reassign_save"  # field "person": a staff id
# An audit still unrecorded after its escalation, for the QA team: value "<allocation_id>";
# STALLED_DECIDE carries "decision" (reassign, extend or close), "auditor" and "reason".
STALLED_OPEN = "audit.stalled_open"
STALLED_DECIDE = "audit.stalled_decide"
# When the auditor and the worker meet: value "<allocation_id>"; SET_AGREED carries "day" (a
# date) and "time" (HH:MM, one of the working-hours choices). Either of the two may set it.
OPEN_AGREED = "audit.open_agreed"
SET_AGREED = "audit.set_agreed"
