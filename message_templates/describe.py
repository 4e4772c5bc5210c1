"""Messages described in words, for the people told about them (a parked message, for one).

"the allocation message", not "audit_allocated"; "Teams", not "teams". A kind with no words of
its own reads as its name with spaces, never as an id.
"""

from __future__ import annotations

MESSAGE_WORDS = {
    "audit_allocated": "the allocation message",
    "audit_notified": "the checklist message",
    "checklist_updated": "the checklist message",
    "checklist_reminder": "the checklist reminder",
    "audit_reminder": "the reminder to record an audit",
    "audit_escalated": "the word about an audit not recorded",
    "audit_findings": "the findings of an audit",
    "audit_inadequate": "the word about an Inadequate audit",
    "audit_inadequate_qa": "the QA team's word about an Inadequate audit",
    "audit_joined": "the invitation to join an audit",
    "audit_lead": "the lead auditor's round summary",
    "reflection_requested": "the request for reflections",
    "reflection_reminder": "the reminder about reflections",
    "moderation_requested": "the request to moderate",
    "moderation_reminder": "the reminder to moderate",
    "moderation_recorded": "the outcome of a moderation",
    "action_raised": "the word about a new action",
    "action_reminder": "the reminder about an action",
    "action_confirm": "the request to confirm an action",
    "action_escalated": "the word about an action past its date",
    "allocation_summary": "the round's summary",
    "digest": "the daily reminders",
    "observation_due": "the reminder about an observation",
    "practice_week_posted": "the practice week post",
    "broadcast_posted": "the newsletter post",
    "welcome": "the welcome message",
}
PLATFORM_WORDS = {"slack": "Slack", "teams": "Teams", "sandbox": "the sandbox"}


def message_words(kind: str) -> str:
    """What a message of this kind is, in words: "the allocation message"."""
    if kind.startswith("reminders."):
        return MESSAGE_WORDS["digest"]
    return MESSAGE_WORDS.get(kind, f"a {kind.replace('_', ' ').replace('.', ' ')} message")


def platform_words(platform: str) -> str:
    """ "in Teams", "in Slack", "in the sandbox": the platform as people name it."""
    return PLATFORM_WORDS.get(platform, platform.capitalize())


def recipient_words(recipient: str, name: str | None) -> str:
    """Who a message was for: the person's name, or the channel."""
    kind, _, who = recipient.partition(":")
    if kind == "channel":
        return f"the #{who} channel"
    return name or who or recipient
