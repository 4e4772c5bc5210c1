"""A simulated council where some people answer late and some never: reflection and moderation
reminders show in the SPEC §6 output, go only to the person asked, stop once they answer or
after the rule's last nudge, and never escalate."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from typing import Any

import pytest

from handlers.case_audit.ids import RECORD_MODERATION, SAVE_REFLECTION
from handlers.programme.schema import CaseAudit, load_programme
from scheduler._simulation_output import REMINDER_TYPES, spec_type
from scheduler.simulation import (
    Behaviour,
    Council,
    Delivery,
    SimulationResult,
    run_simulation,
)

PROGRAMME = load_programme("default")
AUDIT: CaseAudit = PROGRAMME.of_kind(CaseAudit)[0]
START, END = dt.date(2027, 1, 1), dt.date(2027, 3, 12)
SOME_LATE_SOME_NEVER = Behaviour(respond_rate=0.5, late_rate=0.3)
# How each reminder names what it is about, and the answer that ends it.
ABOUT = {"reflection.reminder": "allocation_id", "moderation.reminder": "moderation_id"}
ANSWER = {"reflection.reminder": SAVE_REFLECTION, "moderation.reminder": RECORD_MODERATION}


@pytest.fixture(scope="module")
def result() -> SimulationResult:
    return asyncio.run(
        run_simulation(PROGRAMME, START, END, council=Council(demo_people=80), seed=1,
                       behaviour=SOME_LATE_SOME_NEVER)
    )  # fmt: skip


def reminders(result: SimulationResult, kind: str) -> list[tuple[Delivery, dict[str, Any]]]:
    """Every reminder of this type, with its meta, gathered or not."""
    found = []
    for delivery in result.messages():
        for item in delivery.meta.get("items") or []:
            if spec_type(item["kind"]) == kind:
                found.append((delivery, item["meta"]))
    return found


def answered(result: SimulationResult, kind: str) -> dict[tuple[str, str], dt.datetime]:
    """When each person first answered each request, by (staff id, what it is about)."""
    found: dict[tuple[str, str], dt.datetime] = {}
    for response in result.responses:
        if response.event == ANSWER[kind] and response.answer not in ("user_error", "apology"):
            found.setdefault((response.staff_id, response.ref), response.at)
    return found


def test_the_new_reminder_types_show_in_the_output(result: SimulationResult) -> None:
    assert {"reflection.reminder", "moderation.reminder"} <= REMINDER_TYPES
    types = Counter(item["type"] for line in result.lines() for item in line.get("items", [line]))
    assert types["reflection.reminder"] > 0 and types["moderation.reminder"] > 0
    line = next(line for line in result.lines() if line["type"] == "reflection.reminder")
    assert line["recipient"] == line["practitioner"] and line["case_ref"] and line["due"]


@pytest.mark.parametrize("kind", ["reflection.reminder", "moderation.reminder"])
def test_reminders_go_only_to_the_person_asked(result: SimulationResult, kind: str) -> None:
    asked = "practitioner" if kind == "reflection.reminder" else "moderator"
    for delivery, meta in reminders(result, kind):
        assert delivery.recipient == f"person:{meta[asked]}", (kind, meta)


@pytest.mark.parametrize("kind", ["reflection.reminder", "moderation.reminder"])
def test_an_answer_stops_the_reminders(result: SimulationResult, kind: str) -> None:
    done = answered(result, kind)
    late = 0
    for delivery, meta in reminders(result, kind):
        who = (delivery.recipient.removeprefix("person:"), str(meta[ABOUT[kind]]))
        if who in done:
            assert delivery.at < done[who], (kind, meta)
            late += 1
    assert late, f"nobody answered late after a {kind}"


@pytest.mark.parametrize("kind", ["reflection.reminder", "moderation.reminder"])
def test_people_who_never_answer_get_a_few_nudges_then_no_more(
    result: SimulationResult, kind: str
) -> None:
    assert AUDIT.moderation is not None
    rules = {"reflection.reminder": AUDIT.reflection, "moderation.reminder": AUDIT.moderation}
    rule = rules[kind].reminders
    most = len(rule.before_working_days) + (rule.overdue_nudges or 0)
    done = answered(result, kind)
    counts = Counter(
        (d.recipient.removeprefix("person:"), str(meta[ABOUT[kind]]))
        for d, meta in reminders(result, kind)
    )
    assert max(counts.values()) <= most
    never = [who for who in counts if who not in done]
    assert never and any(counts[who] == most for who in never)


def test_reflections_and_moderations_never_escalate(result: SimulationResult) -> None:
    escalated = {line["type"] for line in result.lines() if line["type"].endswith(".escalated")}
    assert escalated <= {"audit.escalated", "action.escalated", "observation.escalated"}
