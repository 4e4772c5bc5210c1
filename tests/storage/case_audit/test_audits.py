"""The audits repository on SQLite and PostgreSQL: rounds once, bulk loads, ticks, moderation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from storage import Sessions, snoozes
from storage.case_audit import allocation_inputs, audits
from storage.case_audit import escalations as audit_escalations
from storage.case_audit import followups as audit_followups
from storage.case_audit import people as audit_people
from storage.models import AuditRecord, AuditRound, Moderation
from storage.people import CaseRecord, PersonRecord, Roster, apply_roster

NOW = dt.datetime(2027, 1, 4, 10, 0, tzinfo=dt.UTC)
DUE = dt.date(2027, 1, 28)


async def council(sessions: Sessions, workers: int) -> None:
    """One manager auditing `workers` practitioners, each with one open and one closed case."""
    people = [PersonRecord("M1", "Dana Hughes", "m1@c.example", "team_manager", "A", "S", None)]
    people += [
        PersonRecord(f"P{n}", f"Worker {n}", f"p{n}@c.example", "practitioner", "A", "S", "M1")
        for n in range(workers)
    ]
    themes = ("domestic abuse", "pre-birth")  # the first worker's open case has two themes
    cases = [
        CaseRecord(f"C-{n:06}", f"P{n}", "CIN", dt.date(2026, 1, 1), themes if n == 0 else ())
        for n in range(workers)
    ]
    cases += [
        CaseRecord(f"X-{n:06}", f"P{n}", "CP", dt.date(2025, 1, 1), ("neglect",), "closed")
        for n in range(workers)
    ]
    async with sessions.begin() as session:
        await apply_roster(session, Roster(tuple(people), tuple(cases)), now=NOW, actor="test")


def new_round(period: str = "2027-01") -> AuditRound:
    return AuditRound(activity="case_audit", period=period, window_start=dt.date(2027, 1, 4),
                      window_end=DUE, seed=7, created_at=NOW)  # fmt: skip


async def allocate_all(sessions: Sessions, workers: int, period: str = "2027-01") -> int:
    async with sessions.begin() as session:
        made = new_round(period)
        assert await audits.create_round(session, made)
        rows = [audits.NewAllocation("M1", f"P{n}", f"C-{n:06}", "why") for n in range(workers)]
        due = dt.date(int(period[:4]), int(period[5:]), 28)
        await audits.add_allocations(session, made.id, rows, due_on=due, now=NOW)
        return made.id


@contextmanager
def counting(sessions: Sessions) -> Iterator[list[str]]:
    engine = sessions.kw["bind"].sync_engine
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def loads(sessions: Sessions, round_id: int) -> int:
    with counting(sessions) as statements:
        async with sessions() as session:
            await allocation_inputs.load_staff(session)
            await allocation_inputs.load_open_cases(session)
            await allocation_inputs.load_history(session, "case_audit")
            await audits.allocations(session, round_id=round_id)
    return len(statements)


async def test_loading_costs_the_same_few_queries_for_any_council_size(sessions: Sessions) -> None:
    await council(sessions, 30)
    small = await loads(sessions, await allocate_all(sessions, 3, "2026-12"))
    large = await loads(sessions, await allocate_all(sessions, 30))
    assert small == large <= 10


async def test_inputs_are_plain_rows_of_open_cases_and_the_latest_audit(sessions: Sessions) -> None:
    await council(sessions, 2)
    await allocate_all(sessions, 2, "2026-11")
    await allocate_all(sessions, 1, "2026-12")
    async with sessions() as session:
        staff = {s.staff_id: s for s in await allocation_inputs.load_staff(session)}
        cases = await allocation_inputs.load_open_cases(session)
        workers, case_last = await allocation_inputs.load_history(session, "case_audit")
        other, _ = await allocation_inputs.load_history(session, "another_audit")
    assert staff["P1"].manager_staff_id == "M1" and staff["P1"].service == "S"
    assert {c.case_ref: c.themes for c in cases} == {
        "C-000000": ("domestic abuse", "pre-birth"),
        "C-000001": (),
    }
    assert workers == {"P0": dt.date(2026, 12, 28), "P1": dt.date(2026, 11, 28)}
    assert case_last["C-000001"] == dt.date(2026, 11, 28) and other == {}


async def test_a_round_is_stored_once_per_activity_and_period(sessions: Sessions) -> None:
    await council(sessions, 1)
    first = await allocate_all(sessions, 1)
    async with sessions.begin() as session:
        assert not await audits.create_round(session, new_round())
        found = await audits.find_round(session, "case_audit", "2027-01")
        assert found is not None and found.id == first
        assert await audits.count_allocations(session, first) == 1


async def test_ticks_record_who_and_when_and_can_be_undone(sessions: Sessions) -> None:
    await council(sessions, 1)
    round_id = await allocate_all(sessions, 1)
    async with sessions.begin() as session:
        [view] = await audits.allocations(session, round_id=round_id)
        assert (view.case_ref, view.auditor.staff_id, view.practitioner.staff_id) == (
            "C-000000", "M1", "P0",
        )  # fmt: skip
        assert view.ticked == frozenset() and view.practitioner.manager_id == view.auditor.id
        who = view.practitioner.id
        await audits.set_ticks(session, view.id, {"plan": True, "voice": True}, by_id=who, at=NOW)
    later = NOW + dt.timedelta(hours=1)
    async with sessions.begin() as session:
        await audits.set_ticks(session, view.id, {"voice": False}, by_id=who, at=later)
    async with sessions() as session:
        again = await audits.allocation(session, view.id)
    assert again is not None and again.ticked == frozenset({"plan"})


async def test_an_agreed_time_is_kept_and_found_by_the_day_it_falls_on(sessions: Sessions) -> None:
    """The day and time to meet are stored as the council's wall time; the reminder sweep finds
    an audit by the day it is agreed for as well as by its due date, and counts from the
    earlier of the two."""
    await council(sessions, 2)
    round_id = await allocate_all(sessions, 2)
    meet = dt.date(2027, 1, 19)
    async with sessions.begin() as session:
        first, second = await audits.allocations(session, round_id=round_id)
        assert first.agreed_on is None and first.agreed_time is None
        await audits.set_agreed(session, first.id, dt.date(2027, 1, 26), dt.time(15, 0))
        await audits.set_agreed(session, first.id, meet, dt.time(9, 30))  # changed: the latest
    async with sessions() as session:
        again = await audits.allocation(session, first.id)
        assert again is not None and (again.agreed_on, again.agreed_time) == (meet, dt.time(9, 30))
        found = await audits.allocations(session, statuses=("allocated",), due_in=[meet])
        assert [v.id for v in found] == [first.id]
        found = await audits.allocations(session, statuses=("allocated",), due_in=[DUE])
        assert [v.id for v in found] == [first.id, second.id]
        assert await audits.earliest_due(session, ("allocated",)) == meet
        assert await audits.earliest_due(session, ("recorded",)) is None
    async with sessions.begin() as session:  # given to another auditor: the time goes with Dana
        await audit_escalations.reassign(session, f"audit:{first.id}", first.practitioner.id)
    async with sessions() as session:
        moved = await audits.allocation(session, first.id)
        assert moved is not None and moved.agreed_on is None and moved.agreed_time is None


async def test_moderation_load_and_outcomes_by_period(sessions: Sessions) -> None:
    await council(sessions, 3)
    round_id = await allocate_all(sessions, 3)
    async with sessions.begin() as session:
        views = await audits.allocations(session, round_id=round_id)
        moderator = views[0].auditor.id
        for n, view in enumerate(views):
            record = AuditRecord(allocation_id=view.id, grade="Good", grade_reason="r",
                                 recorded_by_id=moderator, recorded_at=NOW)  # fmt: skip
            session.add(record)
            await session.flush()
            done = NOW if n < 2 else None
            session.add(Moderation(audit_record_id=record.id, moderator_id=moderator,
                                   agrees=n == 0, requested_at=NOW, completed_at=done))  # fmt: skip
    async with sessions() as session:
        since = NOW - dt.timedelta(days=1)
        standings = await audit_followups.moderator_standings(session, ["team_manager"], since)
        mine = next(s for s in standings if s.person.id == moderator)
        assert (mine.asked, mine.open) == (3, 1)
        outcomes = await audit_followups.moderation_outcomes(
            session, "case_audit", "2027-01", "2027-03"
        )
        assert sorted(outcomes) == [False, True]
        assert (
            await audit_followups.moderation_outcomes(session, "case_audit", "2026-01", "2026-12")
            == []
        )


async def test_snoozes_are_kept_per_person_and_item(sessions: Sessions) -> None:
    await council(sessions, 1)
    async with sessions.begin() as session:
        person = await audit_people.person_by_staff_id(session, "P0")
        assert person is not None
        await snoozes.set_snooze(session, person.id, "audit:1", dt.date(2027, 1, 5))
        await snoozes.set_snooze(session, person.id, "audit:1", dt.date(2027, 1, 8))
    async with sessions() as session:
        assert await snoozes.snoozed_until(session, dt.date(2027, 1, 1)) == {
            (person.id, "audit:1"): dt.date(2027, 1, 8)
        }
        assert await snoozes.snoozed_until(session, dt.date(2027, 1, 9)) == {}
