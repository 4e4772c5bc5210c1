"""A simulated year of each preset shows its practice weeks and broadcasts, read from the output
and the outbox the run filled: where nothing was loaded, each practice week is drafted and each
broadcast slot has a placeholder (marked so); schedules, summaries and broadcasts go only to
channels and never carry a case reference; reminders and asks go to people, the working day
before and after each visit. Everyone responds on time, so the year runs quickly."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from simulated_years import YEAR, year_of

from handlers.broadcasts.cadence import next_slot
from handlers.core.calendar import Calendar
from handlers.practice_weeks.schedule import week_starting
from handlers.practice_weeks.sweeps import FOLLOW_UP_AFTER
from handlers.programme.schema import BroadcastActivity, PracticeWeekActivity, load_programme
from scheduler.simulation import SimulationResult

PRESETS = ["default", "hammersmith-fulham", "shropshire", "durham", "camden", "haringey"]


def items(result: SimulationResult) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(line, item) for every item, alone or gathered in a daily message."""
    return [(line, item) for line in result.lines() for item in line.get("items", [line])]


def cadence_slots(activity: BroadcastActivity, calendar: Calendar) -> int:
    found, after = 0, calendar.day_starts_at(dt.date(YEAR, 1, 1)) - dt.timedelta(seconds=1)
    while (slot := next_slot(activity, calendar, after)).year == YEAR:
        found, after = found + 1, slot
    return found


@pytest.mark.parametrize("preset", PRESETS)
def test_a_year_posts_each_practice_week_to_its_channel(preset: str) -> None:
    programme = load_programme(preset)
    weeks = programme.of_kind(PracticeWeekActivity)
    year = year_of(preset)
    found = items(year.result)
    posted = [line for line, _ in found if line["type"] == "practice_week.posted"]
    expected = sorted(
        (a.id, week_starting(YEAR, month, a.week_of_month).isoformat(), f"channel:{a.channel}")
        for a in weeks
        for month in a.months
    )
    assert sorted((p["activity"], p["week"], p["recipient"]) for p in posted) == expected
    assert all(p["placeholder"] is True for p in posted)  # drafted: nothing was loaded
    summaries = [line for line, _ in found if line["type"] == "practice_week.summary"]
    assert [s["recipient"] for s in summaries] == [f"channel:{programme.qa_channel}"] * len(
        expected
    )
    if not weeks:
        assert not [i for _, i in found if str(i["type"]).startswith("practice_week.")]
        return
    calendar = Calendar.from_programme(programme)
    reminders = [(line, i) for line, i in found if i["type"] == "practice_week.reminder"]
    asks = [(line, i) for line, i in found if i["type"] == "practice_week.findings_requested"]
    assert reminders and asks
    for line, item in reminders:
        assert not line["recipient"].startswith("channel:")
        day = dt.date.fromisoformat(item["day"])
        assert line["at"][:10] == calendar.add_working_days(day, -1).isoformat()
    visits = {(i["visitor"], i["team"], i["day"]) for _, i in reminders}
    for line, item in asks:
        assert line["recipient"] == item["visitor"]  # the visitor, and only them
        day = dt.date.fromisoformat(item["day"])
        # asked the working day after; once more FOLLOW_UP_AFTER working days on if not given
        after = 1 + FOLLOW_UP_AFTER if item.get("follow_up") else 1
        assert line["at"][:10] == calendar.add_working_days(day, after).isoformat()
    assert {(i["visitor"], i["team"], i["day"]) for _, i in asks} == visits
    assert max(Counter((i["visitor"], i["day"]) for _, i in asks).values()) <= 2
    by_visitor = Counter((line["recipient"], i["day"]) for line, i in reminders
                         if line["recipient"] == i["visitor"])  # fmt: skip
    assert len(by_visitor) == len(visits)  # every visitor reminded of every visit


@pytest.mark.parametrize("preset", PRESETS)
def test_a_year_posts_each_broadcast_on_its_cadence_to_its_channel(preset: str) -> None:
    programme = load_programme(preset)
    calendar = Calendar.from_programme(programme)
    posted = [line for line, _ in items(year_of(preset).result)
              if line["type"] == "broadcast.posted"]  # fmt: skip
    counts = Counter(line["activity"] for line in posted)
    activities = programme.of_kind(BroadcastActivity)
    assert activities
    for activity in activities:
        assert counts[activity.id] == cadence_slots(activity, calendar), activity.id
    channels = {a.id: f"channel:{a.channel}" for a in activities}
    assert all(line["recipient"] == channels[line["activity"]] for line in posted)
    assert all(line["placeholder"] is True for line in posted)


@pytest.mark.parametrize("preset", PRESETS)
def test_no_channel_post_carries_a_case_reference(preset: str) -> None:
    year = year_of(preset)
    assert year.case_refs and year.channel_posts
    for line, _ in items(year.result):
        if line["recipient"].startswith("channel:"):
            assert "case_ref" not in line
    for recipient, said in year.channel_posts:
        named = [ref for ref in year.case_refs if ref in said]
        assert not named, (recipient, named[:3])
