"""Reminder rules as pure functions: which working days nudge, and when nudges stop for good."""

from __future__ import annotations

import datetime as dt

import pytest

from handlers.core.calendar import Calendar
from handlers.programme.schema import (
    CaseAudit,
    NudgeRule,
    ProgrammeError,
    ReminderRule,
    load_programme,
    parse_programme,
    resolve,
)
from handlers.reminders.nudge_days import is_past_last_nudge, is_reminder_day

CALENDAR = Calendar()
DUE = dt.date(2027, 1, 18)  # a Monday


def nudge_days(
    rule: ReminderRule, snoozed_until: dt.date | None = None, due: dt.date = DUE
) -> list[dt.date]:
    """Every working day from two weeks before `due` to six weeks after that is a nudge day."""
    days = (due + dt.timedelta(days=n) for n in range(-14, 43))
    return [
        day
        for day in days
        if CALENDAR.is_working_day(day) and is_reminder_day(CALENDAR, rule, due, day, snoozed_until)
    ]


def test_a_nudge_rule_nudges_before_due_then_twice_and_stops() -> None:
    assert nudge_days(NudgeRule()) == [
        dt.date(2027, 1, 14),  # two working days before
        dt.date(2027, 1, 21),  # three working days over
        dt.date(2027, 1, 26),  # six, and the last
    ]


def test_moderation_reminders_default_to_a_weekly_rhythm_after_due() -> None:
    rule = load_programme("default").of_kind(CaseAudit)[0].moderation.reminders
    assert nudge_days(rule) == [dt.date(2027, 1, 14), dt.date(2027, 1, 25), dt.date(2027, 2, 1)]


def test_without_a_limit_reminders_keep_coming_until_done() -> None:
    rule = ReminderRule()
    assert rule.overdue_nudges is None
    days = nudge_days(rule)
    assert days[-1] >= DUE + dt.timedelta(weeks=5)
    assert not is_past_last_nudge(rule, 500)


def test_no_overdue_nudges_at_all_when_the_limit_is_nought() -> None:
    assert nudge_days(NudgeRule(overdue_nudges=0)) == [dt.date(2027, 1, 14)]


def test_a_snooze_holds_nudges_and_the_day_after_it_nudges() -> None:
    held = nudge_days(NudgeRule(), snoozed_until=dt.date(2027, 1, 19))
    assert held == [dt.date(2027, 1, 20), dt.date(2027, 1, 21), dt.date(2027, 1, 26)]


def test_a_snooze_ending_after_the_last_nudge_brings_no_more() -> None:
    assert nudge_days(NudgeRule(), snoozed_until=dt.date(2027, 1, 27)) == []


def test_the_last_nudge_counts_working_days_over() -> None:
    rule = NudgeRule()  # every 3 working days, twice
    assert not is_past_last_nudge(rule, 6) and is_past_last_nudge(rule, 7)


def test_bank_holidays_are_not_counted() -> None:
    due = dt.date(2027, 12, 22)  # the Wednesday before Christmas; 27, 28 Dec and 3 Jan are off
    days = nudge_days(NudgeRule(), due=due)
    assert days == [dt.date(2027, 12, 20), dt.date(2027, 12, 29), dt.date(2028, 1, 4)]


def test_reflections_have_a_due_date_and_quiet_reminders_by_default() -> None:
    for name in ("default", "camden", "durham", "haringey", "shropshire", "hammersmith-fulham"):
        for audit in load_programme(name).of_kind(CaseAudit):
            assert audit.reflection.due_working_days == 5
            assert audit.reflection.reminders.escalate_after_working_days is None
            assert audit.reflection.reminders.overdue_nudges == 2
            if audit.moderation is not None:
                assert audit.moderation.reminders.escalate_after_working_days is None


def _default_with(old: str, new: str) -> str:
    text = resolve("default").read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, 1)


def test_a_programme_cannot_escalate_reflections() -> None:
    text = _default_with(
        "        overdue_nudges: 2\n",
        "        overdue_nudges: 2\n        escalate_after_working_days: 5\n",
    )
    where = r"programme\.yaml:\d+: .*reflection\.reminders\.escalate_after_working_days"
    with pytest.raises(ProgrammeError, match=where + ": these reminders never go to a manager"):
        parse_programme(text, "programme.yaml")


def test_checklist_reminders_take_only_days_before_the_audit() -> None:
    text = _default_with(
        "    checklist_reminders:\n      before_working_days: [3, 1]\n",
        "    checklist_reminders:\n      before_working_days: [3, 1]\n"
        "      overdue_every_working_days: 5\n",
    )
    where = r"programme\.yaml:\d+: .*checklist_reminders\.overdue_every_working_days"
    with pytest.raises(ProgrammeError, match=where + ": checklist reminders stop at the audit"):
        parse_programme(text, "programme.yaml")
    audit = load_programme("default").of_kind(CaseAudit)[0]
    assert audit.checklist_reminders.before_working_days == [3, 1]
    assert audit.checklist_reminders.escalate_after_working_days is None


def test_a_programme_may_set_its_own_reflection_cadence() -> None:
    text = _default_with("      due_working_days: 5\n", "      due_working_days: 10\n")
    audit = parse_programme(text).of_kind(CaseAudit)[0]
    assert audit.reflection.due_working_days == 10
