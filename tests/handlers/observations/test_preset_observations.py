"""Each preset's observation cadence as its framework says, applied to one small service: who is
tracked, in which group, by whom and by when. Hammersmith & Fulham §3.4 and Haringey: experienced
workers yearly by their line manager; Durham §4.3: twice a year by line managers; Camden: yearly,
managers too; Shropshire's roles table: yearly by the line manager, heads of service six-monthly
and service managers quarterly each of someone below them, and observation of supervision of
each team manager yearly by their service manager. An ASYE worker is in the ASYE group only.

The service: HOS (head of service) > SM (service manager) > TM (team manager) > P (practitioner,
last observed 1 October 2026) and A (in their ASYE year from 1 November 2026). qabot has known
the staff list since Monday 4 January 2027, so anyone never observed is first due three months
on, which is Sunday 4 April: the date people see is a working day, Friday 2 April.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from handlers.core.calendar import Calendar
from handlers.observations.tracking import track
from handlers.programme.schema import ObservationActivity, load_programme
from storage.observations.staff import Staff

SINCE = dt.date(2027, 1, 4)
TODAY = dt.date(2027, 1, 11)
FIRST = dt.date(2027, 4, 2)  # three months on is Sunday 4 April: the Friday before
PEOPLE = {
    1: Staff(1, "HOS", "Hana Ito", "head_of_service", None, None, True),
    2: Staff(2, "SM", "Mo Reid", "service_manager", 1, None, True),
    3: Staff(3, "TM", "Tess Cole", "team_manager", 2, None, True),
    4: Staff(4, "P", "Pat Lee", "practitioner", 3, None, True,
             last_observed=dt.date(2026, 10, 1)),
    5: Staff(5, "A", "Ann Fox", "practitioner", 3, None, True, asye_start=dt.date(2026, 11, 1)),
}  # fmt: skip
YEARLY = ("experienced", "P", "TM", dt.date(2027, 10, 1))
ASYE = ("asye", "A", "TM", dt.date(2027, 2, 1))  # month 3 of the ASYE year
EXPECTED = {
    "hammersmith-fulham": {YEARLY, ASYE},
    "haringey": {YEARLY, ASYE},
    "durham": {("practitioners", "P", "TM", dt.date(2027, 4, 1)), ASYE},
    "camden": {YEARLY, ASYE, ("managers", "TM", "SM", FIRST)},
    "shropshire": {
        ("staff_yearly", "P", "TM", dt.date(2027, 10, 1)),
        ASYE,
        ("head_of_service", "*", "HOS", FIRST),
        ("service_manager", "*", "SM", FIRST),
        ("supervision", "TM", "SM", FIRST),
    },
}


@pytest.mark.parametrize("preset", sorted(EXPECTED))
def test_each_preset_tracks_whom_its_framework_names(preset: str) -> None:
    programme = load_programme(preset)
    found = track(Calendar.from_programme(programme), programme.of_kind(ObservationActivity),
                  PEOPLE, {}, TODAY, SINCE, {})  # fmt: skip
    tracked = {
        (t.group.name, "*" if t.per_observer else t.worker.staff_id, t.observer.staff_id, t.due)
        for t in found.tracked
    }
    assert tracked == EXPECTED[preset]
    assert not found.reported


def test_observation_of_supervision_covers_only_those_who_supervise() -> None:
    """Shropshire: a senior practitioner who supervises a newer worker has their supervision
    observed yearly by their service manager; one who supervises no one is not in the group."""
    programme = load_programme("shropshire")
    people = {
        **PEOPLE,
        6: Staff(6, "SP", "Sol Park", "senior_practitioner", 3, None, True,
                 last_observed=dt.date(2026, 6, 1)),
        7: Staff(7, "SP2", "Kit Ames", "senior_practitioner", 3, None, True,
                 last_observed=dt.date(2026, 6, 1)),
        8: Staff(8, "N", "Ned Ray", "practitioner", 6, None, True,
                 last_observed=dt.date(2026, 6, 1)),
    }  # fmt: skip
    found = track(Calendar.from_programme(programme), programme.of_kind(ObservationActivity),
                  people, {}, TODAY, SINCE, {})  # fmt: skip
    supervision = {(t.worker.staff_id, t.observer.staff_id, t.due) for t in found.tracked
                   if t.group.name == "supervision"}  # fmt: skip
    assert supervision == {("TM", "SM", FIRST), ("SP", "SM", dt.date(2027, 6, 1))}


def test_a_due_date_on_a_bank_holiday_is_the_working_day_before() -> None:
    """A year on from 29 March 2026 is Easter Monday 2027, after Good Friday: due Thursday."""
    programme = load_programme("hammersmith-fulham")
    people = {**PEOPLE, 4: dataclasses.replace(PEOPLE[4], last_observed=dt.date(2026, 3, 29))}
    found = track(Calendar.from_programme(programme), programme.of_kind(ObservationActivity),
                  people, {}, TODAY, SINCE, {})  # fmt: skip
    [due] = [t.due for t in found.tracked if t.worker.staff_id == "P"]
    assert due == dt.date(2027, 3, 25)


def test_an_observer_role_holder_with_nobody_below_is_reported_not_tracked() -> None:
    programme = load_programme("shropshire")
    alone = {**PEOPLE, 6: Staff(6, "HOS2", "Bea Lowe", "head_of_service", None, None, True)}
    found = track(Calendar.from_programme(programme), programme.of_kind(ObservationActivity),
                  alone, {}, TODAY, SINCE, {})  # fmt: skip
    assert [(r.group, r.reason, r.worker.staff_id if r.worker else "") for r in found.reported] == [
        ("head_of_service", "nobody to observe", "HOS2")
    ]
