"""Observations of practice through the daily digest and the record form, on SQLite and
PostgreSQL: the observer nudged before and after the date, their manager told once and only after
the observer's nudge was delivered and they had a working day (across a bank-holiday weekend and
after a clock jump too), snoozes, people away, leavers and people with no observer, and an
observation recorded whole or not at all.

The council: S03 manages S05 (last observed 25 March 2026, so due Thursday 25 March 2027) and
S06 (in their ASYE year from 1 December 2026, so due on 1 March 2027); S07 has no manager and
S08 has left. S03 reports to S02, who reports to S01.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from delivered import deliver
from small_council import council_deps
from sqlalchemy import func, select, update

from handlers.capabilities import build_router, reminder_sources
from handlers.core.deps import Deps
from handlers.core.inbound import handle_event
from handlers.core.router import EventKind, Inbound
from handlers.observations.ids import OPEN_RECORD, RECORD
from handlers.observations.sweeps import tracking
from handlers.programme.schema import load_programme
from handlers.reminders.ids import SNOOZE, SNOOZE_REASON
from handlers.reminders.snooze import Reminders
from message_templates.model import Message
from storage import Sessions
from storage.models import Observation, OutboxMessage, Person

PROGRAMME = load_programme("hammersmith-fulham")
IMPORTED = dt.datetime(2027, 1, 4, 10, 0, tzinfo=dt.UTC)
PEOPLE: list[tuple[str, str, str | None, dict[str, Any]]] = [
    ("S01", "head_of_service", None, {}),
    ("S02", "service_manager", "S01", {}),
    ("S03", "team_manager", "S02", {"last_observed": dt.date(2026, 11, 2)}),
    ("S05", "practitioner", "S03", {"last_observed": dt.date(2026, 3, 25)}),
    ("S06", "practitioner", "S03", {"asye_start": dt.date(2026, 12, 1)}),
    ("S07", "practitioner", None, {"last_observed": dt.date(2026, 6, 1)}),
    ("S08", "practitioner", "S03", {"last_observed": dt.date(2026, 4, 1), "active": False}),
]
NAMES = {"S01": "Helen Clarke", "S02": "Sam Moss", "S03": "Dana Hughes", "S05": "Tom Okafor",
         "S06": "Priya Shah", "S07": "Leah Brown", "S08": "Omar Aziz"}  # fmt: skip


EVENTS = itertools.count(1)


def at(month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2027, month, day, hour, 0, tzinfo=dt.UTC)


@pytest.fixture
async def deps(sessions: Sessions) -> Deps:
    return await council_deps(sessions, PEOPLE, NAMES, PROGRAMME, IMPORTED)


async def sweep(
    deps: Deps, now: dt.datetime, *, delivered: bool = True
) -> dict[str, OutboxMessage]:
    """The day's digest as production runs it, and (unless the dispatcher is down) what it
    queued delivered; today's reminder messages by recipient."""
    deps.clock.set(now)  # type: ignore[attr-defined]
    await Reminders(deps, reminder_sources()).sweep(now)
    if delivered:
        await deliver(deps)
    day = now.date().isoformat()
    async with deps.sessions() as session:
        found = await session.scalars(select(OutboxMessage))
        return {
            m.recipient.removeprefix("person:"): m
            for m in found
            if m.idempotency_key.startswith("reminders:") and m.idempotency_key.endswith(day)
        }


async def every_working_day(deps: Deps, first: dt.date, last: dt.date) -> None:
    """The daily sweep each working day from `first` to `last`, each day's messages delivered."""
    day = first
    while day <= last:
        if deps.calendar.is_working_day(day):
            await sweep(deps, at(day.month, day.day))
        day += dt.timedelta(days=1)


def items(message: OutboxMessage) -> list[tuple[str, str]]:
    """(kind, observed worker) for each item of a digest."""
    return [
        (i["kind"], i["meta"].get("practitioner", "")) for i in message.payload["meta"]["items"]
    ]


async def person_id(deps: Deps, staff_id: str) -> int:
    async with deps.sessions() as session:
        found = await session.scalar(select(Person.id).where(Person.staff_id == staff_id))
        assert found is not None
        return found


async def set_person(deps: Deps, staff_id: str, **values: Any) -> None:
    async with deps.sessions.begin() as session:
        await session.execute(update(Person).where(Person.staff_id == staff_id).values(**values))


