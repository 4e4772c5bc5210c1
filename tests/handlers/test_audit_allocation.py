"""make_plan pauses the cycle collector only while it loads, and always hands it back."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator

import pytest

from handlers.audit_allocation import make_plan
from handlers.calendar import Calendar
from handlers.deps import Deps
from handlers.programme import CaseAudit, load_programme
from message_templates.wording import Wording
from scheduler.clock import VirtualClock
from storage import Sessions, allocation_inputs
from storage.people import CaseRecord, PersonRecord, Roster, apply_roster

MONDAY = dt.datetime(2027, 1, 4, 10, 0, tzinfo=dt.UTC)
PROGRAMME = load_programme("default")
ACTIVITY: CaseAudit = PROGRAMME.of_kind(CaseAudit)[0]


@pytest.fixture
def collector_state() -> Iterator[None]:
    was_enabled = gc.isenabled()
    yield
    gc.enable() if was_enabled else gc.disable()


@pytest.fixture
async def deps(sqlite_sessions: Sessions) -> Deps:
    people = (
        PersonRecord("M1", "Dana Hughes", "m1@council.example", "team_manager", "A", "S"),
        PersonRecord("M2", "Marcus Reid", "m2@council.example", "team_manager", "B", "S"),
        PersonRecord("P1", "Tom Okafor", "p1@council.example", "practitioner", "A", "S", "M1"),
    )
    cases = (CaseRecord("C-000001", "P1", "CP", dt.date(2026, 9, 1)),)
    async with sqlite_sessions.begin() as session:
        await apply_roster(session, Roster(people, cases), now=MONDAY, actor="test")
    calendar = Calendar.from_programme(PROGRAMME)
    return Deps(sqlite_sessions, Wording(), VirtualClock(MONDAY), PROGRAMME, calendar)


@pytest.mark.usefixtures("collector_state")
@pytest.mark.parametrize("enabled", [True, False])
async def test_the_collector_is_left_as_it_was_found(deps: Deps, enabled: bool) -> None:
    gc.enable() if enabled else gc.disable()
    async with deps.sessions() as session:
        plan = await make_plan(deps, session, ACTIVITY, 2027, 1)
    assert [(p.auditor_id, p.case_ref) for p in plan.pairs] == [("M2", "C-000001")]
    assert gc.isenabled() is enabled


@pytest.mark.usefixtures("collector_state")
async def test_the_collector_comes_back_when_loading_fails(
    deps: Deps, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []

    async def broken(session: object) -> list[allocation_inputs.CaseRow]:
        seen.append(gc.isenabled())
        raise RuntimeError("database went away")

    monkeypatch.setattr(allocation_inputs, "load_open_cases", broken)
    gc.enable()
    async with deps.sessions() as session:
        with pytest.raises(RuntimeError):
            await make_plan(deps, session, ACTIVITY, 2027, 1)
    assert seen == [False] and gc.isenabled()
