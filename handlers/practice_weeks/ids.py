"""Action ids and reminder types of practice weeks (the digest's "why" button carries the types).

A practice-week reminder comes once, the working day before a visit, and each ask for findings
or feedback once, the working day after it, so there is nothing to snooze: the source declares
no snoozable kind.
"""

WHY_TYPE = "practice_week.reminder"
FINDINGS_TYPE = "practice_week.findings_requested"
FEEDBACK_TYPE = "practice_week.feedback_requested"

# value: the visit's id
OPEN_FINDINGS = "practice_week.findings.open"
FINDINGS = "practice_week.findings"
OPEN_FEEDBACK = "practice_week.feedback.open"
FEEDBACK = "practice_week.feedback"