async def send(deps: Deps, staff_id: str, kind: EventKind, name: str, value: str,
               **fields: str) -> Message:  # fmt: skip
    event_id = f"{staff_id}:{name}:{next(EVENTS)}"
    event = Inbound("sandbox", event_id, staff_id, kind, name, value,
                    fields=tuple(fields.items()))  # fmt: skip
    reply = await handle_event(deps, build_router(deps), event)
    assert reply is not None and reply.message is not None
    return reply.message


async def test_the_observer_hears_ahead_then_once_overdue_and_their_manager_once(
    deps: Deps,
) -> None:
    await every_working_day(deps, dt.date(2027, 2, 15), dt.date(2027, 3, 10))
    sent = await sweep(deps, at(3, 11))  # 14 days before S05's observation
    assert set(sent) == {"S03"}
    assert items(sent["S03"]) == [("observation_due", "S05")]
    buttons = {b["action"]: b["value"] for b in sent["S03"].payload["buttons"]}
    s05 = await person_id(deps, "S05")
    assert buttons[OPEN_RECORD] == f"staff_observation:experienced:{s05}"
    assert buttons[SNOOZE] == f"observation:{s05}:5"
    # S06's ASYE observation was due on 1 March: Dana was nudged on the 8th (five working days
    # over); ten working days over, her manager is told
    await every_working_day(deps, dt.date(2027, 3, 12), dt.date(2027, 3, 12))
    sent = await sweep(deps, at(3, 15))
    assert items(sent["S03"]) == [("observation_overdue", "S06")]
    assert items(sent["S02"]) == [("observation_escalated", "S06")]
    escalation = sent["S02"].payload["meta"]
    assert escalation["manager"] == "S02" and escalation["observer"] == "S03"
    assert "10 working days" in sent["S02"].payload["text"]
    assert "S02" not in await sweep(deps, at(3, 16))  # told once


async def escalations(deps: Deps, manager: str, worker: str) -> list[str]:
    """The days `manager` was told of `worker`'s observation, from every message queued."""
    async with deps.sessions() as session:
        found = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.recipient == f"person:{manager}")
        )
        return [
            m.idempotency_key.rpartition(":")[2]
            for m in found
            if m.idempotency_key.startswith("reminders:")
            and ("observation_escalated", worker) in items(m)
        ]


async def test_no_manager_hears_before_the_observers_nudge_was_delivered_and_a_day_passed(
    deps: Deps,
) -> None:
    """S06's ASYE observation was due on 1 March. Nothing reached Dana before Monday 15 March,
    ten working days over: she is nudged that day and has Tuesday to act; Sam hears on
    Wednesday, not the day she was first reminded."""
    sent = await sweep(deps, at(3, 15))
    assert ("observation_overdue", "S06") in items(sent["S03"])
    assert "S02" not in sent
    assert "S02" not in await sweep(deps, at(3, 16))  # her working day to act
    sent = await sweep(deps, at(3, 17))
    assert items(sent["S02"]) == [("observation_escalated", "S06")]
    assert "S02" not in await sweep(deps, at(3, 18))
    assert await escalations(deps, "S02", "S06") == ["2027-03-17"]


async def test_a_nudge_queued_but_not_yet_delivered_does_not_count(deps: Deps) -> None:
    """The dispatcher was down on the 15th and 16th: Dana's nudge went on Wednesday 17th, so
    her working day to act is Thursday and Sam hears on Friday 19th."""
    sent = await sweep(deps, at(3, 15), delivered=False)
    assert ("observation_overdue", "S06") in items(sent["S03"])
    assert "S02" not in await sweep(deps, at(3, 16), delivered=False)
    assert "S02" not in await sweep(deps, at(3, 17))  # swept before the dispatcher caught up
    assert "S02" not in await sweep(deps, at(3, 18))
    assert items((await sweep(deps, at(3, 19)))["S02"]) == [("observation_escalated", "S06")]


async def test_a_nudge_before_a_bank_holiday_weekend_gives_the_working_day_after_it(
    deps: Deps,
) -> None:
    """S06's ASYE year starts on 4 December, so her observation was due on Thursday 4 March.
    qabot's sweeps resume on Thursday 25 March (fifteen working days over): Dana is nudged;
    Good Friday, the weekend and Easter Monday are not working days, so her working day to act
    is Tuesday 30 March and Sam hears on Wednesday 31st."""
    await set_person(deps, "S06", asye_start=dt.date(2026, 12, 4))
    sent = await sweep(deps, at(3, 25))
    assert ("observation_overdue", "S06") in items(sent["S03"])
    assert "S02" not in sent
    for holiday in (at(3, 26), at(3, 29)):
        assert await sweep(deps, holiday) == {}
    assert "S02" not in await sweep(deps, at(3, 30))
    assert items((await sweep(deps, at(3, 31)))["S02"]) == [("observation_escalated", "S06")]
    assert await escalations(deps, "S02", "S06") == ["2027-03-31"]


