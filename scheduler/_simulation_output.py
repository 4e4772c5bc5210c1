"""SPEC §6 lines from recorded deliveries: the one table of types, and only the SPEC's fields.

Nothing from a message body is printed: each line is built from the message's kind and the
plain `meta` its handler set, whitelisted field by field.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from scheduler._simulation_platform import Delivery

# Message kind -> SPEC §6 type. None marks an answer to a person's own click or command: it is
# delivered and counted, but it is not one of the messages qabot sends of its own accord.
TYPES: Mapping[str, str | None] = {
    "audit_allocated": "audit.allocated",
    "audit_notified": "audit.notified",
    "audit_joined": "audit.joined",
    "audit_lead": "audit.lead",
    "checklist_reminder": "checklist.reminder",
    "audit_reminder": "audit.reminder",
    "audit_escalated": "audit.escalated",
    "reflection_requested": "reflection.requested",
    "reflection_reminder": "reflection.reminder",
    "moderation_requested": "moderation.requested",
    "moderation_reminder": "moderation.reminder",
    "moderation_recorded": "moderation.recorded",
    "observation_due": "observation.due",
    "observation_overdue": "observation.overdue",
    "observation_escalated": "observation.escalated",
    "practice_week_posted": "practice_week.posted",
    "practice_week_reminder": "practice_week.reminder",
    "practice_week_findings": "practice_week.findings_requested",
    "practice_week_feedback": "practice_week.feedback_requested",
    "practice_week_summary": "practice_week.summary",
    "broadcast_posted": "broadcast.posted",
    "broadcast_wanted": "broadcast.wanted",
    "action_raised": "action.raised",
    "action_reminder": "action.reminder",
    "action_confirm": "action.confirm",
    "action_not_yet": "action.not_yet",
    "action_escalated": "action.escalated",
    "escalation_asked": "escalation.asked",
    "escalation_reassigned": "escalation.reassigned",
    "escalation_released": "escalation.released",
    "escalation_reassign_form": None,
    "digest": "digest.sent",
    "team_digest": "digest.sent",
    "allocation_summary": "allocation.summary",
    "parked_alert": "delivery.parked",
    "audit_record_form": None,
    "audit_recorded": None,
    "checklist_updated": None,
    "reflection_form": None,
    "reflection_saved": None,
    "moderation_form": None,
    "moderation_saved": None,
    "observation_form": None,
    "practice_week_findings_form": None,
    "practice_week_feedback_form": None,
    "practice_week_thanks": None,
    "broadcast_read": None,
    "broadcast_queued": None,
    "broadcast_reads": None,
    "observation_saved": None,
    "observation_recorded": "observation.recorded",
    "observation_reflection_form": None,
    "observation_reflection_saved": None,
    "reminder_snooze_reason": None,
    "action_done": None,
    "action_done_form": None,
    "action_confirmed": None,
    "escalation_answered": None,
    "reminder_snoozed": None,
    "reminder_why": None,
    "welcome": None,
    "help": None,
    "my_qa": None,
    "supervision_reflections": None,
    "away_set": None,
    "back": None,
    "user_error": None,
    "apology": None,
}
# The meta fields a line may carry, in print order; anything else in meta is never printed.
FIELDS = (
    "activity",
    "group",
    "auditor",
    "observer",
    "practitioner",
    "case_ref",
    "due",
    "manager",
    "moderator",
    "owner",
    "period",
    "kind",
    "visitor",
    "team",
    "day",
    "week",
    "placeholder",
    "follow_up",  # the one follow-up of a practice-week ask not answered
)
REMINDER_TYPES = frozenset(
    {
        "checklist.reminder",
        "audit.reminder",
        "reflection.reminder",
        "moderation.reminder",
        "action.reminder",
        "observation.due",
        "observation.overdue",
        "observation.escalated",  # an item of the manager's digest, not a message of its own
        "practice_week.reminder",
        "practice_week.findings_requested",
        "practice_week.feedback_requested",
        "broadcast.wanted",
    }
)


def spec_type(kind: str) -> str | None:
    """The SPEC type of a message kind; a kind not in the table yet is named after itself."""
    if kind in TYPES:
        return TYPES[kind]
    return kind.replace("_", ".", 1)


def is_message(delivery: Delivery) -> bool:
    """A message qabot sends of its own accord: not an edit in place, not an answer."""
    return not delivery.is_update and spec_type(delivery.kind) is not None


def _fields(kind: str, meta: Mapping[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {"type": spec_type(kind) or kind}
    found.update((name, meta[name]) for name in FIELDS if meta.get(name) not in (None, ""))
    return found


def recipient_of(outbox_recipient: str) -> str:
    """A staff id for a direct message, `channel:<name>` for a channel post."""
    kind, _, rest = outbox_recipient.partition(":")
    return rest if kind == "person" else outbox_recipient


def spec_line(delivery: Delivery, zone: ZoneInfo) -> dict[str, Any]:
    """One SPEC §6 object; a gathered reminder lists every item with its own type and fields."""
    fields = _fields(delivery.kind, delivery.meta)
    line: dict[str, Any] = {
        "at": delivery.at.astimezone(zone).isoformat(),
        "type": fields.pop("type"),
        "recipient": recipient_of(delivery.recipient),
        **fields,
    }
    items = delivery.meta.get("items")
    if isinstance(items, list) and len(items) > 1:
        line["items"] = [_fields(item["kind"], item.get("meta", {})) for item in items]
    return line


def month_of(line: Mapping[str, Any]) -> str:
    return str(line["at"])[:7]


def counts_by_month(lines: Iterable[Mapping[str, Any]]) -> dict[str, Counter[str]]:
    """For each type, how many lines each month (YYYY-MM), types in first-seen order."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for line in lines:
        counts[line["type"]][month_of(line)] += 1
    return dict(counts)
