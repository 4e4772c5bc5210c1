"""The QA team's view queries on SQLite and PostgreSQL: moderation agreement by service and by
auditor since a date, and the graded audits the programme follows until their actions close."""

from __future__ import annotations

import datetime as dt

from storage import Sessions
from storage.case_audit import audits, qa_view
from storage.case_audit import people as audit_people
from storage.case_audit import records as audit_records
from storage.models import AuditRound
from storage.people import CaseRecord, PersonRecord, Roster, apply_roster

NOW = dt.datetime(2027, 1, 4, 10, 0, tzinfo=dt.UTC)
DUE = dt.date(2027, 1, 28)
# auditor, worker, case, service: two auditors, two services
PAIRS = [
    ("A1", "P1", "C-000001", "Early Help"),
    ("A1", "P2", "C-000002", "Early Help"),
    ("A2", "P3", "C-000003", "Children in Care"),
    ("A2", "P4", "C-000004", "Children in Care"),
]


async def council(sessions: Sessions, period: str = "2027-01") -> dict[str, int]:
    """Every pair's audit recorded; the allocation ids by case reference."""
    people = [
        PersonRecord("A1", "Dana Hughes", "a1@c.example", "team_manager", "T1", "Early Help"),
        PersonRecord("A2", "Marcus Reid", "a2@c.example", "team_manager", "T2", "Children in Care"),
        PersonRecord("M1", "Helen Clarke", "m1@c.example", "head_of_service", "L", "Leadership"),
    ]
    people += [
        PersonRecord(w, f"Worker {w}", f"{w.lower()}@c.example", "practitioner", f"W{w}", service)
        for _, w, _, service in PAIRS
    ]
    cases = [CaseRecord(ref, w, "CIN", dt.date(2026, 1, 1)) for _, w, ref, _ in PAIRS]
    async with sessions.begin() as session:
        await apply_roster(session, Roster(tuple(people), tuple(cases)), now=NOW, actor="test")
        made = AuditRound(activity="case_audit", period=period, window_start=NOW.date(),
                          window_end=DUE, seed=7, created_at=NOW)  # fmt: skip
        assert await audits.create_round(session, made)
        rows = [audits.NewAllocation(a, w, ref, "why") for a, w, ref, _ in PAIRS]
        await audits.add_allocations(session, made.id, rows, due_on=DUE, now=NOW)
        return {v.case_ref: v.id for v in await audits.allocations(session, round_id=made.id)}


async def moderated(
    sessions: Sessions, allocation_id: int, grade: str, agrees: bool | None, at: dt.datetime
) -> int:
    """Record the audit and moderate it (agrees None: asked, not yet saved); the record id."""
    async with sessions.begin() as session:
        moderator = await audit_people.person_by_staff_id(session, "M1")
        assert moderator is not None
        record = await audit_records.add_record(
            session, allocation_id=allocation_id, grade=grade, grade_reason="why", strengths="",
            worries="", recorded_by_id=moderator.id, recorded_at=at,
        )  # fmt: skip
        asked = await audit_records.add_moderation(session, record.id, moderator.id, at)
        if agrees is not None:
            await audit_records.save_moderation(
                session, asked, agrees=agrees, auditor_grade=grade,
                moderated_grade=grade if agrees else "Good", reason="", completed_at=at,
                record_id=record.id, flagged=False,
            )  # fmt: skip
        return record.id


async def test_agreement_by_service_and_by_auditor_counts_saved_moderations_since_a_date(
    sessions: Sessions,
) -> None:
    ids = await council(sessions)
    await moderated(sessions, ids["C-000001"], "Inadequate", True, NOW)
    await moderated(sessions, ids["C-000002"], "Outstanding", False, NOW)
    await moderated(sessions, ids["C-000003"], "Inadequate", True, NOW)
    await moderated(sessions, ids["C-000004"], "Inadequate", None, NOW)  # not saved yet
    async with sessions() as session:
        by_service, by_auditor = await qa_view.agreement(session, NOW - dt.timedelta(days=1))
        assert by_service == [
            qa_view.Agreement("Children in Care", 1, 1),
            qa_view.Agreement("Early Help", 1, 2),
        ]
        assert by_auditor == [
            qa_view.Agreement("Dana Hughes", 1, 2),
            qa_view.Agreement("Marcus Reid", 1, 1),
        ]
        # saved before the date: not counted
        assert await qa_view.agreement(session, NOW + dt.timedelta(days=1)) == ([], [])


async def test_graded_audits_follow_tracked_grades_while_an_action_is_open(
    sessions: Sessions,
) -> None:
    ids = await council(sessions, period="2026-12")
    good = await moderated(sessions, ids["C-000001"], "Good", None, NOW)
    await moderated(sessions, ids["C-000002"], "Good", None, NOW)  # no action
    async with sessions.begin() as session:
        owner = await audit_people.person_by_staff_id(session, "P1")
        assert owner is not None
        await audit_records.add_actions(session, [
            {"source": "audit", "source_id": good, "description": "Share the plan",
             "owner_id": owner.id, "due_on": DUE, "status": "open", "flagged": True,
             "created_at": NOW},
        ])  # fmt: skip
    async with sessions() as session:
        assert await qa_view.graded_audits(session, "Inadequate", "2027-01", tracked=[],
                                           limit=5) == ([], 0)  # fmt: skip
        found, total = await qa_view.graded_audits(
            session, "Inadequate", "2027-01", tracked=["Good", "Inadequate"], limit=5
        )
    assert total == 1 and [(a.case_ref, a.grade) for a in found] == [("C-000001", "Good")]
    assert [a.description for a in found[0].actions] == ["Share the plan"]