async def test_after_a_clock_jump_the_sweeps_resume_from_what_was_delivered_exactly_once(
    deps: Deps,
) -> None:
    """The sweeps ran from Monday 1 March to Friday 5 March (S06's observation due on the 1st,
    no nudge yet), then the clock jumped to Monday 22 March: the overdue nudge of the 8th and
    the escalation of the 15th were never made. Dana is nudged once on the 22nd (no burst of
    the days missed), has the 23rd to act, and Sam hears on the 24th, once, however long it
    stays unrecorded."""
    await every_working_day(deps, dt.date(2027, 3, 1), dt.date(2027, 3, 5))
    assert await escalations(deps, "S02", "S06") == []
    sent = await sweep(deps, at(3, 22))
    assert [i for i in items(sent["S03"]) if i[1] == "S06"] == [("observation_overdue", "S06")]
    assert "S02" not in sent
    assert "S02" not in await sweep(deps, at(3, 23))
    await every_working_day(deps, dt.date(2027, 3, 24), dt.date(2027, 4, 30))
    assert await escalations(deps, "S02", "S06") == ["2027-03-24"]
    async with deps.sessions() as session:
        dana = (await session.scalars(
            select(OutboxMessage.idempotency_key).where(OutboxMessage.recipient == "person:S03")
        )).all()  # fmt: skip
    days = [key.rpartition(":")[2] for key in dana if key.startswith("reminders:")]
    assert len(days) == len(set(days)) and "2027-03-08" not in days and "2027-03-15" not in days


async def test_an_escalation_skips_a_manager_who_is_away(deps: Deps) -> None:
    await set_person(deps, "S02", away_until=dt.date(2027, 3, 19))
    await every_working_day(deps, dt.date(2027, 3, 1), dt.date(2027, 3, 12))
    sent = await sweep(deps, at(3, 15))
    assert "S02" not in sent
    assert items(sent["S01"]) == [("observation_escalated", "S06")]


async def test_an_observer_away_is_skipped_to_their_manager(deps: Deps) -> None:
    await set_person(deps, "S03", away_until=dt.date(2027, 3, 12))
    sent = await sweep(deps, at(3, 11))
    assert "S03" not in sent
    assert items(sent["S02"]) == [("observation_due", "S05")]
    assert sent["S02"].payload["meta"]["to"] == "S02"


async def test_a_snooze_holds_the_nudge_and_the_next_working_day_brings_it_back(
    deps: Deps,
) -> None:
    s05 = await person_id(deps, "S05")
    deps.clock.set(at(3, 15))  # type: ignore[attr-defined]
    reply = await send(deps, "S03", "action", SNOOZE, f"observation:{s05}:5")
    assert reply.kind == "reminder_snoozed" and reply.meta["until"] == "2027-03-19"
    assert "S03" not in await sweep(deps, at(3, 18))  # 5 working days before: held
    back = items((await sweep(deps, at(3, 22)))["S03"])
    assert back == [("observation_due", "S05"), ("observation_overdue", "S06")]


async def test_a_worker_away_pauses_their_clock(deps: Deps) -> None:
    await set_person(deps, "S05", away_until=dt.date(2027, 4, 1))
    assert "S03" not in await sweep(deps, at(3, 18))
    assert "S03" not in await sweep(deps, at(3, 24))
    # back on Friday 2 April: due that day, so five working days on it is overdue
    assert items((await sweep(deps, at(4, 9)))["S03"]) == [("observation_overdue", "S05")]


