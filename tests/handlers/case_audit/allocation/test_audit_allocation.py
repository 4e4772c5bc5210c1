"""make_plan pauses the cycle collector only while it loads, and always hands it back, even when
the database fails part-way (a real failure: a table is missing, nothing of ours is replaced)."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from handlers.case_audit.allocation.rounds import make_plan
from handlers.core.calendar import Calendar
from handlers.core.deps import Deps
from handlers.programme.schema import CaseAudit, load_programme
from message_templates.wording import Wording
from scheduler.clock import VirtualClock
from storage import Sessions
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
async def test_the_collector_comes_back_when_loading_fails(deps: Deps) -> None:
    """The cases table is gone, so loading fails part-way, on the real database."""
    async with deps.sessions.begin() as session:
        await session.execute(text("ALTER TABLE cases RENAME TO cases_archived"))
    collecting: list[bool] = []  # whether the collector ran as each statement went out

    def watch(*_: object) -> None:
        collecting.append(gc.isenabled())

    engine = deps.sessions.kw["bind"].sync_engine
    event.listen(engine, "before_cursor_execute", watch)
    gc.enable()
    try:
        async with deps.sessions() as session:
            with pytest.raises(OperationalError, match="no such table: cases"):
                await make_plan(deps, session, ACTIVITY, 2027, 1)
    finally:
        event.remove(engine, "before_cursor_execute", watch)
    assert collecting and not any(collecting)  # paused for the staff and the failing cases load
    assert gc.isenabled()
