"""The observation staff list read in part for one button, and the records read for some people
only, on SQLite and PostgreSQL.

The council: D01 manages H01 and H02; H01 manages T01 and T02; T01 manages P01 and P02; T02
manages P03.
"""

from __future__ import annotations

import datetime as dt

import pytest
from small_council import team_a
from sqlalchemy import select, update

from storage import Sessions
from storage.models import Person
from storage.observations import records, staff
from storage.observations.records import NewObservation
from storage.people import Roster, apply_roster

NOW = dt.datetime(2027, 1, 4, 10, 0, tzinfo=dt.UTC)
PEOPLE = [("D01", "director", None, {}), ("H01", "head_of_service", "D01", {}),
          ("H02", "head_of_service", "D01", {}), ("T01", "team_manager", "H01", {}),
          ("T02", "team_manager", "H01", {}), ("P01", "practitioner", "T01", {}),
          ("P02", "practitioner", "T01", {}), ("P03", "practitioner", "T02", {})]  # fmt: skip
NAMES = {sid: f"Person {sid}" for sid, *_ in PEOPLE}


@pytest.fixture
async def ids(sessions: Sessions) -> dict[str, int]:
    async with sessions.begin() as session:
        await apply_roster(session, Roster(team_a(PEOPLE, NAMES), ()), now=NOW, actor="test")
        found = await session.execute(select(Person.staff_id, Person.id))
        return {sid: pid for sid, pid in found}


async def around(sessions: Sessions, named: int, clicker: str, below: bool) -> list[str]:
    async with sessions() as session:
        everyone = await staff.everyone(session)
        found = await staff.around(session, named, clicker, everyone_below=below)
    assert all(found[pid] == everyone[pid] for pid in found)
    order = [pid for pid in everyone if pid in found]
    assert list(found) == order  # in the staff list's order
    return [p.staff_id for p in found.values()]


async def test_one_persons_part_of_the_staff_list(sessions: Sessions, ids: dict[str, int]) -> None:
    # above them, the clicker, and those reporting to them directly
    assert sorted(await around(sessions, ids["T01"], "H02", False)) == [
        "D01", "H01", "H02", "P01", "P02", "T01"]  # fmt: skip
    assert sorted(await around(sessions, ids["H01"], "P01", False)) == [
        "D01", "H01", "P01", "T01", "T02"]  # fmt: skip
    # an observer's own cadence: everyone below them, at any depth
    assert sorted(await around(sessions, ids["H01"], "nobody", True)) == [
        "D01", "H01", "P01", "P02", "P03", "T01", "T02"]  # fmt: skip
    assert sorted(await around(sessions, ids["P03"], "nobody", True)) == [
        "D01", "H01", "P03", "T02"]  # fmt: skip


async def test_a_loop_in_the_line_of_management_ends(
    sessions: Sessions, ids: dict[str, int]
) -> None:
    async with sessions.begin() as session:
        loop = update(Person).where(Person.staff_id == "D01").values(manager_id=ids["P01"])
        await session.execute(loop)
    assert sorted(await around(sessions, ids["T01"], "nobody", True)) == [
        "D01", "H01", "H02", "P01", "P02", "P03", "T01", "T02"]  # fmt: skip
    assert sorted(await around(sessions, ids["P02"], "nobody", False)) == [
        "D01", "H01", "P01", "P02", "T01"]  # fmt: skip


async def test_one_person_by_staff_id(sessions: Sessions, ids: dict[str, int]) -> None:
    async with sessions() as session:
        found = await staff.by_staff_id(session, "T02")
        assert found is not None and (found.id, found.manager_id) == (ids["T02"], ids["H01"])
        assert await staff.by_staff_id(session, "X99") is None


async def test_records_for_some_people_are_the_same_as_in_the_whole_read(
    sessions: Sessions, ids: dict[str, int]
) -> None:
    seen = [("P01", "T01", dt.date(2026, 11, 2)), ("P01", "H01", dt.date(2026, 10, 1)),
            ("P02", "T01", dt.date(2026, 12, 1)), ("P03", "T02", dt.date(2026, 9, 9))]  # fmt: skip
    async with sessions.begin() as session:
        for observed, observer, day in seen:
            new = NewObservation("practice_observation", "staff", ids[observed], ids[observer],
                                 day, "office", "na", "Kept the meeting focused.")  # fmt: skip
            await records.add(session, new, NOW)
    async with sessions() as session:
        observed = await records.observed_dates(session)
        by_observer = await records.observer_dates(session)
        some = await records.observed_dates(session, [ids["P01"], ids["P03"]])
        one_observer = await records.observer_dates(session, [ids["T01"]])
        none = await records.observed_dates(session, [])
    assert some == {k: v for k, v in observed.items() if k[2] in (ids["P01"], ids["P03"])}
    assert some[("practice_observation", "staff", ids["P01"])] == [
        dt.date(2026, 10, 1), dt.date(2026, 11, 2)]  # fmt: skip
    assert one_observer == {k: v for k, v in by_observer.items() if k[2] == ids["T01"]}
    assert len(one_observer[("practice_observation", "staff", ids["T01"])]) == 2
    assert none == {}
