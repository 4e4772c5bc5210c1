"""Cadences that bind the observer (`per: observer`), on Shropshire's programme, on SQLite and
PostgreSQL: each head of service owes one observation of a front-line practitioner below them
every six months and each service manager one of anyone in their service every quarter. The
observer is nudged, picks whom on the form (qabot suggests the one observed longest ago), their
next one counts from it, and their own manager hears when it stays unrecorded. Observers with
nobody below them, leavers and people away are reported, never crash the day.

The council: D01 (director) manages the heads of service H01, H02 (no one below them) and H03
(left); H01 manages the service manager M01, who manages the team manager T01, who manages
P01, P02 and P03 (away all year). The roster arrives on Monday 4 January 2027, so each
observer's first observation is due three months on, on Sunday 4 April.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from delivered import deliver
from small_council import council_deps
from sqlalchemy import select, update

from handlers.capabilities import build_router, reminder_sources
from handlers.core.deps import Deps
from handlers.core.inbound import handle_event
from handlers.core.router import EventKind, Inbound
from handlers.observations.cadence import escalation_due
from handlers.observations.ids import OPEN_RECORD, OPEN_REFLECTION, RECORD, REFLECT
from handlers.observations.sweeps import tracking, tracking_one
from handlers.programme.schema import ObservationActivity, load_programme
from handlers.reminders.ids import SNOOZE, SNOOZE_REASON
from handlers.reminders.snooze import Reminders
from message_templates.model import Message
from storage import Sessions
from storage.models import Action, Observation, OutboxMessage, Person

PROGRAMME = load_programme("shropshire")
IMPORTED = dt.datetime(2027, 1, 4, 10, 0, tzinfo=dt.UTC)
FIRST_DUE = dt.date(2027, 4, 2)  # three months on is Sunday 4 April: the Friday before
PEOPLE: list[tuple[str, str, str | None, dict[str, Any]]] = [
    ("D01", "director", None, {}),
    ("H01", "head_of_service", "D01", {}),
    ("H02", "head_of_service", "D01", {}),
    ("H03", "head_of_service", "D01", {"active": False}),
    ("M01", "service_manager", "H01", {}),
    ("T01", "team_manager", "M01", {}),
    ("P01", "practitioner", "T01", {"last_observed": dt.date(2026, 9, 1)}),
    ("P02", "senior_practitioner", "T01", {"last_observed": dt.date(2026, 10, 1)}),
    ("P03", "practitioner", "T01", {}),
]
NAMES = {"D01": "Ruth Evans", "H01": "Hana Ito", "H02": "Bea Lowe", "H03": "Carl Dunn",
         "M01": "Mo Reid", "T01": "Tess Cole", "P01": "Pat Lee", "P02": "Ali Khan",
         "P03": "Zoe Hart"}  # fmt: skip
EVENTS = itertools.count(1)


@pytest.fixture
async def deps(sessions: Sessions) -> Deps:
    deps = await council_deps(sessions, PEOPLE, NAMES, PROGRAMME, IMPORTED)
    async with sessions.begin() as session:
        away = update(Person).where(Person.staff_id == "P03")
        await session.execute(away.values(away_until=dt.date(2027, 12, 31)))
    return deps


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


async def sweep(deps: Deps, day: dt.date) -> dict[str, OutboxMessage]:
    """The day's digest, and what it queued delivered; the day's messages by recipient."""
    deps.clock.set(at(day))  # type: ignore[attr-defined]
    await Reminders(deps, reminder_sources()).sweep(at(day))
    await deliver(deps)
    async with deps.sessions() as session:
        found = await session.scalars(select(OutboxMessage))
        return {
            m.recipient.removeprefix("person:"): m
            for m in found
            if m.idempotency_key == f"reminders:{m.recipient.removeprefix('person:')}:{day}"
        }


def items(message: OutboxMessage) -> list[tuple[str, str]]:
    return [(i["kind"], i["meta"].get("group", "")) for i in message.payload["meta"]["items"]]


async def send(deps: Deps, staff_id: str, kind: EventKind, name: str, value: str,
               **fields: str) -> Message:  # fmt: skip
    event = Inbound("sandbox", f"{staff_id}:{next(EVENTS)}", staff_id, kind, name, value,
                    fields=tuple(fields.items()))  # fmt: skip
    reply = await handle_event(deps, build_router(deps), event)
    assert reply is not None and reply.message is not None
    return reply.message


async def test_each_observer_role_holder_is_tracked_and_the_rest_reported(deps: Deps) -> None:
    async with deps.sessions() as session:
        found, _ = await tracking(deps, session, dt.date(2027, 3, 1))
    mine = {(t.group.name, t.observer.staff_id): t for t in found.tracked if t.per_observer}
    assert set(mine) == {("head_of_service", "H01"), ("service_manager", "M01")}
    head = mine[("head_of_service", "H01")]
    assert head.due == FIRST_DUE and head.acting is not None and head.acting.staff_id == "H01"
    # front-line practitioners below Hana, observed longest ago first; Zoe is away all year
    assert [p.staff_id for p in head.choices] == ["P01", "P02"]
    assert head.worker.staff_id == "P01"
    service = mine[("service_manager", "M01")]
    assert {p.staff_id for p in service.choices} == {"T01", "P01", "P02"}
    reported = {(r.group, r.worker.staff_id if r.worker else "", r.reason) for r in found.reported}
    assert ("head_of_service", "H02", "nobody to observe") in reported
    assert ("head_of_service", "H03", "left") in reported
    assert not any(r.reason == "nobody to observe" and r.worker and r.worker.staff_id == "H01"
                   for r in found.reported)  # fmt: skip


async def test_the_observer_is_nudged_picks_whom_and_the_worker_is_told(deps: Deps) -> None:
    sent = await sweep(deps, dt.date(2027, 3, 19))  # 14 days before, a working day
    assert ("observation_due", "head_of_service") in items(sent["H01"])
    assert "six-monthly observation of practice" in sent["H01"].payload["text"]
    async with deps.sessions() as session:
        found, _ = await tracking(deps, session, dt.date(2027, 3, 22))
    value = next(t.value for t in found.tracked if t.group.name == "head_of_service")
    assert value.endswith(
        ":head_of_service:by"
        + str(next(t.observer.id for t in found.tracked if t.group.name == "head_of_service"))
    )
    deps.clock.set(at(dt.date(2027, 3, 24)))  # type: ignore[attr-defined]
    refused = await send(deps, "T01", "action", OPEN_RECORD, value)  # below Hana: not theirs
    assert refused.kind == "user_error" and "Hana Ito" in refused.text
    form = await send(deps, "H01", "action", OPEN_RECORD, value)
    assert form.form is not None
    whom = form.form.fields[0]
    assert whom.id == "observed" and whom.value == "P01"
    assert [c.value for c in whom.choices] == ["P01", "P02"]
    good = {"observed": "P02", "observed_on": "2027-03-23", "setting": "network_meeting",
            "consent": "na", "strengths": "Listened well and kept the meeting focused.",
            "areas": "Summarise the agreed plan at the end.",
            "actions": "Share the plan in writing\n- Book a reflective supervision",
            "actions_due": "2027-04-30"}  # fmt: skip
    wrong = await send(deps, "H01", "form", RECORD, value, **{**good, "observed": "P03"})
    assert wrong.kind == "observation_form" and wrong.form is not None
    assert wrong.form.problem.startswith("One thing to put right below")
    problems = {f.id: f.error for f in wrong.form.fields if f.error}
    assert list(problems) == ["observed"] and "Whom you observed" in problems["observed"]
    assert {f.id: f.value for f in wrong.form.fields} == {**good, "observed": "P03"}
    async with deps.sessions() as session:
        assert (await session.scalars(select(Observation))).all() == []
    saved = await send(deps, "H01", "form", RECORD, value, **good)
    assert saved.kind == "observation_saved"
    assert "Thursday 23 September" in saved.text  # six months on from the one recorded
    async with deps.sessions() as session:
        kept = (await session.scalars(select(Observation))).one()
        assert (kept.strengths, kept.areas) == (good["strengths"], good["areas"])
        actions = (await session.scalars(select(Action).order_by(Action.id))).all()
        ali = await session.scalar(select(Person.id).where(Person.staff_id == "P02"))
        told = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.recipient == "person:P02")
        )
    assert [(a.description, a.owner_id, a.source, a.due_on) for a in actions] == [
        ("Share the plan in writing", ali, "observation", dt.date(2027, 4, 30)),
        ("Book a reflective supervision", ali, "observation", dt.date(2027, 4, 30)),
    ]
    assert told is not None and told.payload["kind"] == "observation_recorded"
    text = told.payload["text"]
    assert "Hana Ito" in text and "Listened well" in text and "Summarise the agreed" in text
    assert "Share the plan in writing" in text and "network or family meeting" in text
    reflect = next(b for b in told.payload["buttons"] if b["action"] == OPEN_REFLECTION)
    assert reflect["value"] == str(kept.id)
    # the practitioner adds their reflection; no one else can
    other = await send(deps, "P01", "action", OPEN_REFLECTION, str(kept.id))
    assert other.kind == "user_error"
    opened = await send(deps, "P02", "action", OPEN_REFLECTION, str(kept.id))
    assert opened.form is not None and opened.form.action == REFLECT
    empty = await send(deps, "P02", "form", REFLECT, str(kept.id), reflection=" ")
    assert empty.kind == "user_error" and "Nothing has been saved" in empty.text
    done = await send(deps, "P02", "form", REFLECT, str(kept.id),
                      reflection="I will slow down at the end of meetings.")  # fmt: skip
    assert done.kind == "observation_reflection_saved"
    async with deps.sessions() as session:
        again = (await session.scalars(select(Observation))).one()
    assert again.reflection == "I will slow down at the end of meetings."
    # the actions are the actions tracking's: the owner is reminded of them like an audit's
    reminded = await sweep(deps, dt.date(2027, 4, 27))  # three working days before 30 April
    assert any(kind == "action_reminder" for kind, _ in items(reminded["P02"]))
    words = " ".join(str(s.get("text", "")) for s in reminded["P02"].payload["sections"])
    assert "an observation of your practice" in words


async def test_an_unrecorded_own_observation_is_told_to_the_observers_manager_with_the_reason(
    deps: Deps,
) -> None:
    calendar = deps.calendar
    activity = PROGRAMME.of_kind(ObservationActivity)[0]
    day = FIRST_DUE
    while not escalation_due(calendar, activity, FIRST_DUE, day):
        day += dt.timedelta(days=1)
    async with deps.sessions() as session:
        hana = await session.scalar(select(Person.id).where(Person.staff_id == "H01"))
    snooze_day = calendar.add_working_days(day, -2)
    # each working day's digest until then: Hana's overdue nudge (five working days over) is
    # delivered before she snoozes
    every = FIRST_DUE
    while every < snooze_day:
        if calendar.is_working_day(every):
            await sweep(deps, every)
        every += dt.timedelta(days=1)
    deps.clock.set(at(snooze_day))  # type: ignore[attr-defined]
    snoozed = await send(deps, "H01", "action", SNOOZE, f"observation:{hana}:5")
    assert snoozed.form is not None and snoozed.form.action == SNOOZE_REASON
    assert snoozed.form.value == f"observation:{hana}"
    noted = await send(deps, "H01", "form", SNOOZE_REASON, f"observation:{hana}",
                       reason="other", reason_text="Inspection week")  # fmt: skip
    assert noted.kind == "reminder_snooze_reason" and "Inspection week" in noted.text
    sent = await sweep(deps, day)
    assert ("observation_escalated", "head_of_service") in items(sent["D01"])
    text = sent["D01"].payload["text"]
    assert "Hana Ito" in text and "own observation of practice" in text
    assert "Inspection week" in text


async def test_an_observer_away_has_their_clock_paused_and_is_reported(deps: Deps) -> None:
    async with deps.sessions.begin() as session:
        await session.execute(
            update(Person).where(Person.staff_id == "H01").values(away_until=dt.date(2027, 4, 16))
        )
    async with deps.sessions() as session:
        found, _ = await tracking(deps, session, dt.date(2027, 3, 22))
    head = next(t for t in found.tracked if t.group.name == "head_of_service")
    assert head.acting is None and head.due == dt.date(2027, 4, 19)  # first working day back
    assert any(r.reason == "away" and r.worker and r.worker.staff_id == "H01"
               for r in found.reported)  # fmt: skip
    sent = await sweep(deps, dt.date(2027, 3, 22))
    assert "H01" not in sent and "D01" not in sent  # no one nudged in their place


async def test_one_buttons_observation_reads_the_same_as_the_whole_days_tracking(
    deps: Deps,
) -> None:
    # a click reads only the part of the staff list its observation needs; what it finds for
    # that observation is what the day's full tracking finds, for each observation and clicker
    day = dt.date(2027, 3, 22)
    async with deps.sessions() as session:
        found, _ = await tracking(deps, session, day)
        assert {t.per_observer for t in found.tracked} == {True, False}
        for t in found.tracked:
            for clicker in ("H01", "T01", "P02", "nobody"):
                one, people = await tracking_one(deps, session, day, t.value, clicker)
                assert one.tracked == [t] and one.reported == []
                assert (clicker in {p.staff_id for p in people.values()}) == (clicker != "nobody")
        none, _ = await tracking_one(deps, session, day, "practice_observation:x:1", "H01")
        assert none.tracked == []
