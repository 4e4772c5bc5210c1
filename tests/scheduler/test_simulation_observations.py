"""Half a simulated year of Hammersmith & Fulham's observations of practice, read from the output:
observers nudged ahead and once overdue, the manager above them told when an observation stays
unrecorded, most observations recorded (and the worker told), and still no more than one
reminder message a person a working day. Half a year is enough: the first observations fall
due three months after the roster arrives, and their escalations follow within weeks."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from typing import Any

import pytest

from handlers.programme.schema import load_programme
from scheduler._simulation_output import REMINDER_TYPES
from scheduler.simulation import Council, SimulationResult, run_simulation

YEAR = 2027
PEOPLE = 80


@pytest.fixture(scope="module")
def year() -> SimulationResult:
    return asyncio.run(
        run_simulation(load_programme("hammersmith-fulham"), dt.date(YEAR, 1, 1),
                       dt.date(YEAR, 6, 30), council=Council(demo_people=PEOPLE))
    )  # fmt: skip


def observation_items(lines: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(line, item) for each observation item, whether alone or gathered in a digest."""
    return [
        (line, item)
        for line in lines
        for item in line.get("items", [line])
        if str(item["type"]).startswith("observation.")
    ]


def test_a_year_has_observation_nudges_escalations_and_records(year: SimulationResult) -> None:
    found = Counter(item["type"] for _, item in observation_items(year.lines()))
    assert found["observation.due"] > 0
    assert found["observation.overdue"] > 0
    assert found["observation.escalated"] > 0
    assert found["observation.recorded"] > found["observation.escalated"]
    recorded = Counter((r.task, r.answer) for r in year.responses)
    assert recorded[("observation", "observation_saved")] == found["observation.recorded"]


def test_nudges_go_to_a_manager_and_escalations_above_the_observer(year: SimulationResult) -> None:
    nudged: dict[tuple[str, str], set[str]] = {}
    escalated: list[tuple[str, tuple[str, str]]] = []
    for line, item in observation_items(year.lines()):
        assert not line["recipient"].startswith("channel:")
        about = (item["practitioner"], item["due"])
        if item["type"] in ("observation.due", "observation.overdue"):
            assert line["recipient"] != item["practitioner"]
            nudged.setdefault(about, set()).add(line["recipient"])
        if item["type"] == "observation.escalated":
            assert line["recipient"] == item["manager"] != item["practitioner"]
            escalated.append((line["recipient"], about))
        if item["type"] == "observation.recorded":
            assert line["recipient"] == item["practitioner"]
    assert escalated
    for manager, about in escalated:
        assert about in nudged, "the observer was nudged before their manager heard"
        assert manager not in nudged[about]


def test_no_one_gets_two_nudge_messages_a_day(year: SimulationResult) -> None:
    seen: Counter[tuple[str, dt.date]] = Counter()
    for line in year.lines():
        if line["type"] in REMINDER_TYPES:  # the digest: observation escalations included
            seen[(line["recipient"], dt.datetime.fromisoformat(line["at"]).date())] += 1
    assert seen and max(seen.values()) == 1
