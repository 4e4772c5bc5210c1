"""Broadcasts in chat on SQLite and PostgreSQL: "bitesize TEXT" from the QA team (and a polite
refusal naming who can for anyone else), "I've read this" kept once a person, read counts by
team for the QA team only, and the QA team reminded of an empty slot a few working days ahead.

The default programme: bitesize learning on the first Thursday of each month to all-staff, with
"I've read this"; the newsletter on the first Tuesday. January in London is on UTC.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from chat import click, say
from sqlalchemy import func, select

from handlers.broadcasts.ids import READ
from handlers.capabilities import jobs, reminder_sources
from handlers.core.calendar import Calendar
from handlers.core.deps import Deps
from handlers.programme.schema import load_programme
from handlers.reminders.snooze import Reminders
from message_templates.markup import to_plain
from message_templates.wording import Wording
from scheduler.clock import VirtualClock
from storage import Sessions
from storage.models import Broadcast, BroadcastAck, OutboxMessage
from storage.people import CaseRecord, PersonRecord, Roster, apply_roster

PROGRAMME = load_programme("default")
NOW = dt.datetime(2027, 1, 4, 10, 0, tzinfo=dt.UTC)  # Monday 4 January 2027
STAFF = (
    ("Q01", "Quinn Reed", "qa_officer", "Quality"),
    ("W01", "Wren Cole", "principal_social_worker", "Quality"),
    ("P01", "Tom Okafor", "practitioner", "Assessment 1"),
    ("P02", "Priya Shah", "practitioner", "Assessment 1"),
    ("P03", "Sam Moss", "practitioner", "Children in Care"),
)
REFUSED_QUEUE = (
    "Sorry, only a QA manager, QA officer or principal social worker can queue newsletters and "
    "bitesize items. Please ask one of them, and they can do it for you."
)


def at(day: int, hour: int = 10, month: int = 1) -> dt.datetime:
    return dt.datetime(2027, month, day, hour, 0, tzinfo=dt.UTC)


@pytest.fixture
async def deps(sessions: Sessions) -> Deps:
    people = tuple(
        PersonRecord(sid, name, f"{sid.lower()}@council.example", role, team, "Children", None)
        for sid, name, role, team in STAFF
    )
    cases = (CaseRecord("C-000123", "P01", "CIN", dt.date(2026, 5, 1)),)
    async with sessions.begin() as session:
        await apply_roster(session, Roster(people, cases), now=NOW, actor="test")
    return Deps(sessions=sessions, wording=Wording(), clock=VirtualClock(NOW),
                programme=PROGRAMME, calendar=Calendar.from_programme(PROGRAMME))  # fmt: skip


async def stored(deps: Deps) -> list[Broadcast]:
    async with deps.sessions() as session:
        return list(await session.scalars(select(Broadcast).order_by(Broadcast.id)))


async def post(deps: Deps, now: dt.datetime) -> dict[str, Any]:
    """The broadcasts job as production runs it; the post it queued."""
    assert await dict(jobs(deps))["broadcasts"](now) == 1
    async with deps.sessions() as session:
        row = (
            await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc()))
        ).first()
    assert row is not None and row.recipient == "channel:all-staff"
    payload: dict[str, Any] = row.payload
    return payload


async def test_the_qa_team_queues_a_bitesize_item_from_chat(deps: Deps) -> None:
    answer = await say(deps, "Q01", "bitesize Three **questions** to ask on every visit")
    assert answer.kind == "broadcast_queued"
    assert to_plain(answer.text) == (
        "Queued for the Bitesize learning: it goes to all-staff on Thursday 7 January at "
        "09:00, after one more check for anything that could identify a child."
    )
    (item,) = await stored(deps)
    assert (item.kind, item.activity, item.title) == ("bitesize", "bitesize", "Bitesize learning")
    assert item.body == "Three **questions** to ask on every visit"
    assert item.scheduled_for == at(7, 9)
    assert item.created_by_id is not None


async def test_anyone_else_is_told_who_can_and_nothing_is_queued(deps: Deps) -> None:
    answer = await say(deps, "P01", "bitesize Three questions to ask on every visit")
    assert answer.kind == "user_error" and to_plain(answer.text) == REFUSED_QUEUE
    assert await stored(deps) == []


async def test_a_bitesize_item_naming_a_child_is_refused_with_where(deps: Deps) -> None:
    answer = await say(deps, "W01", "bitesize Lessons from the visit to W6 9JU last week")
    assert answer.kind == "user_error"
    assert to_plain(answer.text) == (
        "Your bitesize item was not queued, it may identify a child: line 1, column 27: "
        "a UK postcode"
    )
    answer = await say(deps, "W01", "bitesize What c-000123 taught us")
    assert "the case reference C-000123" in to_plain(answer.text)
    assert await stored(deps) == []


async def test_bitesize_with_no_words_says_how(deps: Deps) -> None:
    answer = await say(deps, "Q01", "bitesize")
    assert answer.kind == "user_error" and "after the word" in to_plain(answer.text)


async def test_a_post_carries_i_have_read_this_and_each_read_is_kept_once(deps: Deps) -> None:
    await say(deps, "Q01", "bitesize Three questions to ask on every visit")
    payload = await post(deps, at(7, 9))
    (item,) = await stored(deps)
    assert payload["buttons"] == [
        {"label": "I've read this", "action": READ, "value": str(item.id), "style": "primary"}
    ]
    first = await click(deps, "P01", READ, str(item.id))
    assert to_plain(first.text) == 'Thanks, Tom: noted that you\'ve read "Bitesize learning".'
    again = await click(deps, "P01", READ, str(item.id))
    assert "already told me" in to_plain(again.text)
    await click(deps, "P02", READ, str(item.id))
    await click(deps, "P03", READ, str(item.id))
    async with deps.sessions() as session:
        assert await session.scalar(select(func.count(BroadcastAck.id))) == 3


async def test_a_broadcast_not_asking_for_acknowledgement_has_no_button(deps: Deps) -> None:
    activities = [a.model_copy(update={"acknowledge": False}) if a.id == "bitesize" else a
                  for a in PROGRAMME.activities]  # fmt: skip
    programme = PROGRAMME.model_copy(update={"activities": activities})
    quiet = Deps(sessions=deps.sessions, wording=deps.wording, clock=deps.clock,
                 programme=programme, calendar=deps.calendar)  # fmt: skip
    await say(quiet, "Q01", "bitesize Three questions")
    assert (await post(quiet, at(7, 9)))["buttons"] == []


async def test_read_counts_by_team_for_the_qa_team_only(deps: Deps) -> None:
    await say(deps, "Q01", "bitesize Three questions to ask on every visit")
    await post(deps, at(7, 9))
    (item,) = await stored(deps)
    for staff_id in ("P01", "P02", "P03", "P01"):
        await click(deps, staff_id, READ, str(item.id))
    counts = await say(deps, "W01", "broadcasts")
    assert counts.kind == "broadcast_reads"
    assert to_plain(counts.text).splitlines()[-1] == (
        "- Bitesize learning (Thursday 7 January): 3 read: Assessment 1 2, Children in Care 1"
    )
    mine = await say(deps, "Q01", "my qa")  # the QA team's My QA has the totals
    assert (
        "Read so far (type broadcasts for each team): Bitesize learning (Thursday 7 January) 3."
        in (to_plain(mine.text))
    )
    refused = await say(deps, "P01", "broadcasts")
    assert refused.kind == "user_error"
    assert to_plain(refused.text) == (
        "Sorry, only a QA manager, QA officer or principal social worker can see how many people "
        "have read each broadcast. Please ask one of them, and they can do it for you."
    )


async def wanted(deps: Deps, now: dt.datetime) -> dict[str, list[dict[str, Any]]]:
    """Each person's "nothing queued" items in the day's digest, as production sweeps it."""
    await Reminders(deps, reminder_sources()).sweep(now)
    found: dict[str, list[dict[str, Any]]] = {}
    async with deps.sessions() as session:
        rows = await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        for m in rows:
            if not m.idempotency_key.endswith(now.date().isoformat()):
                continue
            items = m.payload["meta"].get("items") or [{"kind": m.payload["kind"],
                                                        "meta": m.payload["meta"]}]  # fmt: skip
            mine = [i["meta"] for i in items if i["kind"] == "broadcast_wanted"]
            if mine:
                found[m.recipient.removeprefix("person:")] = mine
    return found


async def test_an_empty_slot_is_flagged_to_the_qa_team_three_working_days_ahead(
    deps: Deps,
) -> None:
    # February: the newsletter on Tuesday 2nd, bitesize on Thursday 4th
    assert await wanted(deps, at(27, 9)) == {}  # Wednesday 27 January: too early
    flagged = await wanted(deps, at(28, 9))  # three working days before Tuesday 2 February
    assert set(flagged) == {"Q01", "W01"}
    assert flagged["Q01"] == [{"type": "broadcast.wanted", "activity": "newsletter",
                               "due": "2027-02-02"}]  # fmt: skip
    assert isinstance(deps.clock, VirtualClock)
    deps.clock.set(at(29, 11))
    await say(deps, "Q01", "bitesize Three questions to ask on every visit")  # for 4 February
    assert await wanted(deps, at(1, 9, month=2)) == {}  # bitesize's slot is taken now
    # nothing empty is ever posted: the newsletter's slot passes without a post
    assert await dict(jobs(deps))["broadcasts"](at(2, 9, month=2)) == 0
