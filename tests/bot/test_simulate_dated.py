"""A fortnight of `qabot simulate` from the pinned today keeps to the working calendar.

`pinned.today()` moves the fortnight, so CI runs it across a month's end, Christmas and a weekend.
The working calendar here is England's bank holidays, weekdays 09:00 to 17:00 (the default
programme), worked out independently of qabot's own calendar.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
from zoneinfo import ZoneInfo

import holidays
import pinned
import pytest

from bot.cli import main

pytestmark = pytest.mark.dated
LONDON = ZoneInfo("Europe/London")
NINE, FIVE = dt.time(9, 0), dt.time(17, 0)


def _working(day: dt.date) -> bool:
    bank = holidays.country_holidays("GB", subdiv="ENG", years=day.year)
    return day.weekday() < 5 and day not in bank


def _first_working_day(day: dt.date) -> dt.date:
    while not _working(day):
        day += dt.timedelta(days=1)
    return day


@pytest.fixture(scope="module")
def fortnight(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, str]]:
    """The messages of one simulated fortnight from the pinned today, shared by the module."""
    home = tmp_path_factory.mktemp("simulate")
    today = pinned.today()
    last = today + dt.timedelta(days=13)
    args = ["--from", today.isoformat(), "--to", last.isoformat(), "--demo-people", "80"]
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(out):
        patch.chdir(home)
        patch.setenv("QABOT_DATABASE_URL", f"sqlite:///{home / 'unused.db'}")
        patch.setenv("QABOT_PROGRAMME", "default")
        assert main(["simulate", *args, "--json"]) == 0
    return [json.loads(text) for text in out.getvalue().splitlines()]


def test_the_first_round_is_made_on_the_first_working_morning(
    fortnight: list[dict[str, str]],
) -> None:
    summaries = [line for line in fortnight if line["type"] == "allocation.summary"]
    assert summaries, "some round's window is open or opening on any day"
    first = dt.datetime.fromisoformat(summaries[0]["at"]).astimezone(LONDON)
    assert first == dt.datetime.combine(_first_working_day(pinned.today()), NINE, tzinfo=LONDON)
    rounds = [(line["recipient"], line["period"]) for line in summaries]
    assert len(rounds) == len(set(rounds)), (
        "one round a month, summed up once to each of the QA team"
    )


def test_every_dm_arrives_in_working_hours_on_a_working_day(
    fortnight: list[dict[str, str]],
) -> None:
    outside = [
        line
        for line in fortnight
        if not _working((at := dt.datetime.fromisoformat(line["at"]).astimezone(LONDON)).date())
        or not NINE <= at.time() < FIVE
    ]
    assert fortnight and outside == []


def test_every_audit_is_due_on_a_working_day_after_it_is_allocated(
    fortnight: list[dict[str, str]],
) -> None:
    allocated = [line for line in fortnight if line["type"] == "audit.allocated"]
    assert allocated
    for line in allocated:
        sent = dt.datetime.fromisoformat(line["at"]).astimezone(LONDON).date()
        due = dt.date.fromisoformat(line["due"])
        next_month = (sent.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        assert _working(due) and sent <= due, line
        assert (due.year, due.month) in {
            (sent.year, sent.month),
            (next_month.year, next_month.month),
        }
