"""The programme's reminder rules in plain words, for `qabot programme show`.

The words follow what the reminder sweep does with each rule (handlers/audit_sweeps.py).
"""

from __future__ import annotations

from handlers.case_audit.sweeps import record_ladder
from handlers.programme.schema import CaseAudit, ReminderRule


def audit_reminders(audit: CaseAudit) -> list[str]:
    """Each reminder rule in words; checklist nudges stop at the audit, as the sweep's do."""
    reflection, moderation = audit.reflection, audit.moderation
    lines = [
        f"checklist reminders: {_before(audit.checklist_reminders, 'the audit')}; none after it",
        f"record reminders: {nudges(record_ladder(audit.record_reminders))}",
        f"reflection reminders: due {_days(reflection.due_working_days)} after the audit is "
        f"recorded; {nudges(reflection.reminders)}",
    ]
    if moderation:
        lines.append(f"moderation reminders: due {_days(moderation.due_working_days)} after it "
                     f"is asked for; {nudges(moderation.reminders)}")  # fmt: skip
    return lines


def nudges(rule: ReminderRule) -> str:
    """e.g. "3 and 1 working days before due, then every 5 working days while overdue; …"."""
    text, most = _before(rule, "due"), rule.overdue_nudges
    every = rule.overdue_every_working_days
    if most == 0:
        text += ", none while overdue"
    else:
        text += f", then every {_days(every) if every > 1 else 'working day'} while overdue"
        text += "" if most is None else f", {_TIMES.get(most, f'{most} times')} at most"
    if rule.escalate_after_working_days is None:
        return text + "; never to a manager"
    over = _days(rule.escalate_after_working_days)
    return text + f"; escalates to their line manager once {over} overdue"


def _before(rule: ReminderRule, what: str) -> str:
    """ "3 and 1 working days before due", "… and on the day", "none before the audit"."""
    ahead = [str(d) for d in sorted(set(rule.before_working_days), reverse=True) if d > 0]
    numbers = " and ".join([", ".join(ahead[:-1]), ahead[-1]] if len(ahead) > 1 else ahead)
    text = f"{numbers} working day{'s' if ahead != ['1'] else ''} before {what}" if ahead else ""
    if 0 in rule.before_working_days:
        alone = "on the due day" if what == "due" else f"on the day of {what}"
        return f"{text} and on the day" if text else alone
    return text or f"none before {what}"


_TIMES = {1: "once", 2: "twice"}


def _days(n: int) -> str:
    return f"{n} working day{'s' if n != 1 else ''}"
