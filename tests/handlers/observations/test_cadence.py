"""The observation cadence as pure rules: months that roll over year ends, the ASYE year's
three observations, the ladder of nudges across weekends and bank holidays, and who observes."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from handlers.core.calendar import Calendar
from handlers.observations.cadence import (
    add_months,
    applies,
    due_asye,
    due_every,
    escalation_due,
    heads_up_day,
    in_asye_year,
    nominal_observer,
    nudge_stage,
    paused_due,
    up_from,
    which_asye,
    working_days_over,
)
from handlers.programme.schema import ObservationActivity, load_programme
from storage.observations.staff import Staff

PROGRAMME = load_programme("hammersmith-fulham")
ACTIVITY: ObservationActivity = PROGRAMME.of_kind(ObservationActivity)[0]
EXPERIENCED, ASYE = ACTIVITY.groups
CALENDAR = Calendar.from_programme(PROGRAMME)
days = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2032, 12, 31))


def test_months_roll_over_the_year_end_and_keep_to_the_months_last_day() -> None:
    assert add_months(dt.date(2026, 11, 15), 3) == dt.date(2027, 2, 15)
    assert add_months(dt.date(2027, 1, 31), 1) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2028, 1, 31), 1) == dt.date(2028, 2, 29)
    assert add_months(dt.date(2026, 12, 1), 12) == dt.date(2027, 12, 1)


@given(days, st.integers(min_value=0, max_value=36))
def test_months_later_is_never_earlier_and_lands_in_the_right_month(
    day: dt.date, months: int
) -> None:
    later = add_months(day, months)
    assert later >= day
    assert (later.year - day.year) * 12 + later.month - day.month == months
    assert later.day == day.day or (later.day < day.day and (later + dt.timedelta(days=1)).day == 1)


def test_experienced_staff_are_due_every_n_months_from_their_last_observation() -> None:
    first = dt.date(2027, 4, 4)
    assert due_every(12, dt.date(2026, 3, 10), first) == dt.date(2027, 3, 10)
    assert due_every(6, dt.date(2026, 12, 20), first) == dt.date(2027, 6, 20)
    assert due_every(12, None, first) == first


def test_the_asye_year_has_observations_by_months_3_6_and_11() -> None:
    start = dt.date(2026, 9, 1)
    assert due_asye([3, 6, 11], start, []) == dt.date(2026, 12, 1)
    one = [dt.date(2026, 11, 20)]
    assert due_asye([3, 6, 11], start, one) == dt.date(2027, 3, 1)
    assert due_asye([3, 6, 11], start, [*one, dt.date(2027, 2, 1)]) == dt.date(2027, 8, 1)
    three = [*one, dt.date(2027, 2, 1), dt.date(2027, 7, 1)]
    assert due_asye([3, 6, 11], start, three) is None
    # an observation before the ASYE year began does not count towards it
    assert due_asye([3, 6, 11], start, [dt.date(2026, 8, 1)]) == dt.date(2026, 12, 1)
    assert which_asye([3, 6, 11], start, dt.date(2027, 3, 1)) == 2


def test_a_worker_in_their_asye_year_is_in_the_asye_group_only() -> None:
    start = dt.date(2026, 9, 1)
    during, after = dt.date(2027, 8, 31), dt.date(2027, 9, 1)
    assert in_asye_year(start, during) and not in_asye_year(start, after)
    assert applies(ASYE, "practitioner", start, during)
    assert not applies(EXPERIENCED, "practitioner", start, during)
    assert applies(EXPERIENCED, "practitioner", start, after)
    assert not applies(ASYE, "practitioner", start, after)
    assert not applies(EXPERIENCED, "team_manager", None, during)
    assert applies(EXPERIENCED, "senior_practitioner", None, during)


@given(days, days)
def test_exactly_one_group_of_two_applies_to_a_practitioner(start: dt.date, today: dt.date) -> None:
    found = [g for g in (EXPERIENCED, ASYE) if applies(g, "practitioner", start, today)]
    assert len(found) == 1


def test_a_due_date_is_always_a_working_day_the_one_before() -> None:
    assert paused_due(CALENDAR, dt.date(2027, 1, 10), None) == dt.date(2027, 1, 8)  # a Sunday
    assert paused_due(CALENDAR, dt.date(2027, 1, 9), None) == dt.date(2027, 1, 8)  # a Saturday
    # Easter Monday 29 March 2027, after Good Friday: the Thursday before
    assert paused_due(CALENDAR, dt.date(2027, 3, 29), None) == dt.date(2027, 3, 25)
    # away over the working day before: due the first working day back
    assert paused_due(CALENDAR, dt.date(2027, 1, 10), dt.date(2027, 1, 8)) == dt.date(2027, 1, 11)


def test_a_worker_away_over_the_due_date_is_due_the_first_working_day_back() -> None:
    due = dt.date(2027, 3, 10)
    assert paused_due(CALENDAR, due, None) == due
    assert paused_due(CALENDAR, due, dt.date(2027, 3, 1)) == due  # back before it was due
    # away until Thursday 25 March 2027: Good Friday and Easter Monday are bank holidays
    assert paused_due(CALENDAR, due, dt.date(2027, 3, 25)) == dt.date(2027, 3, 30)
    assert paused_due(CALENDAR, due, dt.date(2027, 4, 1)) == dt.date(2027, 4, 2)


def ladder(
    due: dt.date, start: dt.date, end: dt.date, held: dt.date | None = None
) -> dict[dt.date, str]:
    """The nudges, and the first working day the manager may be told (a sweep that ran every
    day tells them then, its observer having been nudged in time)."""
    found: dict[dt.date, str] = {}
    day, escalated = start, False
    while day <= end:
        if CALENDAR.is_working_day(day):
            stage = nudge_stage(CALENDAR, ACTIVITY, due, day, held)
            if stage:
                found[day] = stage
            if not escalated and escalation_due(CALENDAR, ACTIVITY, due, day):
                found[day] = f"{found.get(day, '')}+escalated"
                escalated = True
        day += dt.timedelta(days=1)
    return found


def test_the_ladder_across_the_easter_bank_holiday_weekend() -> None:
    # due Thursday 25 March 2027; Good Friday 26 March and Easter Monday 29 March are holidays
    due = dt.date(2027, 3, 25)
    found = ladder(due, dt.date(2027, 3, 1), dt.date(2027, 5, 1))
    assert found == {
        dt.date(2027, 3, 11): "due",  # 14 days ahead
        dt.date(2027, 3, 18): "due",  # 5 working days before
        dt.date(2027, 3, 24): "due",  # 1 working day before
        dt.date(2027, 4, 5): "overdue",  # 5 working days over: the holidays are skipped
        dt.date(2027, 4, 12): "overdue+escalated",  # 10 working days over: once, the manager
        dt.date(2027, 4, 19): "overdue",
        dt.date(2027, 4, 26): "overdue",
    }


def test_the_ladder_across_the_christmas_and_new_year_holidays() -> None:
    due = dt.date(2026, 12, 22)
    found = ladder(due, dt.date(2026, 12, 1), dt.date(2027, 1, 31))
    # 25, 28 December (Boxing Day's substitute) and 1 January are not working days
    assert found[dt.date(2026, 12, 31)] == "overdue"
    assert found[dt.date(2027, 1, 8)] == "overdue+escalated"
    assert dt.date(2027, 1, 1) not in found and dt.date(2026, 12, 28) not in found
    assert heads_up_day(CALENDAR, ACTIVITY, due) == dt.date(2026, 12, 8)


def test_a_snooze_holds_every_nudge_and_the_day_after_it_nudges() -> None:
    due = dt.date(2027, 3, 25)
    held = dt.date(2027, 3, 19)  # snoozed through the 5-working-days-before nudge
    found = ladder(due, dt.date(2027, 3, 15), dt.date(2027, 3, 31), held)
    assert dt.date(2027, 3, 18) not in found
    assert found[dt.date(2027, 3, 22)] == "due"


@given(days)
def test_an_escalation_is_due_from_the_tenth_working_day_overdue_on_working_days_only(
    due: dt.date,
) -> None:
    """Due from then on, not on one day only: a sweep that missed that day (downtime, a clock
    jump, an observer not yet reminded) still tells the manager later; the audit log keeps it
    to once."""
    later = [due + dt.timedelta(days=n) for n in range(0, 60)]
    told = [day for day in later if escalation_due(CALENDAR, ACTIVITY, due, day)]
    assert told == [
        day
        for day in later
        if CALENDAR.is_working_day(day) and working_days_over(CALENDAR, due, day) >= 10
    ]
    assert told and working_days_over(CALENDAR, due, told[0]) == 10


def person(id: int, role: str, manager: int | None, *, active: bool = True,
           away: dt.date | None = None) -> Staff:  # fmt: skip
    return Staff(id, f"S{id:02}", f"Person {id}", role, manager, away, active)


def test_who_observes_and_who_is_told_when_someone_is_away_or_has_left() -> None:
    people = {
        1: person(1, "head_of_service", None),
        2: person(2, "service_manager", 1, away=dt.date(2027, 3, 31)),
        3: person(3, "team_manager", 2),
        4: person(4, "practitioner", 3),
        5: person(5, "practitioner", None),
        6: person(6, "team_manager", 2, active=False),
        7: person(7, "practitioner", 6),
    }
    today = dt.date(2027, 3, 15)
    assert nominal_observer(people, people[4], EXPERIENCED) == people[3]
    assert nominal_observer(people, people[5], EXPERIENCED) is None
    by_role = EXPERIENCED.model_copy(update={"observer": "manager_by_role",
                                             "observer_role": "service_manager"})  # fmt: skip
    assert nominal_observer(people, people[4], by_role) == people[2]
    # the service manager is away: the head of service is the first one here
    assert up_from(people, 2, today) == people[1]
    # a leaver's worker is observed by the first manager above the leaver who is here
    assert up_from(people, people[7].manager_id, today) == people[1]
    assert up_from(people, 3, today) == people[3]
    loop = {
        8: person(8, "team_manager", 9, active=False),
        9: person(9, "team_manager", 8, active=False),
    }
    assert up_from(loop, 8, today) is None