async def test_leavers_and_staff_with_no_observer_are_reported_not_nudged(deps: Deps) -> None:
    async with deps.sessions() as session:
        found, _ = await tracking(deps, session, dt.date(2027, 3, 11))
    reported = {(r.worker.staff_id if r.worker else "", r.reason) for r in found.reported}
    assert ("S08", "left") in reported and ("S07", "no observer") in reported
    tracked = {(t.worker.staff_id, t.group.name, t.due) for t in found.tracked}
    assert ("S05", "experienced", dt.date(2027, 3, 25)) in tracked
    assert ("S06", "asye", dt.date(2027, 3, 1)) in tracked
    assert not any(t.worker.staff_id in ("S07", "S08") for t in found.tracked)
    sent = await sweep(deps, at(6, 1))  # S07's date: nobody to tell, nothing breaks
    assert all(w not in ("S07", "S08") for m in sent.values() for _, w in items(m))


async def observations(deps: Deps) -> int:
    async with deps.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Observation)) or 0)


async def test_the_observer_records_it_whole_and_the_worker_is_told(deps: Deps) -> None:
    s05 = await person_id(deps, "S05")
    value = f"staff_observation:experienced:{s05}"
    deps.clock.set(at(3, 22))  # type: ignore[attr-defined]
    form = await send(deps, "S03", "action", OPEN_RECORD, value)
    assert form.kind == "observation_form" and form.form is not None
    assert [f.id for f in form.form.fields] == [
        "observed_on",
        "setting",
        "consent",
        "strengths",
        "areas",
        "actions",
        "actions_due",
    ]
    good = {"observed_on": "2027-03-19", "setting": "home_visit", "consent": "yes",
            "strengths": "Warm, clear conversation about the plan."}  # fmt: skip
    for wrong, field, problem in (
        ({"observed_on": "next Tuesday"}, "observed_on", "couldn't read"),
        ({"observed_on": "2027-03-29"}, "observed_on", "still to come"),
        ({"setting": ""}, "setting", "fill this in"),
        ({"consent": "", "setting": "court"}, "consent", "fill this in"),
        ({"consent": "no"}, "consent", "home visit"),
        ({"strengths": "x" * 1001}, "strengths", "1000 characters"),
        ({"strengths": ""}, "strengths", "fill this in"),
        (
            {"actions": "Share the plan", "actions_due": "2027-03-01"},
            "actions_due",
            "still to come",
        ),
    ):
        reply = await send(deps, "S03", "form", RECORD, value, **{**good, **wrong})
        assert reply.form is not None and "Nothing has been saved" in reply.form.problem
        errors = {f.id: f.error for f in reply.form.fields if f.error}
        assert set(errors) == {field} and problem in errors[field], wrong
        values = {f.id: f.value for f in reply.form.fields}
        assert {k: values[k] for k in {**good, **wrong}} == {**good, **wrong}
    every = {"observed_on": "next Tuesday", "setting": "", "consent": "", "strengths": ""}
    reply = await send(deps, "S03", "form", RECORD, value, **every)
    assert reply.form is not None and reply.form.problem.startswith("Four things")
    assert {f.id for f in reply.form.fields if f.error} == set(every)
    assert await observations(deps) == 0
    outsider = await send(deps, "S07", "action", OPEN_RECORD, value)
    assert outsider.kind == "user_error" and "Dana Hughes" in outsider.text
    saved = await send(deps, "S03", "form", RECORD, value, **good)
    assert saved.kind == "observation_saved"
    assert "due by Friday 17 March 2028" in saved.text  # a year on is a Sunday: the Friday
    assert await observations(deps) == 1
    again = await send(deps, "S03", "form", RECORD, value, **good)
    assert again.kind == "user_error" and "already recorded" in again.text
    async with deps.sessions() as session:
        told = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.recipient == "person:S05")
        )
    assert told is not None and told.payload["kind"] == "observation_recorded"
    assert "Dana Hughes" in told.payload["text"]
    assert "S03" not in await sweep(deps, at(3, 24))  # no more nudges about it


async def test_an_asye_observation_says_which_of_the_three_it_is(deps: Deps) -> None:
    s06 = await person_id(deps, "S06")
    deps.clock.set(at(3, 16))  # type: ignore[attr-defined]
    value = f"staff_observation:asye:{s06}"
    saved = await send(deps, "S03", "form", RECORD, value, observed_on="2027-03-16",
                       setting="network_meeting", consent="yes",
                       strengths="Calm and clear.")  # fmt: skip
    assert saved.kind == "observation_saved" and "Tuesday 1 June" in saved.text  # month 6
    async with deps.sessions() as session:
        told = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.recipient == "person:S06")
        )
    assert told is not None and "observation 1 of 3" in told.payload["text"]


