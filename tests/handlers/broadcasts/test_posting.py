"""Broadcasts queued and posted on SQLite and PostgreSQL: each once, at its time or its cadence
slot, to its channel, in working hours only; refused or held when it could identify a child.

The default programme: the newsletter monthly on the first Tuesday, bitesize on the first
Thursday, both to the all-staff channel. January in London is on UTC.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from handlers.broadcasts.queueing import Refused, add
from handlers.capabilities import jobs
from handlers.core.calendar import Calendar
from handlers.core.deps import Deps
from handlers.programme.schema import load_programme
from message_templates.wording import Wording
from scheduler.clock import VirtualClock
from storage import Sessions
from storage.broadcasts import queue
from storage.models import Broadcast, OutboxMessage
from storage.people import CaseRecord, PersonRecord, Roster, apply_roster

PROGRAMME = load_programme("default")
NOW = dt.datetime(2027, 1, 4, 10, 0, tzinfo=dt.UTC)  # Monday 4 January 2027
ITEM = "# What audits taught us\n\nRecording the voice of the child, in 48 audits in 2026.\n"


STAFF = (
    PersonRecord("S01", "Dana Hughes", "s01@council.example", "practitioner", "Team A",
                 "Children", None),
    PersonRecord("Q01", "Quinn Reed", "q01@council.example", "qa_officer", "Quality",
                 "Children", None),
)  # fmt: skip


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2027, 1, day, hour, minute, tzinfo=dt.UTC)


@pytest.fixture
async def deps(sessions: Sessions) -> Deps:
    case = CaseRecord("C-000123", "S01", "CIN", dt.date(2026, 5, 1))
    async with sessions.begin() as session:
        await apply_roster(session, Roster(STAFF, (case,)), now=NOW, actor="test")
    return Deps(sessions=sessions, wording=Wording(), clock=VirtualClock(NOW),
                programme=PROGRAMME, calendar=Calendar.from_programme(PROGRAMME))  # fmt: skip


async def queue_item(
    deps: Deps, text: str = ITEM, kind: str = "newsletter", when: dt.datetime | None = None
) -> queue.Queued:
    async with deps.sessions.begin() as session:
        return await add(deps, session, text=text, source="item.md", kind=kind, channel=None,
                         at=when, now=NOW, by="Q01")  # fmt: skip


async def post(deps: Deps, now: dt.datetime) -> int:
    """The broadcasts job as `qabot run` and `qabot simulate` run it."""
    job = dict(jobs(deps))["broadcasts"]
    return await job(now)


async def outbox(deps: Deps) -> list[tuple[str, str, str, str]]:
    async with deps.sessions.begin() as session:
        rows = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
        return [(r.idempotency_key, r.recipient, r.platform, r.message_type) for r in rows]


async def test_queued_items_take_the_next_cadence_slots_in_order(deps: Deps) -> None:
    first, second = await queue_item(deps), await queue_item(deps)
    assert (first.title, first.body) == ("What audits taught us", ITEM.split("\n", 2)[2].strip())
    assert first.channel == "all-staff"
    assert first.scheduled_for == at(5, 9)  # the first Tuesday of January, 09:00
    assert second.scheduled_for == dt.datetime(2027, 2, 2, 9, 0, tzinfo=dt.UTC)
    bitesize = await queue_item(deps, kind="bitesize")
    assert bitesize.scheduled_for == at(7, 9)  # bitesize keeps its own cadence: Thursdays


async def test_each_posts_once_at_its_time_to_its_channel(deps: Deps) -> None:
    first = await queue_item(deps)
    await queue_item(deps)
    assert await post(deps, at(5, 8, 59)) == 0
    assert await post(deps, at(5, 9)) == 1
    assert await post(deps, at(5, 9, 30)) == 0
    assert await outbox(deps) == [
        (f"broadcast.posted:{first.id}", "channel:all-staff", "sandbox", "broadcast_posted")
    ]
    async with deps.sessions.begin() as session:
        stored = await session.get(Broadcast, first.id)
        assert stored is not None
        assert (stored.status, stored.posted_at) == ("posted", at(5, 9))
        message = (await session.scalars(select(OutboxMessage))).one().payload
    assert message["meta"]["type"] == "broadcast.posted"
    assert "voice of the child" in message["text"]


async def test_an_item_timed_for_a_weekend_posts_on_the_next_working_morning(deps: Deps) -> None:
    await queue_item(deps, kind="bitesize", when=at(9, 12))  # a Saturday
    assert await post(deps, at(9, 12)) == 0
    assert await post(deps, at(10, 18)) == 0
    assert await post(deps, at(11, 9)) == 1


@pytest.mark.parametrize(
    "line", ["NHS 943 476 5919", "at N1 9GU", "date of birth 01/02/2016", "about C-000123"]
)
async def test_text_that_may_identify_a_child_is_refused_and_nothing_stored(
    deps: Deps, line: str
) -> None:
    with pytest.raises(Refused, match=r"^item\.md was not queued, it may identify a child: line 5"):
        await queue_item(deps, text=f"{ITEM}\n{line}\n")
    async with deps.sessions.begin() as session:
        assert (await session.scalar(select(func.count(Broadcast.id)))) == 0


async def test_a_case_reference_known_only_after_queueing_holds_the_post(deps: Deps) -> None:
    item = await queue_item(deps, text=f"{ITEM}\nSee C-000999 for the detail.\n")
    case = CaseRecord("C-000999", "S01", "CIN", dt.date(2026, 5, 1))
    async with deps.sessions.begin() as session:
        await apply_roster(session, Roster(STAFF, (case,)), now=NOW, actor="test")
    assert await post(deps, at(5, 9)) == 0
    assert await outbox(deps) == []
    async with deps.sessions.begin() as session:
        assert [(q.id, q.status) for q in await queue.everything(session)] == [(item.id, "held")]
