"""The audit cycle end to end: allocation, checklist, record, reflection, moderation and actions.

`AuditCycle(deps).routes()` gives the router every (selector, handler) pair of the cycle; the
scheduler calls `allocate_due` as `(deps, now) -> int`; `CaseAuditReminders` and
`CaseAuditEscalations` are the cycle's part of the daily message (reminders and escalations).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.case_audit import actions as audit_actions
from handlers.case_audit import checklist as audit_checklist
from handlers.case_audit import moderation as audit_moderation
from handlers.case_audit import record as audit_record
from handlers.case_audit import reflection as audit_reflection
from handlers.case_audit.agreed import AgreedTime
from handlers.case_audit.allocation.late import LateRounds, allocate_due
from handlers.case_audit.allocation.rounds import (
    RoundResult,
    make_plan,
    run_allocation,
)
from handlers.case_audit.escalations import CaseAuditEscalations, Escalations
from handlers.case_audit.ids import (
    ACTION_CONFIRM,
    ACTION_DONE,
    ACTION_NOT_YET,
    CHECKLIST_TICK,
    ESCALATION_ASK,
    ESCALATION_EXTEND,
    ESCALATION_TAKE,
    NOT_APPLICABLE,
    OPEN_MODERATION,
    OPEN_NOT_APPLICABLE,
    OPEN_RECORD,
    OPEN_REFLECTION,
    RECORD,
    RECORD_MODERATION,
    SAVE_REFLECTION,
)
from handlers.case_audit.moderation import agreement_rate, is_sampled, period_agreement_rate
from handlers.case_audit.reassign import Reassign
from handlers.case_audit.reflection import (
    can_read_reflections,
    read_reflections,
    reflections_for_supervision,
)
from handlers.case_audit.stalled import StalledAudits
from handlers.case_audit.sweeps import CaseAuditReminders
from handlers.core.deps import Deps
from handlers.core.router import Handler, Inbound, Reply, Selector

__all__ = [
    "ACTION_CONFIRM",
    "ACTION_DONE",
    "ACTION_NOT_YET",
    "CHECKLIST_TICK",
    "ESCALATION_ASK",
    "ESCALATION_EXTEND",
    "ESCALATION_TAKE",
    "NOT_APPLICABLE",
    "OPEN_MODERATION",
    "OPEN_NOT_APPLICABLE",
    "OPEN_RECORD",
    "OPEN_REFLECTION",
    "RECORD",
    "RECORD_MODERATION",
    "SAVE_REFLECTION",
    "AuditCycle",
    "CaseAuditEscalations",
    "CaseAuditReminders",
    "RoundResult",
    "agreement_rate",
    "allocate_due",
    "can_read_reflections",
    "is_sampled",
    "make_plan",
    "period_agreement_rate",
    "read_reflections",
    "reflections_for_supervision",
    "run_allocation",
]


class AuditCycle:
    """The case-audit actions every person may take, each checking it is theirs to take."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def routes(self) -> list[tuple[Selector, Handler]]:
        return [
            (("action", CHECKLIST_TICK), self.tick),
            (("form", CHECKLIST_TICK), self.tick),
            (("action", OPEN_NOT_APPLICABLE), self.open_not_applicable),
            (("form", NOT_APPLICABLE), self.not_applicable),
            (("action", OPEN_RECORD), self.open_record),
            (("form", RECORD), self.record),
            (("action", OPEN_REFLECTION), self.open_reflection),
            (("form", SAVE_REFLECTION), self.reflect),
            (("action", OPEN_MODERATION), self.open_moderation),
            (("form", RECORD_MODERATION), self.moderate),
            (("action", ACTION_DONE), self.open_action_done),
            (("form", ACTION_DONE), self.action_done),
            (("action", ACTION_CONFIRM), self.confirm_action),
            (("action", ACTION_NOT_YET), self.action_not_yet),
            *Escalations(self.deps).routes(),
            *Reassign(self.deps).routes(),
            *AgreedTime(self.deps).routes(),
            *LateRounds(self.deps).routes(),
            *StalledAudits(self.deps).routes(),
        ]

    async def tick(self, session: AsyncSession, event: Inbound) -> Reply:
        return await audit_checklist.tick(self.deps, session, event)

    async def open_not_applicable(self, session: AsyncSession, event: Inbound) -> Reply:
        return await audit_checklist.open_not_applicable(self.deps, session, event)

    async def not_applicable(self, session: AsyncSession, event: Inbound) -> Reply:
        return await audit_checklist.mark_not_applicable(self.deps, session, event)

    async def open_record(self, session: AsyncSession, event: Inbound) -> Reply:
        return await audit_record.open_record(self.deps, session, event)

    async def record(self, session: AsyncSession, event: Inbound) -> Reply:
        return await audit_record.submit_record(self.deps, session, event)

    async def open_reflection(self, session: AsyncSession, event: Inbound) -> Reply:
        return await audit_reflection.open_reflection(self.deps, session, event)

    async def reflect(self, session: AsyncSession, event: Inbound) -> Reply:
        return await audit_reflection.save_reflection(self.deps, session, event)

    async def open_moderation(self, session: AsyncSession, event: Inbound) -> Reply:
        return await audit_moderation.open_moderation(self.deps, session, event)

    async def moderate(self, session: AsyncSession, event: Inbound) -> Reply:
        return await audit_moderation.record_moderation(self.deps, session, event)

    async def open_action_done(self, session: AsyncSession, event: Inbound) -> Reply:
        return await audit_actions.open_done_form(self.deps, session, event)

    async def action_done(self, session: AsyncSession, event: Inbound) -> Reply:
        return await audit_actions.mark_done(self.deps, session, event)

    async def confirm_action(self, session: AsyncSession, event: Inbound) -> Reply:
        return await audit_actions.confirm(self.deps, session, event)

    async def action_not_yet(self, session: AsyncSession, event: Inbound) -> Reply:
        return await audit_actions.not_yet(self.deps, session, event)
