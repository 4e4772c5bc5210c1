"""The case audit's outbox keys, each built in one place: one message per thing it is about.

A key is what makes a retry, a restart or a second process send a message once; the checklist
message is found again by its key to be updated in place.
"""

from __future__ import annotations

import datetime as dt


def allocated(allocation_id: int) -> str:
    """The auditor's allocation DM."""
    return f"audit.allocated:{allocation_id}"


def allocated_again(allocation_id: int, staff_id: str) -> str:
    """The allocation DM to the auditor a stalled audit was given to."""
    return f"audit.allocated:{allocation_id}:{staff_id}"


def notified(allocation_id: int) -> str:
    """The practitioner's checklist message, updated in place as items are ticked."""
    return f"audit.notified:{allocation_id}"


def joined(allocation_id: int, staff_id: str) -> str:
    """The note to someone joining an audit alongside its auditor."""
    return f"audit.joined:{allocation_id}:{staff_id}"


def lead(round_id: int, staff_id: str, service: str) -> str:
    """A lead auditor's summary of who audits what in their service this round."""
    return f"audit.lead:{round_id}:{staff_id}:{service}"


def summary(activity_id: str, period: str) -> str:
    """The QA team's summary of a round."""
    return f"allocation.summary:{activity_id}:{period}"


def audit_escalated(allocation_id: int) -> str:
    """The line manager's word about an audit still not recorded."""
    return f"audit.escalated:{allocation_id}"


def action_escalated(action_id: int) -> str:
    """The line manager's word about an action past its due date."""
    return f"action.escalated:{action_id}"


def action_raised(action_id: int) -> str:
    """The owner's word that an audit has raised an action for them."""
    return f"action.raised:{action_id}"


def action_confirm_asked(action_id: int, claimed_at: dt.datetime) -> str:
    """The line manager's ask to confirm an action is done, once per time the owner says so."""
    return f"action.confirm:{action_id}:{claimed_at.isoformat()}"


def action_not_yet(action_id: int, answered_at: dt.datetime) -> str:
    """The owner's word that their manager does not think the action is done yet."""
    return f"action.not_yet:{action_id}:{answered_at.isoformat()}"


def reflection_requested(allocation_id: int, staff_id: str) -> str:
    """The ask to reflect on an audit, one per person reflecting."""
    return f"reflection.requested:{allocation_id}:{staff_id}"


def moderation_requested(moderation_id: int) -> str:
    """The moderator's request for a second look."""
    return f"moderation.requested:{moderation_id}"


def moderation_recorded(moderation_id: int) -> str:
    """The auditor's word that their audit was moderated."""
    return f"moderation.recorded:{moderation_id}"


def inadequate_to_manager(allocation_id: int) -> str:
    """The worker's line manager's word that an audit of their case was graded Inadequate."""
    return f"audit.inadequate.manager:{allocation_id}"


def findings_to_manager(allocation_id: int) -> str:
    """The worker's line manager's copy of what an audit found, for supervision."""
    return f"audit.findings.manager:{allocation_id}"


def inadequate_to_qa_team(allocation_id: int) -> str:
    """The QA team channel's word that an audit was graded Inadequate (no case data)."""
    return f"audit.inadequate.qa_team:{allocation_id}"


def escalation_asked(item: str, day: dt.date) -> str:
    """A manager's "ask them" word to the person about one item, at most once a day."""
    return f"escalation.asked:{item}:{day.isoformat()}"


def reassigned(item: str, staff_id: str) -> str:
    """The word to someone given an escalated item ("audit:12") by its owner's manager."""
    return f"escalation.reassigned:{item}:{staff_id}"


def released(item: str, staff_id: str) -> str:
    """The word to the person an escalated item was taken from."""
    return f"escalation.released:{item}:{staff_id}"


def agreed(allocation_id: int, day: dt.date, time: dt.time) -> str:
    """The other person's word that a time to meet is set, once per day and time agreed."""
    return f"audit.agreed:{allocation_id}:{day.isoformat()}T{time:%H:%M}"
