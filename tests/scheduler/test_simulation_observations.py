"""A simulated year of each preset's observations of practice and weekly manager digest, read from
the output: observers nudged ahead and once past the date, the manager above them told only where
an observation stays unrecorded (and never when everyone records on time), and only after a nudge
about it was delivered and the observer had a working day to act, most observations recorded
(and the worker told), ASYE workers in their ASYE group only, each line manager's team picture at
most once a week, and still no more than one reminder message a person a working day.

A whole year, so each cadence comes round (six-monthly and quarterly ones more than once) and
the year end's bank holidays are crossed. One year per preset is simulated once (shared with the
noise-budget tests, tests/support/simulated_years.py), on the smallest demo council, with
observers who answer on time 60% of the time, so escalations happen (Durham's managers were once
told the day their observer was first reminded)."""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from simulated_years import sixty_percent_year, year_of

from handlers.core.calendar import Calendar
from handlers.programme.schema import ObservationActivity, load_programme
from scheduler._simulation_output import REMINDER_TYPES
from scheduler.simulation import SimulationResult

PRESETS = ("hammersmith-fulham", "shropshire", "durham", "camden", "haringey")
NUDGES = ("observation.due", "observation.overdue")


@pytest.fixture(scope="module", params=PRESETS)
def year(request: pytest.FixtureRequest) -> tuple[str, SimulationResult]:
    return request.param, sixty_percent_year(request.param)


@functools.cache
def lines_of(preset: str) -> tuple[dict[str, Any], ...]:
    """The year's SPEC lines, made once for every test that reads them."""
    return tuple(sixty_percent_year(preset).lines())


@functools.cache
def per_observer_groups(preset: str) -> frozenset[str]:
    activities = load_programme(preset).of_kind(ObservationActivity)
    return frozenset(g.name for a in activities for g in a.groups if g.per == "observer")


Line = dict[str, Any]


def observation_items(lines: Sequence[Line]) -> list[tuple[Line, Line]]:
    """(line, item) for each observation item, whether alone or gathered in a digest."""
    return [
        (line, item)
        for line in lines
        for item in line.get("items", [line])
        if str(item["type"]).startswith("observation.")
    ]


def about(item: dict[str, Any], own: frozenset[str]) -> tuple[str, ...]:
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
    found = Counter(item["type"] for _, item in observation_items(lines_of(preset)))
    assert found["observation.due"] > 0, preset
    assert found["observation.overdue"] > 0, preset
    assert found["observation.escalated"] > 0, preset
    assert found["observation.recorded"] > found["observation.escalated"], preset
    recorded = Counter((r.task, r.answer) for r in result.responses)
    assert recorded[("observation", "observation_saved")] == found["observation.recorded"]
    groups = {item["group"] for _, item in observation_items(lines_of(preset))}
    assert per_observer_groups(preset) <= groups, "every per-observer cadence runs"


def test_nudges_go_to_the_observer_and_escalations_only_above_them_where_none_was_recorded(
    year: tuple[str, SimulationResult],
) -> None:
    preset, _ = year
    own = per_observer_groups(preset)
    nudged: dict[tuple[str, ...], set[str]] = defaultdict(set)
    recorded: dict[tuple[str, ...], dt.datetime] = {}
    escalated: list[tuple[dict[str, Any], tuple[str, ...]]] = []
    for line, item in observation_items(lines_of(preset)):
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
            # the observation due on that date is met (for an observer's own cadence, whomever
            # they chose to observe)
            recorded.setdefault(key, when(line))
    assert escalated
    for line, key in escalated:
        assert key in nudged, "the observer was nudged before their manager heard"
        assert line["recipient"] not in nudged[key]
        done = recorded.get(key)
        assert done is None or done > when(line), "escalated though it was recorded"


def test_asye_workers_are_in_their_asye_group_only(year: tuple[str, SimulationResult]) -> None:
    preset, _ = year
    asye_groups = {g.name for a in load_programme(preset).of_kind(ObservationActivity)
                   for g in a.groups if g.asye}  # fmt: skip
    first_other: dict[str, dt.datetime] = {}
    asye_nudges: list[tuple[str, dt.datetime]] = []
    own = per_observer_groups(preset)
    for line, item in observation_items(lines_of(preset)):
        if item["type"] not in NUDGES or item["group"] in own:
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
    preset, _ = year
    digests = [line for line in lines_of(preset) if line["type"] == "digest.sent"]
    assert digests, preset
    weeks = Counter((line["recipient"], when(line).isocalendar()[:2]) for line in digests)
    assert max(weeks.values()) == 1
    assert all(line["recipient"] == line["manager"] and "case_ref" not in line for line in digests)
    assert len({w for _, w in weeks}) >= 48  # every week of the year, nearly


def test_no_one_gets_two_nudge_messages_a_day(year: tuple[str, SimulationResult]) -> None:
    preset, _ = year
    seen: Counter[tuple[str, dt.date]] = Counter()
    for line in lines_of(preset):
        if line["type"] in REMINDER_TYPES:  # the digest: observation escalations included
            seen[(line["recipient"], when(line).date())] += 1
    assert seen and max(seen.values()) == 1


def test_no_manager_hears_before_a_delivered_nudge_and_a_working_day_to_act(
    year: tuple[str, SimulationResult],
) -> None:
    """Read from what was delivered: each escalation of an observation (by its value and due
    date) comes after a nudge about it reached the observer (or whoever stood in for them), and
    after the first working day following that nudge (weekends and bank holidays skipped)."""
    preset, result = year
    calendar = Calendar.from_programme(load_programme(preset))
    zone = ZoneInfo(result.timezone)
    nudged: dict[tuple[str, str], list[tuple[str, dt.date]]] = defaultdict(list)
    escalated = 0
    for delivery in result.messages():
        day = delivery.at.astimezone(zone).date()
        listed = delivery.meta.get("items") or [{"meta": delivery.meta}]
        for meta in (item.get("meta", {}) for item in listed):
            kind = meta.get("type")
            if kind in NUDGES:
                nudged[(meta["value"], meta["due"])].append((delivery.recipient, day))
            elif kind == "observation.escalated":
                escalated += 1
                before = nudged[(meta["value"], meta["due"])]
                assert any(
                    who != delivery.recipient
                    and calendar.next_working_day(on + dt.timedelta(days=1)) < day
                    for who, on in before
                ), (preset, day, meta, before)
    assert escalated, preset


def test_no_escalation_when_every_observer_records_on_time() -> None:
    result = year_of("hammersmith-fulham").result  # shared with the practice-week tests
    found = Counter(item["type"] for _, item in observation_items(result.lines()))
    assert found["observation.due"] > 0 and found["observation.recorded"] > 0
    assert found["observation.escalated"] == 0
