"""Half a simulated year of each preset's observations of practice and weekly manager digest, read
from the output: observers nudged ahead and once past the date, the manager above them told only
where an observation stays unrecorded (and never when everyone records on time), most
observations recorded (and the worker told), ASYE workers in their ASYE group only, each line
manager's team picture at most once a week, and still no more than one reminder message a person
a working day. Half a year is enough: the first observations fall due three months after the
roster arrives, and their escalations follow within weeks."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter, defaultdict
from typing import Any

import pytest

from handlers.programme.schema import ObservationActivity, load_programme
from scheduler._simulation_output import REMINDER_TYPES
from scheduler.simulation import Behaviour, Council, SimulationResult, run_simulation

YEAR = 2027
PEOPLE = 80
PRESETS = ("hammersmith-fulham", "shropshire", "durham", "camden", "haringey")
NUDGES = ("observation.due", "observation.overdue")


def simulate(preset: str, behaviour: Behaviour | None = None) -> SimulationResult:
    extra = {"behaviour": behaviour} if behaviour is not None else {}
    return asyncio.run(
        run_simulation(load_programme(preset), dt.date(YEAR, 1, 1), dt.date(YEAR, 6, 30),
                       council=Council(demo_people=PEOPLE), **extra)
    )  # fmt: skip


@pytest.fixture(scope="module", params=PRESETS)
def year(request: pytest.FixtureRequest) -> tuple[str, SimulationResult]:
    return request.param, simulate(request.param)


def per_observer_groups(preset: str) -> set[str]:
    activities = load_programme(preset).of_kind(ObservationActivity)
    return {g.name for a in activities for g in a.groups if g.per == "observer"}


def observation_items(lines: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(line, item) for each observation item, whether alone or gathered in a digest."""
    return [
        (line, item)
        for line in lines
        for item in line.get("items", [line])
        if str(item["type"]).startswith("observation.")
    ]


def about(item: dict[str, Any], own: set[str]) -> tuple[str, ...]:
    """Which observation an item is about: the observer's own cadence is theirs, not a worker's."""
    if item["group"] in own:
        return (item["group"], item["observer"], item["due"])
    return (item["group"], item["practitioner"], item["due"])


def when(line: dict[str, Any]) -> dt.datetime:
    return dt.datetime.fromisoformat(line["at"])


def test_a_year_has_observation_nudges_escalations_and_records(
    year: tuple[str, SimulationResult],
) -> None:
    preset, result = year
    found = Counter(item["type"] for _, item in observation_items(result.lines()))
    assert found["observation.due"] > 0, preset
    assert found["observation.overdue"] > 0, preset
    assert found["observation.escalated"] > 0, preset
    assert found["observation.recorded"] > found["observation.escalated"], preset
    recorded = Counter((r.task, r.answer) for r in result.responses)
    assert recorded[("observation", "observation_saved")] == found["observation.recorded"]
    groups = {item["group"] for _, item in observation_items(result.lines())}
    assert per_observer_groups(preset) <= groups, "every per-observer cadence runs"


def test_nudges_go_to_the_observer_and_escalations_only_above_them_where_none_was_recorded(
    year: tuple[str, SimulationResult],
) -> None:
    preset, result = year
    own = per_observer_groups(preset)
    nudged: dict[tuple[str, ...], set[str]] = defaultdict(set)
    recorded: dict[tuple[str, ...], dt.datetime] = {}
    escalated: list[tuple[dict[str, Any], tuple[str, ...]]] = []
    for line, item in observation_items(result.lines()):
        assert not line["recipient"].startswith("channel:")
        key = about(item, own)
        if item["type"] in NUDGES:
            assert line["recipient"] != item["practitioner"]
            assert line["recipient"] == item.get("to", item["observer"])
            nudged[key].add(line["recipient"])
        elif item["type"] == "observation.escalated":
            assert line["recipient"] == item["manager"] != item["practitioner"]
            escalated.append((line, key))
        elif item["type"] == "observation.recorded":
            assert line["recipient"] == item["practitioner"]
            if item["group"] in own:  # whom they chose; their own cadence is what was met
                key = (item["group"], item["observer"])
            recorded.setdefault(key, when(line))
    assert escalated
    for line, key in escalated:
        assert key in nudged, "the observer was nudged before their manager heard"
        assert line["recipient"] not in nudged[key]
        done = recorded.get(key if key[0] not in own else key[:2])
        assert done is None or done > when(line), "escalated though it was recorded"


def test_asye_workers_are_in_their_asye_group_only(year: tuple[str, SimulationResult]) -> None:
    preset, result = year
    asye_groups = {g.name for a in load_programme(preset).of_kind(ObservationActivity)
                   for g in a.groups if g.asye}  # fmt: skip
    first_other: dict[str, dt.datetime] = {}
    asye_nudges: list[tuple[str, dt.datetime]] = []
    for line, item in observation_items(result.lines()):
        if item["type"] not in NUDGES or item["group"] in per_observer_groups(preset):
            continue
        if item["group"] in asye_groups:
            asye_nudges.append((item["practitioner"], when(line)))
        else:
            first_other.setdefault(item["practitioner"], when(line))
    assert asye_nudges, preset
    for worker, at in asye_nudges:
        assert worker not in first_other or at < first_other[worker]


def test_each_line_manager_gets_their_team_picture_at_most_weekly(
    year: tuple[str, SimulationResult],
) -> None:
    preset, result = year
    digests = [line for line in result.lines() if line["type"] == "digest.sent"]
    assert digests, preset
    weeks = Counter((line["recipient"], when(line).isocalendar()[:2]) for line in digests)
    assert max(weeks.values()) == 1
    assert all(line["recipient"] == line["manager"] and "case_ref" not in line for line in digests)
    assert len({w for _, w in weeks}) >= 20  # every week of the half year, nearly


def test_no_one_gets_two_nudge_messages_a_day(year: tuple[str, SimulationResult]) -> None:
    _, result = year
    seen: Counter[tuple[str, dt.date]] = Counter()
    for line in result.lines():
        if line["type"] in REMINDER_TYPES:  # the digest: observation escalations included
            seen[(line["recipient"], when(line).date())] += 1
    assert seen and max(seen.values()) == 1


def test_no_escalation_when_every_observer_records_on_time() -> None:
    result = simulate("hammersmith-fulham", Behaviour(respond_rate=1.0, late_rate=0.0))
    found = Counter(item["type"] for _, item in observation_items(result.lines()))
    assert found["observation.due"] > 0 and found["observation.recorded"] > 0
    assert found["observation.escalated"] == 0