async def test_the_ladder_counts_working_days_across_the_easter_bank_holidays(deps: Deps) -> None:
    """S05 is due on Thursday 25 March 2027; Good Friday and Easter Monday are bank holidays,
    so the working days overdue start on Tuesday 30 March: the overdue nudge comes on the fifth
    (Monday 5 April, not Thursday 1 April) and Sam hears on the tenth (Monday 12 April, not
    Thursday 8 April)."""

    def about_s05(sent: dict[str, OutboxMessage], who: str) -> list[str]:
        return [kind for kind, worker in items(sent[who]) if worker == "S05"] if who in sent else []

    await every_working_day(deps, dt.date(2027, 3, 1), dt.date(2027, 3, 31))
    assert about_s05(await sweep(deps, at(4, 1)), "S03") == []
    assert about_s05(await sweep(deps, at(4, 5)), "S03") == ["observation_overdue"]
    assert about_s05(await sweep(deps, at(4, 8)), "S02") == []
    assert about_s05(await sweep(deps, at(4, 12)), "S02") == ["observation_escalated"]
    assert "10 working days" in (await sweep(deps, at(4, 12)))["S02"].payload["text"]


async def test_a_snooze_reason_reaches_the_manager_who_is_told(deps: Deps) -> None:
    """S06's ASYE observation (due 1 March) is escalated on 15 March; Dana snoozed it on the
    11th and said why, so Sam reads her reason with it."""
    s06 = await person_id(deps, "S06")
    await every_working_day(deps, dt.date(2027, 3, 1), dt.date(2027, 3, 10))  # nudged on the 8th
    deps.clock.set(at(3, 11))  # type: ignore[attr-defined]
    snoozed = await send(deps, "S03", "action", SNOOZE, f"observation:{s06}:5")
    assert snoozed.form is not None
    assert [f.id for f in snoozed.form.fields] == ["reason", "reason_text"]
    nothing = await send(deps, "S03", "form", SNOOZE_REASON, f"observation:{s06}")
    assert nothing.kind == "user_error" and "Nothing has been saved" in nothing.text
    noted = await send(deps, "S03", "form", SNOOZE_REASON, f"observation:{s06}", reason="court")
    assert noted.kind == "reminder_snooze_reason" and "In court this week" in noted.text
    sent = await sweep(deps, at(3, 15))
    assert items(sent["S02"]) == [("observation_escalated", "S06")]
    assert "“In court this week”" in sent["S02"].payload["text"]
    # a reason for something not snoozed is refused, nothing kept
    s05 = await person_id(deps, "S05")
    refused = await send(deps, "S03", "form", SNOOZE_REASON, f"observation:{s05}",
                         reason_text="worker on sick leave")  # fmt: skip
    assert refused.kind == "user_error" and "isn't snoozed" in refused.text


async def test_my_qa_lists_observations_to_make_and_ones_own_next(deps: Deps) -> None:
    deps.clock.set(at(3, 15))  # type: ignore[attr-defined]
    mine = await send(deps, "S03", "command", "my qa", "")
    assert mine.kind == "my_qa"
    assert "Observe Priya Shah's practice – by Monday 1 March (the date has passed" in mine.text
    assert "Observe Tom Okafor's practice – by Thursday 25 March" in mine.text
    s05, s06 = await person_id(deps, "S05"), await person_id(deps, "S06")
    buttons = {(b.label, b.action, b.value) for b in mine.buttons}
    assert ("Record observation of Tom Okafor", OPEN_RECORD,
            f"staff_observation:experienced:{s05}") in buttons  # fmt: skip
    assert ("Record observation of Priya Shah", OPEN_RECORD, f"staff_observation:asye:{s06}") in (
        buttons
    )
    tom = await send(deps, "S05", "command", "my qa", "")
    assert "Your next observation of practice, with Dana Hughes – by Thursday 25 March" in tom.text
    assert not any(b.action == OPEN_RECORD for b in tom.buttons)
    sam = await send(deps, "S02", "command", "my qa", "")
    assert "Observe" not in sam.text  # Dana observes them, not Sam


async def test_help_describes_observations_and_the_weekly_team_picture(deps: Deps) -> None:
    manager = await send(deps, "S03", "command", "help", "")
    assert "observations of practice you're to make" in manager.text
    assert "say why, if you like" in manager.text
    assert "Once a week, if people report to you" in manager.text
    worker = await send(deps, "S05", "command", "help", "")
    assert "observations of practice you're to make" in worker.text
    assert "Once a week" not in worker.text
