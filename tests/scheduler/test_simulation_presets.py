"""A simulated year of a preset keeps its framework's audit cadence, read from the output.

One full year runs end to end through the real sweeps, database, outbox and dispatcher;
every preset's cadence is checked from the pure rules in tests/handlers/test_preset_cadences.py,
and this year also checks that the simulation agrees with that model, audit for audit.
Hammersmith & Fulham's is the year run here: its window is a week of the month (not the
first to the 28th), its auditors come from another service, and its auditors must hear of
their audit before the window opens, which only the delivered messages can show.
Everyone responds on time, so the year runs quickly; the cadence of allocations does not
depend on how people respond.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
from collections import Counter
from typing import Any

from preset_year import YEAR, year_of_rounds
from simulated_years import PEOPLE as SHARED_PEOPLE
from simulated_years import year_of

from handlers.core.calendar import Calendar
from handlers.programme.schema import CaseAudit, load_programme
from scheduler._simulation_output import REMINDER_TYPES
from scheduler.simulation import Behaviour, Council, run_simulation

PRESET, ACTIVITY, PEOPLE = "hammersmith-fulham", "monthly_audit", 80


NUDGES = REMINDER_TYPES | {"audit.escalated", "action.escalated"}  # every capability's digest


@functools.cache
def year_lines(preset: str, people: int) -> tuple[dict[str, Any], ...]:
    """Every line of the simulated year, run once a session for the tests that read it (the
    on-time year the practice-week and observation tests read too)."""
    assert people == SHARED_PEOPLE, "the shared year is of the smallest demo council"
    return tuple(year_of(preset).result.lines())


def allocations(preset: str, people: int) -> list[dict[str, Any]]:
    """The year's audit.allocated lines for audits due in the year."""
    return [
        line
        for line in year_lines(preset, people)
        if line["type"] == "audit.allocated" and line["due"].startswith(f"{YEAR}-")
    ]


def test_a_year_sends_no_one_more_than_one_nudge_message_a_working_day() -> None:
    """Reminders and escalations together, from every capability (SPEC noise budget)."""
    nudges = [line for line in year_lines(PRESET, PEOPLE) if line["type"] in NUDGES]
    assert nudges
    days = [(line["recipient"], line["at"][:10]) for line in nudges]
    assert len(days) == len(set(days))


def test_hammersmith_fulham_year_audits_monthly_in_the_second_week_as_the_rules_say() -> None:
    lines = allocations(PRESET, PEOPLE)
    assert {line["activity"] for line in lines} == {ACTIVITY}
    months = sorted({dt.date.fromisoformat(line["due"]).month for line in lines})
    assert months == list(range(1, 13))
    for line in lines:
        due = dt.date.fromisoformat(line["due"])
        monday = due - dt.timedelta(days=due.weekday())
        assert due.weekday() < 5 and (monday.day - 1) // 7 == 1, line["due"]
        told = dt.date.fromisoformat(line["at"][:10])
        assert told < monday, "the auditor is told before the window opens"
    # the stored rounds, their history and the messages match the pure rules' year exactly
    expected = sorted(
        (p.auditor_id, p.practitioner_id, p.case_ref, r.due.isoformat())
        for r in year_of_rounds(PRESET, ACTIVITY, PEOPLE).values()
        for p in r.plan.pairs
    )
    simulated = sorted(
        (line["auditor"], line["practitioner"], line["case_ref"], line["due"]) for line in lines
    )
    assert simulated == expected


@functools.cache
def mostly_on_time_year(preset: str, people: int) -> tuple[dict[str, Any], ...]:
    """A year as people really behave: most on time, some late, a few never record."""
    result = asyncio.run(
        run_simulation(load_programme(preset), dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31),
                       council=Council(demo_people=people), behaviour=Behaviour())
    )  # fmt: skip
    return tuple(result.lines())


def test_shropshire_record_reminders_end_with_the_ladder_and_stay_flat_over_a_year() -> None:
    """Audits never recorded are not nudged for ever: each stops at its escalation, so the
    monthly count of record reminders does not grow as unrecorded audits pile up."""
    lines = mostly_on_time_year("shropshire", PEOPLE)
    reminders = [
        {"at": line["at"], **item}
        for line in lines
        for item in line.get("items", [line])
        if item["type"] == "audit.reminder"
    ]
    assert reminders
    audit = load_programme("shropshire").of_kind(CaseAudit)[0]
    limit = audit.record_reminders.escalate_after_working_days
    assert limit is not None
    calendar = Calendar.from_programme(load_programme("shropshire"))
    for line in reminders:
        sent, due = dt.date.fromisoformat(line["at"][:10]), dt.date.fromisoformat(line["due"])
        assert calendar.working_days_between(due, sent) <= limit, line
        assert due.year * 12 + due.month - (sent.year * 12 + sent.month) >= -1, line
    # each audit is nudged at most the ladder's times: before it is due, then once at the
    # escalation (5 working days over, every 5: one nudge)
    per_audit = Counter((line["case_ref"], line["due"]) for line in reminders)
    assert max(per_audit.values()) <= len(audit.record_reminders.before_working_days) + 1
    per_month = Counter(line["at"][5:7] for line in reminders)
    assert per_month["12"] <= 2 * per_month["01"], per_month  # was 72 in January, 468 in December


def test_durham_quarterly_moderation_covers_audits_from_every_month() -> None:
    """§4.3 "Moderation Process", Quarterly: audits of every month are moderated, each due
    after its quarter ends (not only rounds in March, June, September and December)."""
    lines = year_lines("durham", PEOPLE)
    calendar = Calendar.from_programme(load_programme("durham"))
    allocated: dict[tuple[str, str], list[str]] = {}
    for line in lines:
        if line["type"] == "audit.allocated":
            allocated.setdefault((line["case_ref"], line["auditor"]), []).append(line["due"])
    months = set()
    for line in (line for line in lines if line["type"] == "moderation.requested"):
        asked = dt.date.fromisoformat(line["at"][:10])
        dues = allocated[line["case_ref"], line["auditor"]]  # the audit is the one due nearest
        months.add(min(dues, key=lambda d: abs((dt.date.fromisoformat(d) - asked).days))[:7])
        quarter_end = dt.date(asked.year, -(-asked.month // 3) * 3 % 12 + 1, 1) - dt.timedelta(1)
        if asked.month > 9:
            quarter_end = dt.date(asked.year, 12, 31)
        assert dt.date.fromisoformat(line["due"]) == calendar.add_working_days(quarter_end, 15)
    assert {m for m in months if int(m[5:]) % 3} and len(months) >= 10, sorted(months)
