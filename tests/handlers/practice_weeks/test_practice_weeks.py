"""Practice weeks on SQLite and PostgreSQL: a schedule loaded whole or not at all, posted to the
practice-week channel once on its day with no case in it, each visit in the visitor's and the
team's one daily message the working day before, findings and feedback asked for the working
day after, and the QA team's summary after the week.

The council (Hammersmith & Fulham's programme: the practice week is the second week of March,
posted 14 days ahead, reminders one working day before): heads of service L1 (Leadership) and
L2 (Leadership, away from 1 to 12 March in one test); team managers M1 (Assessment 1) and M2
(Children in Care); practitioners P1 and P2, with case C-000123; X1 has left; Q1 is the QA
manager, who loads schedules.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select, update

from handlers.capabilities import build_router, jobs, reminder_sources
from handlers.core.calendar import Calendar
from handlers.core.deps import Deps
from handlers.core.inbound import handle_event
from handlers.core.router import Inbound
from handlers.practice_weeks.ids import FEEDBACK, FINDINGS, OPEN_FEEDBACK, OPEN_FINDINGS
from handlers.practice_weeks.load import ScheduleError, draft_week, load_schedule
from handlers.practice_weeks.schedule import read_schedule
from handlers.programme.schema import load_programme
from handlers.reminders.ids import WHY
from handlers.reminders.snooze import Reminders
from handlers.roster.csv_rows import CsvFile
from message_templates.wording import Wording
from scheduler.clock import VirtualClock
from storage import Sessions
from storage.models import OutboxMessage, Person, PracticeWeek, PracticeWeekSlot
from storage.people import CaseRecord, PersonRecord, Roster, apply_roster
from storage.practice_weeks import schedule as stored

PROGRAMME = load_programme("hammersmith-fulham")
IMPORTED = dt.datetime(2027, 1, 4, 10, 0, tzinfo=dt.UTC)
PEOPLE: list[tuple[str, str, str, str | None]] = [
    ("L1", "head_of_service", "Leadership", None),
    ("L2", "head_of_service", "Leadership", None),
    ("M1", "team_manager", "Assessment 1", "L1"),
    ("M2", "team_manager", "Children in Care", "L2"),
    ("P1", "practitioner", "Assessment 1", "M1"),
    ("P2", "practitioner", "Children in Care", "M2"),
    ("X1", "head_of_service", "Leadership", None),
    ("Q1", "qa_manager", "Leadership", None),
]
NAMES = {"L1": "Helen Clarke", "L2": "Sam Moss", "M1": "Dana Hughes", "M2": "Ravi Patel",
         "P1": "Tom Okafor", "P2": "Priya Shah", "X1": "Omar Aziz",
         "Q1": "Quinn Reed"}  # fmt: skip
GOOD = (
    "visitor,team,day,slot,activity\n"
    "L1,Assessment 1,2027-03-09,10:00-12:00,Review of the case records\n"
    "L2,Children in Care,10/03/2027,14:00 - 16:00,Direct observation of practice\n"
)


def at(month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2027, month, day, hour, 0, tzinfo=dt.UTC)


@pytest.fixture
async def deps(sessions: Sessions) -> Deps:
    people = tuple(
        PersonRecord(sid, NAMES[sid], f"{sid.lower()}@council.example", role, team, "Children",
                     boss, active=sid != "X1")
        for sid, role, team, boss in PEOPLE
    )  # fmt: skip
    cases = (CaseRecord("C-000123", "P1", "CP", dt.date(2026, 5, 1)),)
    async with sessions.begin() as session:
        await apply_roster(session, Roster(people, cases), now=IMPORTED, actor="test")
    return Deps(sessions=sessions, wording=Wording(), clock=VirtualClock(IMPORTED),
                programme=PROGRAMME, calendar=Calendar.from_programme(PROGRAMME))  # fmt: skip


async def load(deps: Deps, text: str) -> Any:
    source = CsvFile("schedule.csv", text.encode())
    return await load_schedule(deps.sessions, PROGRAMME, deps.calendar, source, by="Q1")


async def counts(deps: Deps) -> tuple[int, int]:
    async with deps.sessions() as session:
        weeks = await session.scalar(select(func.count(PracticeWeek.id)))
        visits = await session.scalar(select(func.count(PracticeWeekSlot.id)))
        return weeks or 0, visits or 0


async def outbox(deps: Deps) -> list[OutboxMessage]:
    async with deps.sessions() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def post(deps: Deps, now: dt.datetime) -> int:
    job = dict(jobs(deps))["practice_week"]
    return await job(now)


async def digest(deps: Deps, now: dt.datetime) -> dict[str, list[dict[str, Any]]]:
    """The day's digest as production runs it: each person's practice-week items."""
    await Reminders(deps, reminder_sources()).sweep(now)
    day = now.date().isoformat()
    found: dict[str, list[dict[str, Any]]] = {}
    for m in await outbox(deps):
        if m.idempotency_key.startswith("reminders:") and m.idempotency_key.endswith(day):
            items = m.payload["meta"].get("items") or [
                {"kind": m.payload["kind"], "meta": m.payload["meta"]}
            ]
            mine = [i["meta"] for i in items if i["kind"] == "practice_week_reminder"]
            if mine:
                found[m.recipient.removeprefix("person:")] = mine
    return found


async def test_a_good_schedule_is_stored_and_loading_it_again_replaces_it(deps: Deps) -> None:
    loaded = await load(deps, GOOD)
    assert (loaded.starts_on, loaded.ends_on) == (dt.date(2027, 3, 8), dt.date(2027, 3, 12))
    assert loaded.visits == 2 and not loaded.replaced
    async with deps.sessions() as session:
        week = (await stored.weeks_from(session, dt.date(2027, 3, 1)))[0]
        visits = await stored.visits_of(session, week.id)
    assert week.channel == "practice-week" and week.title == "Practice Week"
    assert [(v.visitor_staff_id, v.team, v.day, v.slot) for v in visits] == [
        ("L1", "Assessment 1", dt.date(2027, 3, 9), "10:00–12:00"),
        ("L2", "Children in Care", dt.date(2027, 3, 10), "14:00–16:00"),
    ]
    again = await load(deps, GOOD.splitlines()[0] + "\n" + GOOD.splitlines()[1] + "\n")
    assert again.replaced and await counts(deps) == (1, 1)


BAD_LINES = [
    ("S99,Assessment 1,2027-03-09,10:00-12:00,Case records",
     "line 3, column visitor: no one on the staff list has staff_id 'S99'"),
    ("X1,Assessment 1,2027-03-09,10:00-12:00,Case records", "line 4, column visitor: X1 has left"),
    ("L1,Nowhere,2027-03-09,10:00-12:00,Case records",
     "line 5, column team: no team is called 'Nowhere'"),
    ("L1,Assessment 1,2027-03-13,10:00-12:00,Case records",
     "line 6, column day: 2027-03-13 is not a working day"),
    ("L1,Assessment 1,next week,10:00-12:00,Case records",
     "line 7, column day: 'next week' is not a date; write 2027-01-04 or 04/01/2027"),
    ("L1,Assessment 1,2027-03-09,morning,Case records",
     "line 8, column slot: 'morning' is not a time slot; write it like 10:00-12:00"),
    ("L1,Assessment 1,2027-03-09,12:00-10:00,Case records",
     "line 9, column slot: '12:00-10:00' is not a time slot; write it like 10:00-12:00"),
    ("L1,Assessment 1,2027-03-09,14:00-16:00,",
     "line 10, column activity: a value is required"),
    ("L1,Assessment 1,2027-03-11,14:00-16:00,Talk through C-000123",
     "line 11, column activity: may identify a child (the case reference at character 14); "
     "the schedule is posted to a channel, so leave cases and families out"),
    ("L1,Leadership,2027-03-11,10:00-12:00,Case records",
     "line 12, column team: L1 would be visiting their own team"),
    ("L2,Assessment 1,2027-03-16,10:00-12:00,Case records",
     "line 13, column day: 2027-03-16 is not in the week of 2027-03-08; a schedule is one week"),
    ("L1,Children in Care,2027-03-09,10:00-12:00,Case records",
     "line 14, column slot: the same visitor is already booked then, on line 2"),
    ("L2,Assessment 1,2027-03-12,10:00-12:00,Home visit at w6 9ju",
     "line 15, column activity: may identify a child (a UK postcode at character 15); "
     "the schedule is posted to a channel, so leave cases and families out"),
    ("L2,Assessment 1,2027-03-12,14:00-16:00,Child DOB 01/02/2016 NHS 943 476 5919",
     "line 16, column activity: may identify a child (a date of birth at character 7; an NHS "
     "number at character 26); the schedule is posted to a channel, so leave cases and "
     "families out"),
]  # fmt: skip


async def test_every_bad_line_is_named_and_nothing_is_stored(deps: Deps) -> None:
    text = GOOD.splitlines()[0] + "\n" + GOOD.splitlines()[1] + "\n"
    text += "".join(line + "\n" for line, _ in BAD_LINES)
    with pytest.raises(ScheduleError) as raised:
        await load(deps, text)
    assert raised.value.errors == [f"schedule.csv, {problem}" for _, problem in BAD_LINES]
    assert await counts(deps) == (0, 0)


async def test_a_missing_column_or_an_empty_schedule_is_refused(deps: Deps) -> None:
    with pytest.raises(ScheduleError) as raised:
        await load(deps, "visitor,team,day,activity\nL1,Assessment 1,2027-03-09,Case records\n")
    assert raised.value.errors == [
        "schedule.csv, line 1, column slot: this required column is missing"
    ]
    with pytest.raises(ScheduleError) as raised:
        await load(deps, "visitor,team,day,slot,activity\n")
    assert raised.value.errors == [
        "schedule.csv, line 2: no visits: the schedule has a header row and nothing else"
    ]
    assert await counts(deps) == (0, 0)


async def test_the_schedule_is_posted_once_on_its_day_with_no_case_in_it(deps: Deps) -> None:
    await load(deps, GOOD)
    assert await post(deps, at(2, 19)) == 0  # 17 days ahead: not yet
    assert await post(deps, at(2, 22)) == 1  # 14 days before Monday 8 March
    assert await post(deps, at(2, 23)) == 0
    await load(deps, GOOD)  # loaded again after posting: not posted again
    assert await post(deps, at(2, 24)) == 0
    sent = await outbox(deps)
    assert [(m.recipient, m.idempotency_key) for m in sent] == [
        ("channel:practice-week", "practice_week.posted:practice_week:2027-03-08")
    ]
    text = sent[0].payload["text"]
    assert (
        "- Tuesday 9 March, 10:00–12:00: Helen Clarke with Assessment 1 (Review of the case "
        "records)" in text
    )
    assert "- Wednesday 10 March, 14:00–16:00: Sam Moss with Children in Care" in text
    assert "C-000" not in str(sent[0].payload)
    assert sent[0].payload["meta"]["type"] == "practice_week.posted"


async def test_a_schedule_loaded_late_is_posted_before_the_week_but_not_during_it(
    deps: Deps,
) -> None:
    await load(deps, GOOD)
    assert await post(deps, at(3, 8)) == 0  # the week has begun: too late for a preview
    assert await outbox(deps) == []


async def test_each_visit_joins_the_digest_the_working_day_before(deps: Deps) -> None:
    await load(deps, GOOD)
    assert await digest(deps, at(3, 5)) == {}  # Friday: Tuesday's visit is two working days off
    monday = await digest(deps, at(3, 8))
    assert set(monday) == {"L1", "M1", "P1"}  # the visitor and everyone in the team visited
    assert monday["L1"][0]["role"] == "visitor" and monday["M1"][0]["role"] == "host"
    assert monday["P1"][0]["role"] == "host"
    assert monday["M1"][0]["team"] == "Assessment 1" and monday["M1"][0]["day"] == "2027-03-09"
    tuesday = await digest(deps, at(3, 9))
    assert set(tuesday) == {"L2", "M2", "P2"}
    assert await digest(deps, at(3, 9)) == tuesday  # once a day, however often it runs


async def test_a_visit_after_a_bank_holiday_is_reminded_the_working_day_before(
    deps: Deps,
) -> None:
    schedule = "visitor,team,day,slot,activity\nL1,Assessment 1,2027-05-04,10:00-12:00,Chat\n"
    await load(deps, schedule)  # Tuesday 4 May: Monday 3 May is the early May bank holiday
    assert await digest(deps, at(5, 3)) == {}
    assert set(await digest(deps, at(4, 30))) == {"L1", "M1", "P1"}


async def test_someone_away_on_the_day_is_not_reminded(deps: Deps) -> None:
    await load(deps, GOOD)
    async with deps.sessions.begin() as session:
        await session.execute(
            update(Person).where(Person.staff_id == "M1").values(away_until=dt.date(2027, 3, 12))
        )
    assert set(await digest(deps, at(3, 8))) == {"L1", "P1"}


async def test_a_draft_pairs_every_team_with_a_leader_from_another_team(deps: Deps) -> None:
    drafted = await draft_week(deps.sessions, PROGRAMME, deps.calendar, dt.date(2027, 3, 10),
                               by="Q1")  # fmt: skip
    lines = drafted.csv.splitlines()
    assert lines[0] == "visitor,team,day,slot,activity"
    rows = [line.split(",") for line in lines[1:]]
    assert {r[1] for r in rows} == {"Assessment 1", "Children in Care"}
    assert drafted.unvisited == ["Leadership"]  # its only leaders are its own
    assert {r[0] for r in rows} == {"L1", "L2"}  # in turn; the leaver never
    assert all(dt.date.fromisoformat(r[2]).isocalendar()[1] == 10 for r in rows)
    async with deps.sessions() as session:  # the draft loads as it is
        people = await stored.everyone(session)
        teams = await stored.teams(session)
    checked = read_schedule(CsvFile("draft.csv", drafted.csv.encode()), deps.calendar, people,
                            teams, set())  # fmt: skip
    assert checked.starts_on == dt.date(2027, 3, 8) and len(checked.visits) == 2


async def test_why_explains_a_practice_week_reminder(deps: Deps) -> None:
    event = Inbound("sandbox", "M1:why:1", "M1", "action", WHY, "practice_week.reminder")
    reply = await handle_event(deps, build_router(deps), event)
    assert reply is not None and reply.message is not None
    assert reply.message.kind == "reminder_why"
    assert "the working day before" in reply.message.text


async def asked(deps: Deps, now: dt.datetime) -> dict[str, list[tuple[str, int]]]:
    """The day's findings and feedback asks in each person's digest: (kind, visit id)."""
    await Reminders(deps, reminder_sources()).sweep(now)
    found: dict[str, list[tuple[str, int]]] = {}
    for m in await outbox(deps):
        if m.idempotency_key.startswith("reminders:") and m.idempotency_key.endswith(
            now.date().isoformat()
        ):
            items = m.payload["meta"].get("items") or [
                {"kind": m.payload["kind"], "meta": m.payload["meta"]}
            ]
            asks = ("practice_week_findings", "practice_week_feedback")
            mine = [(i["kind"], i["meta"]["visit"]) for i in items if i["kind"] in asks]
            if mine:
                found[m.recipient.removeprefix("person:")] = mine
    return found


async def visit_ids(deps: Deps) -> dict[str, int]:
    async with deps.sessions() as session:
        week = (await stored.weeks_from(session, dt.date(2027, 3, 1)))[0]
        return {v.visitor_staff_id: v.id for v in await stored.visits_of(session, week.id)}


_event = iter(range(1, 10_000))


async def act(deps: Deps, staff_id: str, kind: str, name: str, value: str, **fields: str) -> Any:
    event = Inbound("sandbox", f"pw-{next(_event)}", staff_id, kind, name, value,  # type: ignore[arg-type]
                    fields=tuple(fields.items()))  # fmt: skip
    reply = await handle_event(deps, build_router(deps), event)
    assert reply is not None and reply.message is not None
    return reply.message


async def test_the_working_day_after_a_visit_findings_and_feedback_are_asked_for(
    deps: Deps,
) -> None:
    await load(deps, GOOD)
    ids = await visit_ids(deps)
    assert await asked(deps, at(3, 9)) == {}  # the day of Tuesday's visit: nothing yet
    wednesday = await asked(deps, at(3, 10))
    assert wednesday == {
        "L1": [("practice_week_findings", ids["L1"])],
        "M1": [("practice_week_feedback", ids["L1"])],  # the team's manager, not its workers
    }
    thursday = await asked(deps, at(3, 11))
    assert set(thursday) == {"L2", "M2"}
    assert await asked(deps, at(3, 12)) == {}  # asked once


async def test_an_ask_not_answered_is_followed_up_once_a_few_working_days_later(
    deps: Deps,
) -> None:
    await load(deps, GOOD)
    ids = await visit_ids(deps)
    await asked(deps, at(3, 10))
    await act(deps, "L1", "form", FINDINGS, str(ids["L1"]), grade="Good", strengths="Warm",
              develop="Plans")  # fmt: skip
    assert set(await asked(deps, at(3, 11))) == {"L2", "M2"}
    assert await asked(deps, at(3, 12)) == {}
    # three working days after Wednesday's ask: Helen shared her findings, Dana's team has not
    assert await asked(deps, at(3, 15)) == {"M1": [("practice_week_feedback", ids["L1"])]}
    followed = [m for m in await outbox(deps) if m.idempotency_key == "reminders:M1:2027-03-15"]
    assert "just once more" in followed[0].payload["text"]
    assert followed[0].payload["meta"]["follow_up"] is True
    assert set(await asked(deps, at(3, 16))) == {"L2", "M2"}
    for day in (17, 18, 19, 22, 23):  # and then no more
        assert await asked(deps, at(3, day)) == {}


async def test_the_visitor_shares_graded_findings_once(deps: Deps) -> None:
    await load(deps, GOOD)
    visit = str((await visit_ids(deps))["L1"])
    refused = await act(deps, "M1", "action", OPEN_FINDINGS, visit)
    assert refused.kind == "user_error" and "Only Helen Clarke" in refused.text
    form = await act(deps, "L1", "action", OPEN_FINDINGS, visit)
    assert form.kind == "practice_week_findings_form"
    grade = form.form.fields[0]
    assert grade.id == "grade" and [c.value for c in grade.choices] == PROGRAMME.grades
    missing = await act(deps, "L1", "form", FINDINGS, visit, grade="Good", strengths="Warm",
                        develop="")  # fmt: skip
    assert missing.kind == "user_error"
    assert missing.text == "Please fill in “What could be better”. Nothing has been saved yet."
    no_grade = await act(deps, "L1", "form", FINDINGS, visit, strengths="Warm", develop="Plans")
    assert no_grade.text == "Please choose “Your overall grade”. Nothing has been saved yet."
    saved = await act(deps, "L1", "form", FINDINGS, visit, grade="Good",
                      strengths="Warm, curious work", develop="Plans", themes="Voice")  # fmt: skip
    assert saved.kind == "practice_week_thanks"
    again = await act(deps, "L1", "action", OPEN_FINDINGS, visit)
    assert again.kind == "user_error" and "saved already" in again.text
    async with deps.sessions() as session:
        slot = await session.get(PracticeWeekSlot, int(visit))
        assert slot is not None and slot.grade == "Good" and "curious" in slot.findings


async def test_the_team_visited_gives_its_feedback(deps: Deps) -> None:
    await load(deps, GOOD)
    visit = str((await visit_ids(deps))["L1"])
    other = await act(deps, "M2", "action", OPEN_FEEDBACK, visit)
    assert other.kind == "user_error" and "Assessment 1's to give" in other.text
    form = await act(deps, "M1", "action", OPEN_FEEDBACK, visit)
    assert [f.id for f in form.form.fields] == ["rating", "comments"]
    saved = await act(deps, "M1", "form", FEEDBACK, visit, rating="very", comments="More time")
    assert saved.kind == "practice_week_thanks"
    async with deps.sessions() as session:
        slot = await session.get(PracticeWeekSlot, int(visit))
        assert slot is not None and (slot.feedback_rating, slot.feedback) == ("very", "More time")
    assert set(await asked(deps, at(3, 10))) == {"L1"}  # feedback given: M1 is not asked


async def test_the_qa_team_gets_a_summary_after_the_week_with_counts_only(deps: Deps) -> None:
    await load(deps, GOOD)
    ids = await visit_ids(deps)
    await act(deps, "L1", "form", FINDINGS, str(ids["L1"]), grade="Good",
              strengths="Warm, curious work", develop="Plans")  # fmt: skip
    await act(deps, "M1", "form", FEEDBACK, str(ids["L1"]), rating="very", comments="Thanks")
    summarise = dict(jobs(deps))["practice_week_summary"]
    assert await summarise(at(3, 18)) == 0  # four working days after Friday 12 March
    assert await summarise(at(3, 19)) == 1
    assert await summarise(at(3, 22)) == 0  # once
    (sent,) = [m for m in await outbox(deps) if m.message_type == "practice_week_summary"]
    assert sent.recipient == "channel:qa-team"
    text = sent.payload["text"]
    assert "**2** visits, findings shared for **1**, team feedback on **1**" in text
    assert "- Good: 1" in text and "- Very useful: 1" in text
    assert "- Sam Moss (Children in Care)" in text  # findings still to come
    assert "curious" not in str(sent.payload) and "Thanks" not in text


async def test_a_case_reference_known_only_after_loading_keeps_the_schedule_off_the_channel(
    deps: Deps,
) -> None:
    await load(deps, GOOD.replace("Direct observation of practice", "Talk through C-000999"))
    people = tuple(
        PersonRecord(sid, NAMES[sid], f"{sid.lower()}@council.example", role, team, "Children",
                     boss, active=sid != "X1")
        for sid, role, team, boss in PEOPLE
    )  # fmt: skip
    cases = (CaseRecord("C-000999", "P2", "CP", dt.date(2026, 5, 1)),)
    async with deps.sessions.begin() as session:
        await apply_roster(session, Roster(people, cases), now=IMPORTED, actor="test")
    assert await post(deps, at(2, 22)) == 0
    assert await outbox(deps) == []
