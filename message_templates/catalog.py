"""A sample context for every message template: fictional people, case references only.

Golden tests and previews render every message from these, so a template that needs a
variable the sample lacks fails loudly.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from message_templates._sample_structure import structure_for
from message_templates.model import Message
from message_templates.wording import TODAY, Wording

_DUE = dt.date(2027, 1, 15)
_MEETING = dt.date(2027, 1, 13)  # the day the auditor and the worker agreed to meet
SAMPLE_TODAY = dt.date(2027, 1, 11)  # the samples are written on it: days in 2027 show no year
_CASE_URL = "https://lcs.council.example/case/C-000123"
_FINDINGS: dict[str, Any] = {
    "grade": "Requires improvement to be good",
    "grade_reason": "The plan has not been reviewed since March, so drift has crept in.",
    "strengths": "A trusting relationship with the family; visits are regular.",
    "worries": "The plan's actions have no dates, and school isn't in the network.",
    "family_said": "Mum said the weekly visits help, and she wants school at the next meeting.",
    "family_not_why": "",
    "actions": [
        {"description": "Review the plan with the family and school", "owner": "Tom Okafor"}
        | {"due": dt.date(2027, 2, 12), "open": True},
    ],
}

_REFLECTED: dict[str, Any] = {
    "allocation_id": 812,
    "case_ref": "C-000123",
    "person_name": "Tom Reid",
    "answers": [
        {"prompt": "What did you learn from this audit?", "answer": "Dates make a plan real."},
        {"prompt": "What will you do next?", "answer": "Review the plan with school."},
    ],
}

SAMPLE_CONTEXTS: dict[str, dict[str, Any]] = {
    "welcome": {"name": "Priya", "role": "practitioner"},
    "help": {"name": "Priya", "role": "qa_officer", "may_broadcast": True, "may_see_reads": True},
    "my_qa": {
        "name": "Priya",
        "role": "team_manager",
        "items": [
            {
                "kind": "audit_as_auditor",
                "due_on": _DUE,
                "case_ref": "C-000123",
                "other": "Tom Okafor",
                "detail": "allocated",
            },
            {"kind": "reflection", "due_on": dt.date(2027, 1, 18)}
            | {"case_ref": "C-000789", "other": "Marcus Reid", "detail": ""},
            {
                "kind": "audit_as_practitioner",
                "due_on": dt.date(2027, 1, 20),
                "case_ref": "C-000456",
                "other": "Dana Hughes",
                "detail": "3 ticked",
                "meeting_on": _MEETING,
                "meeting_at": dt.time(10, 0),
            },
            {"kind": "moderation", "due_on": dt.date(2027, 1, 25)}
            | {"case_ref": "C-000321", "other": "Sam Moss", "detail": "Outstanding"},
            {
                "kind": "observation_to_do",
                "due_on": dt.date(2027, 2, 1),
                "case_ref": "",
                "other": "Leah Brown",
                "detail": "",
            },
            {"kind": "observation_own", "due_on": dt.date(2027, 1, 8)}
            | {"case_ref": "", "other": "Tom Okafor", "detail": "past"},
            {"kind": "observation_of_me", "due_on": dt.date(2027, 2, 10)}
            | {"case_ref": "", "other": "Helen Clarke", "detail": ""},
            {
                "kind": "action",
                "due_on": dt.date(2027, 2, 12),
                "case_ref": "",
                "other": "",
                "detail": "Update the chronology with the school's report",
            },
        ],
        "team": None,  # only the QA team's My QA has this part
    },
    "away_set": {"name": "Priya", "role": "practitioner", "until": "2027-01-25"},
    "back": {"name": "Priya", "role": "practitioner"},
    "apology": {},
    "not_caught": {
        "name": "Priya",
        "role": "practitioner",
        "said": "unknown",
        "limit": 2000,
        "suggestions": ["away", "my qa", "back"],
        "away_example": "25/01/2027",
        "meeting_example": "18/01/2027",
    },
    "user_error": {"problem": "I couldn't read '31/02/2027' as a date. Try: away until 04/01/2027"},
    "audit_allocated": {
        "name": "Dana",
        "activity_name": "Child Journey audit",
        "case_ref": "C-000123",
        "case_type": "CP",
        "practitioner_name": "Tom Okafor",
        "due": _DUE,
        "case_url": _CASE_URL,
        "audit": "audit",
        "focus_months": 6,
        "with_family": True,
        "theme": "domestic abuse",
        "meeting_on": None,
        "meeting_at": "",
    },
    "audit_notified": {
        "name": "Tom",
        "activity_name": "Child Journey audit",
        "case_ref": "C-000123",
        "auditor_name": "Dana Hughes",
        "due": _DUE,
        "checklist_minutes": 10,
        "case_url": _CASE_URL,
        "audit": "audit",
        "meeting_on": None,
        "meeting_at": "",
    },
    "checklist_updated": {
        "name": "Tom",
        "case_ref": "C-000123",
        "auditor_name": "Dana Hughes",
        "done_count": 2,
        "total": 4,
        "meeting_on": _MEETING,
        "meeting_at": "10:00",
    },
    "checklist_reminder": {
        "name": "Tom",
        "case_ref": "C-000123",
        "auditor_name": "Dana Hughes",
        "audit": "audit",
        "due": _DUE,
        "meeting_on": _MEETING,
        "meeting_at": "10:00",
        "done_count": 2,
        "total": 4,
        "checklist_minutes": 8,
    },
    "checklist_not_applicable": {"name": "Tom", "case_ref": "C-000123", "problem": ""},
    "checklist_not_applicable_saved": {
        "name": "Tom",
        "case_ref": "C-000123",
        "item": "The file includes a recent photo",
    },
    "audit_reminder": {
        "audit": "audit",
        "name": "Dana",
        "case_ref": "C-000123",
        "practitioner_name": "Tom Okafor",
        "due": _DUE,
        "is_past_due": False,
        "meeting_on": None,
        "meeting_at": "",
    },
    "audit_agreed_form": {
        "name": "Dana",
        "other_name": "Tom Okafor",
        "case_ref": "C-000123",
        "audit": "learning conversation",
        "due": _DUE,
        "meeting_on": None,
        "day": dt.date(2027, 1, 16),
        "start": "09:00",
        "end": "17:00",
        "text": "tomorrow",
    },
    "audit_agreed": {
        "name": "Tom",
        "setter_name": "Dana Hughes",
        "case_ref": "C-000123",
        "audit": "learning conversation",
        "meeting_on": _MEETING,
        "meeting_at": "10:00",
        "changed": False,
    },
    "audit_agreed_saved": {
        "name": "Dana",
        "other_name": "Tom Okafor",
        "case_ref": "C-000123",
        "audit": "audit",
        "meeting_on": _MEETING,
        "meeting_at": "10:00",
        "changed": True,
    },
    "audit_escalated": {
        "name": "Marcus",
        "auditor_name": "Dana Hughes",
        "practitioner_name": "Tom Okafor",
        "case_ref": "C-000123",
        "audit": "audit",
        "due": _DUE,
        "working_days": 5,
        "meeting_on": _MEETING,
        "meeting_at": "10:00",
    },
    "audit_record_form": {
        "name": "Dana",
        "case_ref": "C-000123",
        "practitioner_name": "Tom Okafor",
        "activity_name": "Child Journey audit",
        "audit": "audit",
        "focus_months": 6,
    },
    "audit_recorded": {
        "audit": "audit",
        "name": "Dana",
        "case_ref": "C-000123",
        "grade": "Good",
        "actions_count": 2,
        "practitioner_name": "Tom Okafor",
    },
    "reflection_requested": {"name": "Tom", "case_ref": "C-000123", "auditor_name": "Dana Hughes"}
    | {"with_name": "Dana Hughes", "for_auditor": False, "audit": "audit"}
    | {"due": dt.date(2027, 1, 18), "findings": _FINDINGS},
    "reflection_saved": {"name": "Tom", "case_ref": "C-000123"},
    "reflection_reminder": {"name": "Tom", "case_ref": "C-000123", "with_name": "Dana Hughes"}
    | {"audit": "audit"}
    | {"due": dt.date(2027, 1, 22), "is_past_due": False},
    "reflection_form": {"name": "Tom", "case_ref": "C-000123", "auditor_name": "Dana Hughes"}
    | {"with_name": "Dana Hughes", "due": dt.date(2027, 1, 22), "audit": "audit"}
    | {"findings": _FINDINGS},
    "audit_findings": {
        "name": "Marcus",
        "activity_name": "Child Journey audit",
        "audit": "audit",
        "case_ref": "C-000123",
        "practitioner_name": "Tom Okafor",
        "auditor_name": "Dana Hughes",
        "findings": _FINDINGS,
        "moderated": False,
        "case_url": _CASE_URL,
    },
    "audit_joined": {
        "name": "Jo",
        "activity_name": "Child Journey audit",
        "case_ref": "C-000123",
        "auditor_name": "Dana Hughes",
        "practitioner_name": "Tom Reid",
        "due": dt.date(2027, 1, 15),
        "case_url": "https://lcs.council.example/case/C-000123",
    },
    "audit_lead": {
        "name": "Sam",
        "activity_name": "Light-touch audit",
        "service": "Safeguarding and Support",
        "period": "January 2027",
        "due": dt.date(2027, 1, 29),
        "auditors": [{"name": "Dana Hughes", "count": 3}, {"name": "Marcus Reid", "count": 1}],
    },
    "supervision_reflections": {
        "name": "Dana",
        "since": dt.date(2026, 10, 1),
        "entries": [_REFLECTED],
        "audits": [
            {"case_ref": "C-000123", "practitioner_name": "Tom Reid"}
            | {"auditor_name": "Marcus Reid", "findings": _FINDINGS, "reflections": [_REFLECTED]},
            {"case_ref": "C-000456", "practitioner_name": "Leah Brown"}
            | {"auditor_name": "Sam Moss", "findings": _FINDINGS | {"grade": "Good"}}
            | {"reflections": []},
        ],
    },
    "moderation_requested": {
        "audit": "audit",
        "name": "Ruth",
        "case_ref": "C-000123",
        "auditor_name": "Dana Hughes",
        "grade": "Outstanding",
        "due": dt.date(2027, 2, 5),
        "case_url": None,
    },
    "moderation_reminder": {"name": "Ruth", "case_ref": "C-000123", "auditor_name": "Dana Hughes"}
    | {"audit": "audit"}
    | {"grade": "Outstanding", "due": dt.date(2027, 2, 5), "is_past_due": True}
    | {"case_url": _CASE_URL},
    "moderation_form": {
        "name": "Ruth",
        "case_ref": "C-000123",
        "auditor_name": "Dana Hughes",
        "practitioner_name": "Tom Okafor",
        "audit": "audit",
        "grade": "Requires improvement to be good",
        "findings": _FINDINGS,
    },
    "moderation_saved": {"name": "Ruth", "case_ref": "C-000123", "auditor_name": "Dana Hughes"},
    "reminder_snoozed": {"name": "Tom", "until": dt.date(2027, 1, 12)},
    "reminder_why": {"name": "Tom", "type": "checklist.reminder"},
    "moderation_recorded": {
        "audit": "audit",
        "name": "Dana",
        "case_ref": "C-000123",
        "moderator_name": "Ruth Adeyemi",
        "agreed": False,
        "grade": "Outstanding",
        "moderated_grade": "Good",
        "comments": "Strong direct work, but the plan review is late: Good, not Outstanding.",
        "actions": [
            {"description": "Book the plan review", "owner": "Tom Okafor"}
            | {"due": dt.date(2027, 2, 12)},
        ],
    },
    "action_reminder": {
        "name": "Tom",
        "description": "Update the chronology with the school's report",
        "source": "the audit of C-000123",
        "due": dt.date(2027, 2, 12),
        "is_past_due": True,
    },
    "action_escalated": {
        "name": "Marcus",
        "owner_name": "Tom Okafor",
        "description": "Update the chronology with the school's report",
        "source": "the audit of C-000123",
        "due": dt.date(2027, 2, 12),
        "working_days": 10,
    },
    "audit_inadequate": {
        "name": "Dana",
        "activity_name": "Monthly case audit",
        "case_ref": "C-000123",
        "practitioner_name": "Tom Okafor",
        "auditor_name": "Marcus Reid",
        "recorded_on": dt.date(2027, 1, 11),
        "actions": [
            {"description": "Update the chronology", "owner": "Tom Okafor"}
            | {"due": dt.date(2027, 1, 22)},
            {"description": "Supervision on drift", "owner": "Dana Hughes"}
            | {"due": dt.date(2027, 2, 12)},
        ],
        "findings": _FINDINGS | {"grade": "Inadequate"},
        "moderated": True,
        "moderator_name": "",
        "case_url": _CASE_URL,
    },
    "audit_inadequate_qa": {
        "service": "Children in Need",
        "activity_name": "Monthly case audit",
        "recorded_on": dt.date(2027, 1, 11),
        "manager_told": True,
    },
    "escalation_asked": {
        "name": "Tom",
        "manager_name": "Marcus Reid",
        "about": "the audit of C-000123",
        "due": dt.date(2027, 2, 12),
        "audit": "audit",
        "other_name": "Dana Hughes",
        "meeting_on": None,
        "meeting_at": "",
    },
    "escalation_reassign_form": {
        "name": "Marcus",
        "person_name": "Tom Okafor",
        "about": "the audit of C-000123",
    },
    "escalation_reassigned": {
        "name": "Dana",
        "manager_name": "Marcus Reid",
        "from_name": "Tom Okafor",
        "about": "the audit of C-000123",
        "due": dt.date(2027, 2, 12),
    },
    "escalation_released": {
        "name": "Tom",
        "manager_name": "Marcus Reid",
        "to_name": "Dana Hughes",
        "about": "the audit of C-000123",
    },
    "escalation_answered": {
        "name": "Marcus",
        "outcome": "extended",
        "person_name": "Tom Okafor",
        "about": "the audit of C-000123",
        "due": dt.date(2027, 2, 19),
    },
    "action_done": {"name": "Tom", "description": "Update the chronology with the school's report"},
    "action_raised": {
        "name": "Tom",
        "description": "Update the chronology with the school's report",
        "source": "the audit of C-000123",
        "due": dt.date(2027, 2, 12),
        "flagged": True,
    },
    "action_done_form": {
        "name": "Tom",
        "description": "Update the chronology with the school's report",
        "flagged": True,
        "problem": "",
    },
    "action_confirm": {
        "name": "Dana",
        "owner_name": "Tom Okafor",
        "description": "Update the chronology with the school's report",
        "source": "the audit of C-000123",
        "due": dt.date(2027, 2, 12),
        "evidence": "Chronology updated with the school's report on 3 February",
    },
    "action_confirmed": {
        "name": "Dana",
        "owner_name": "Tom Okafor",
        "description": "Update the chronology with the school's report",
        "confirmed": True,
    },
    "action_not_yet": {
        "name": "Tom",
        "manager_name": "Dana Hughes",
        "description": "Update the chronology with the school's report",
        "due": dt.date(2027, 2, 12),
    },
    "observation_due": {
        "name": "Marcus",
        "practitioner_name": "Leah Brown",
        "due": dt.date(2027, 3, 1),
        "is_asye": True,
        "asye_number": 2,
        "asye_total": 3,
        "family_consent": True,
    },
    "observation_overdue": {
        "name": "Marcus",
        "practitioner_name": "Leah Brown",
        "due": dt.date(2027, 3, 1),
        "working_days": 4,
        "is_asye": False,
    },
    "observation_escalated": {
        "name": "Helen",
        "manager_name": "Marcus Reid",
        "practitioner_name": "Leah Brown",
        "due": dt.date(2027, 3, 1),
        "working_days": 10,
        "snooze_reason": "In court this week",
    },
    "observation_form": {
        "name": "Marcus",
        "practitioner_name": "Leah Brown",
        "family_consent": True,
    },
    "observation_saved": {
        "name": "Marcus",
        "practitioner_name": "Leah Brown",
        "observed_on": dt.date(2027, 2, 24),
        "next_due": dt.date(2027, 8, 2),
    },
    "observation_recorded": {
        "name": "Leah",
        "observer_name": "Marcus Reid",
        "observed_on": dt.date(2027, 2, 24),
        "setting": "Home visit",
        "strengths": "Warm, clear conversation with the family about the plan.",
        "areas": "Check what the children understood, in their own words.",
        "actions": ["Share the plan in writing with the family"],
        "actions_due": dt.date(2027, 3, 24),
        "asye_number": 2,
        "asye_total": 3,
    },
    "observation_reflection_form": {
        "name": "Leah",
        "observed_on": dt.date(2027, 2, 24),
        "reflection": "",
    },
    "observation_reflection_saved": {"name": "Leah", "observed_on": dt.date(2027, 2, 24)},
    "reminder_snooze_reason": {"name": "Marcus", "reason": "In court this week"},
    "team_digest": {
        "name": "Dana",
        "week_of": dt.date(2027, 3, 22),
        "sections": [
            {
                "topic": "observations",
                "lines": [
                    "Priya Shah: 15 working days past its date — snoozed: “In court this week”",
                    "Tom Okafor: due by Thursday 25 March",
                    "2 in date, nothing to do yet",
                ],
            },
            {"topic": "audits", "lines": ["Tom Okafor: 1 audit open, 1 past the date"]},
            {"topic": "reflections", "lines": ["Priya Shah: 1 reflection still to write"]},
            {"topic": "actions", "lines": ["Tom Okafor: 2 open actions, 1 past due"]},
        ],
    },
    "practice_week_posted": {
        "week_name": "Getting Closer to Practice week",
        "starts_on": "2027-03-08",
        "ends_on": "2027-03-12",
        "slots": [
            {
                "day": "2027-03-08",
                "slot": "10:00–12:00",
                "visitor_name": "Helen Clarke",
                "team": "Assessment Team 2",
                "activity": "direct observation",
            },
            {
                "day": "2027-03-10",
                "slot": "14:00–16:00",
                "visitor_name": "Samir Patel",
                "team": "Children in Care North",
                "activity": "family feedback",
            },
        ],
        "placeholder": False,
    },
    "practice_week_reminder": {
        "name": "Helen",
        "week_name": "Getting Closer to Practice week",
        "day": "2027-03-08",
        "slot": "10:00–12:00",
        "team": "Assessment Team 2",
        "activity": "direct observation",
        "visitor_name": "Helen Clarke",
        "hosting": False,
    },
    "broadcast_posted": {
        "series": "Learning & Improvement newsletter",
        "headline": "What our January audits told us",
        "body": "Thank you to everyone who took part in January's audits.\n\n"
        "Plans were clearer where the child's own words were recorded. "
        "This month's bitesize session is on writing to the child.",
        "read_minutes": 3,
        "placeholder": False,
    },
    "broadcast_read": {
        "name": "Priya",
        "headline": "What our January audits told us",
        "first": True,
    },
    "broadcast_queued": {
        "series": "Bitesize learning",
        "channel": "all-staff",
        "when": dt.date(2027, 2, 4),
        "time": "09:00",
    },
    "broadcast_reads": {
        "items": [
            {
                "headline": "What our January audits told us",
                "posted_on": dt.date(2027, 1, 5),
                "total": 23,
                "teams": [
                    {"team": "Assessment Team 2", "count": 9},
                    {"team": "Children in Care North", "count": 14},
                ],
            },
        ],
    },
    "broadcast_wanted": {
        "name": "Ruth",
        "series": "Learning & Improvement newsletter",
        "when": dt.date(2027, 2, 2),
        "channel": "all-staff",
    },
    "practice_week_findings": {
        "name": "Helen",
        "week_name": "Practice Week",
        "day": dt.date(2027, 3, 9),
        "team": "Assessment Team 2",
        "graded": True,
    },
    "practice_week_feedback": {
        "name": "Dana",
        "week_name": "Practice Week",
        "day": dt.date(2027, 3, 9),
        "team": "Assessment Team 2",
        "visitor_name": "Helen Clarke",
    },
    "practice_week_findings_form": {
        "name": "Helen",
        "week_name": "Practice Week",
        "day": dt.date(2027, 3, 9),
        "team": "Assessment Team 2",
        "graded": True,
    },
    "practice_week_feedback_form": {
        "name": "Dana",
        "week_name": "Practice Week",
        "team": "Assessment Team 2",
        "visitor_name": "Helen Clarke",
    },
    "practice_week_thanks": {"name": "Helen", "said": "findings", "team": "Assessment Team 2"},
    "practice_week_summary": {
        "week_name": "Practice Week",
        "starts_on": dt.date(2027, 3, 8),
        "ends_on": dt.date(2027, 3, 12),
        "visits": 12,
        "findings": 11,
        "grades": [
            {"grade": "Good", "count": 7},
            {"grade": "Requires improvement to be good", "count": 4},
        ],
        "feedback": 9,
        "ratings": [{"label": "Very useful", "count": 6}, {"label": "Somewhat useful", "count": 3}],
        "missing": [{"visitor_name": "Samir Patel", "team": "Children in Care North"}],
    },
    "digest": {
        "name": "Dana",
        "morning": True,
        "count": 4,
        "titles": [
            "Your audit of C-000123",
            "A second look at C-000789",
            "An action from the audit of C-000456",
        ],
        "more": 0,
    },
    "parked_alert": {
        "outbox_id": 4182,
        "what": "the allocation message",
        "who": "Sam Patel",
        "where": "Teams",
        "attempts": 6,
        "reason": "user_not_found",
    },
    "channel_unbound": {"role": "practice-week", "platform": "slack"},
    "unmatched_person": {
        "platform": "teams",
        "name": "Sam Visitor",
        "emails": ["sam.visitor@agency.example"],
    },
    "teams_unreachable": {"people": ["Tom Okafor", "Dana Hughes"]},
    "slack_people_unfound": {
        "people": [{"staff_id": "S0005", "email": "tom.okafor@council.example"}]
    },
    "practice_week_findings_read": {
        "week_name": "Practice week",
        "starts_on": "2027-03-08",
        "ends_on": "2027-03-12",
        "visits": [
            {
                "visitor_name": "Helen Clarke",
                "team": "Team A",
                "day": "2027-03-09",
                "slot": "10:00-12:00",
                "activity": "Case records",
                "findings_in": True,
                "grade": "Good",
                "strengths": "Warm practice",
                "develop": "Plans",
                "themes": "",
                "feedback_in": False,
                "rating": "",
                "comments": "",
                "held_back": False,
            },
        ],
    },
    "channel_bound": {
        "said": "bound",
        "role": "practice-week",
        "roles": ["qa-team", "practice-week", "all-staff"],
        "released": 2,
    },
    "audit_stalled": {
        "name": "Ruth",
        "case_ref": "C-000123",
        "auditor_name": "Dana Hughes",
        "practitioner_name": "Tom Okafor",
        "due": _DUE,
        "working_days": 10,
    },
    "audit_stalled_form": {
        "name": "Ruth",
        "case_ref": "C-000123",
        "auditor_name": "Dana Hughes",
        "problem": "",
        "more_working_days": 10,
        "staff_id": "S0012",
    },
    "audit_stalled_done": {
        "name": "Ruth",
        "decision": "reassign",
        "case_ref": "C-000123",
        "due": _DUE,
        "auditor_name": "Sam Moss",
    },
    "late_round": {
        "activity_name": "Monthly case audit",
        "month": "November 2027",
        "window_end": "2027-11-26",
        "working_days": 0,
        "new_due": "2027-12-10",
    },
    "late_round_answered": {
        "name": "Ruth",
        "outcome": "allocated",
        "activity_name": "Monthly case audit",
        "month": "November 2027",
        "allocated": 24,
        "due": "2027-12-10",
    },
    "themed_round_warning": {
        "name": "Ruth",
        "activity_name": "Themed (event) audit",
        "month": "October 2027",
        "problem": "empty",
        "theme": "children in residential care",
        "group": "CLA cases tagged 'residential care'",
        "allocate_on": "2027-09-24",
        "held": False,
        "command": "qabot allocate --period 2027-10 --activity event_audit --theme",
    },
    "allocation_summary": {
        "activity_name": "Monthly case audit",
        "period": "January 2027",
        "dry_run": True,
        "allocated": 48,
        "auditors": 48,
        "unallocated": 14,
        "without_auditor": 2,
        "not_in_round": 12,
        "named": True,
        "groups": [
            {
                "kind": "line_management",
                "reason": "",
                "count": 2,
                "overdue": 1,
                "more": 0,
                "people": [
                    {"name": "Priya Shah", "overdue": True, "away_until": None},
                    {"name": "Tom Okafor", "overdue": False, "away_until": None},
                ],
            },
            {
                "kind": "away",
                "reason": "",
                "count": 2,
                "overdue": 0,
                "more": 0,
                "people": [
                    {"name": "Leah Byrne", "overdue": False, "away_until": "2027-01-22"},
                    {"name": "Sam Patel", "overdue": False, "away_until": "2027-02-05"},
                ],
            },
            {
                "kind": "recently_audited",
                "reason": "",
                "count": 10,
                "overdue": 0,
                "more": 2,
                "people": [
                    {"name": f"Worker {n}", "overdue": False, "away_until": None}
                    for n in range(1, 9)
                ],
            },
        ],
        "theme": "",
        "months": 6,
        "coverage": 6,
        "sample": 0,
        "problems": [
            "2 auditors without a case: away until 2027-01-29",
        ],
    },
}


def sample_message(wording: Wording, name: str) -> Message:
    """The sample `name` message, with the structure a handler would give it."""
    context = {TODAY: SAMPLE_TODAY, **SAMPLE_CONTEXTS[name]}
    return wording.compose(name, context, **structure_for(wording, name, context))


def sample_messages(wording: Wording) -> dict[str, Message]:
    """Every sample message, by template name."""
    return {name: sample_message(wording, name) for name in SAMPLE_CONTEXTS}
