"""Line managers read their team's audits for supervision, in chat: what each audit found and,
once shared, the reflections (SPEC §7 visibility; H&F §3.3 "discussed in supervision")."""

from __future__ import annotations

import datetime as dt
from itertools import groupby

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.case_audit.findings import findings_context
from handlers.case_audit.reflection import ReflectionView, reflections_for_supervision
from handlers.core.deps import Deps
from handlers.core.parsing import first_name
from handlers.core.recipients import person_of
from handlers.core.router import Handler, Inbound, Reply, Selector
from handlers.programme.schema import CaseAudit
from storage.case_audit import audits
from storage.case_audit import records as audit_records

LOOK_BACK_DAYS = 92


class Supervision:
    """`reflections`: what a manager's direct reports said after their audits."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def routes(self) -> list[tuple[Selector, Handler]]:
        return [(("command", "reflections"), self.reflections)]

    async def reflections(self, session: AsyncSession, event: Inbound) -> Reply:
        manager = await person_of(session, event.staff_id)
        today = self.deps.calendar.local_date(self.deps.clock.now())
        since = today - dt.timedelta(days=LOOK_BACK_DAYS)
        found = await reflections_for_supervision(self.deps, session, event.staff_id, since=since)
        views = await audits.allocations(
            session, statuses=("recorded",), since=since, manager_id=manager.id
        )
        records = await audit_records.findings(session, [v.id for v in views])
        entries = self._entries(found)
        context = {
            "name": first_name(manager.name),
            "since": since,
            "entries": entries,
            "audits": [
                {
                    "case_ref": v.case_ref,
                    "practitioner_name": v.practitioner.name,
                    "auditor_name": v.auditor.name,
                    "findings": findings_context(records[v.id]),
                    "reflections": [e for e in entries if e["allocation_id"] == v.id],
                }
                for v in views
                if v.id in records
            ],
        }
        return Reply(message=self.deps.wording.compose("supervision_reflections", context))

    def _entries(self, found: list[ReflectionView]) -> list[dict[str, object]]:
        prompts = {
            p.id: p.text
            for a in self.deps.programme.of_kind(CaseAudit)
            for p in a.reflection.prompts
        }
        entries: list[dict[str, object]] = []
        for _, group in groupby(sorted(found, key=_audit_and_person), key=_audit_and_person):
            rows = list(group)
            answers = [
                {"prompt": prompts.get(r.prompt, r.prompt), "answer": r.answer} for r in rows
            ]
            entries.append(
                {
                    "allocation_id": rows[0].allocation_id,
                    "case_ref": rows[0].case_ref,
                    "person_name": rows[0].person_name,
                    "answers": answers,
                }
            )
        return entries


def _audit_and_person(row: ReflectionView) -> tuple[int, str]:
    return row.allocation_id, row.person_staff_id
