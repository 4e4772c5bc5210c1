"""Wording: every template renders from its sample, overrides win, missing variables fail."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from jinja2 import UndefinedError

from handlers.programme.base import ROLES
from message_templates.catalog import SAMPLE_CONTEXTS, sample_message, sample_messages
from message_templates.model import Button, Fact
from message_templates.wording import (
    ROLE_LABELS,
    SHIPPED_DIR,
    Wording,
    WordingError,
    format_day,
    role_label,
    role_words,
)

EXPECTED = {
    "welcome", "help", "my_qa", "away_set", "back", "apology", "user_error",
    "audit_allocated", "audit_notified", "checklist_updated", "checklist_reminder",
    "audit_reminder", "audit_escalated", "audit_record_form", "audit_recorded",
    "reflection_requested", "reflection_saved", "moderation_requested", "moderation_form",
    "moderation_recorded", "action_reminder", "action_escalated", "action_done",
    "observation_due", "observation_overdue", "observation_escalated", "observation_form",
    "practice_week_posted", "practice_week_reminder", "broadcast_posted", "digest",
    "parked_alert", "allocation_summary", "audit_inadequate", "audit_inadequate_qa",
}  # fmt: skip
CHANNEL_MESSAGES = (
    "practice_week_posted",
    "broadcast_posted",
    "parked_alert",
    "audit_inadequate_qa",
)
CASE_REF = re.compile(r"C-\d{6}")


def test_every_message_has_a_template_and_a_sample() -> None:
    assert set(Wording().names()) >= EXPECTED
    assert set(SAMPLE_CONTEXTS) == set(Wording().names())


@pytest.mark.parametrize("name", sorted(SAMPLE_CONTEXTS))
def test_template_documents_its_context_and_renders(name: str) -> None:
    assert (SHIPPED_DIR / f"{name}.j2").read_text().startswith("{#")
    message = sample_message(Wording(), name)
    assert message.kind == name
    assert message.text and message.fallback
    assert "overdue" not in (message.title + message.text + message.fallback).lower()


@pytest.mark.parametrize("name", CHANNEL_MESSAGES)
def test_channel_messages_carry_no_case_reference(name: str) -> None:
    message = sample_message(Wording(), name)
    shown = " ".join([message.title, message.text, message.fallback, message.footer])
    assert not CASE_REF.search(shown)


def test_a_missing_variable_is_an_error() -> None:
    context = dict(SAMPLE_CONTEXTS["audit_allocated"])
    del context["practitioner_name"]
    with pytest.raises(UndefinedError):
        Wording().compose("audit_allocated", context)


def test_unknown_template_and_block_are_errors() -> None:
    with pytest.raises(WordingError):
        Wording().compose("no_such_message", {})
    with pytest.raises(WordingError):
        Wording().compose("../welcome", {})
    with pytest.raises(WordingError):
        Wording().label("welcome", "button_nothing", SAMPLE_CONTEXTS["welcome"])


def test_unknown_structure_is_refused() -> None:
    with pytest.raises(TypeError, match="colour"):
        Wording().compose("back", SAMPLE_CONTEXTS["back"], colour="red")


def test_structure_passes_through() -> None:
    facts = [Fact("Case", "C-000123")]
    buttons = [Button("Show my QA", "my_qa.show")]
    message = Wording().compose("back", SAMPLE_CONTEXTS["back"], facts=facts, buttons=buttons)
    assert message.facts == tuple(facts)
    assert message.buttons == tuple(buttons)


def test_council_override_wins_by_name(tmp_path: Path) -> None:
    (tmp_path / "back.j2").write_text(
        "{% block title %}Croeso{% endblock %}{% block text %}Hi {{ name }}{% endblock %}"
    )
    wording = Wording(tmp_path)
    back = wording.compose("back", SAMPLE_CONTEXTS["back"])
    assert (back.title, back.text, back.fallback) == ("Croeso", "Hi Priya", "Croeso\nHi Priya")
    assert wording.compose("help", SAMPLE_CONTEXTS["help"]).title == "What I can do"
    assert set(wording.names()) == set(Wording().names())


def test_values_are_escaped_so_people_cannot_add_formatting() -> None:
    context = {"name": "**Sam** [x](https://evil.example)", "role": "practitioner"}
    message = Wording().compose("back", context)
    assert r"\*\*Sam\*\* \[x\]\(https://evil.example\)" in message.text
    assert "**Sam** [x](https://evil.example)" in message.fallback


def test_labels_are_plain_text() -> None:
    label = Wording().label("audit_allocated", "button_record", SAMPLE_CONTEXTS["audit_allocated"])
    assert label == "Record the audit"


def test_checklist_submit_label_comes_from_the_template() -> None:
    message = sample_message(Wording(), "audit_notified")
    assert message.checklist_submit == "Save my checklist"


def test_days_read_as_people_say_them() -> None:
    assert format_day("2027-01-15", dt.date(2027, 1, 11)) == "Friday 15 January"
    assert format_day(dt.datetime(2027, 1, 15, 9, tzinfo=dt.UTC), dt.date(2027, 1, 11)) == (
        "Friday 15 January"
    )


def test_a_day_in_another_year_shows_its_year_on_both_sides_of_a_year_end() -> None:
    new_years_eve, new_years_day = dt.date(2027, 12, 31), dt.date(2028, 1, 1)
    assert format_day("2028-01-04", new_years_eve) == "Tuesday 4 January 2028"
    assert format_day("2027-12-20", new_years_eve) == "Monday 20 December"
    assert format_day("2027-12-20", new_years_day) == "Monday 20 December 2027"
    assert format_day("2028-01-04", new_years_day) == "Tuesday 4 January"


def test_a_day_without_a_known_today_shows_its_year() -> None:
    assert format_day("2027-11-27") == "Saturday 27 November 2027"


def test_templates_write_days_against_the_today_they_are_given() -> None:
    wording = Wording()
    context = {"name": "Priya", "role": "practitioner", "until": dt.date(2027, 11, 27)}
    this_year = wording.compose("away_set", {**context, "today": dt.date(2027, 3, 1)})
    last_year = wording.compose("away_set", {**context, "today": dt.date(2026, 12, 30)})
    assert "**Saturday 27 November**." in this_year.text
    assert "**Saturday 27 November 2027**." in last_year.text
    assert last_year.fallback == "Reminders paused until Saturday 27 November 2027."


def test_a_day_placed_without_the_filter_is_written_against_today_too(tmp_path: Path) -> None:
    (tmp_path / "back.j2").write_text(
        "{% block title %}{% endblock %}{% block text %}Back on {{ until }}{% endblock %}"
    )
    wording = Wording(tmp_path)
    until = dt.date(2028, 1, 4)
    assert wording.compose("back", {"until": until, "today": dt.date(2028, 1, 1)}).text == (
        "Back on Tuesday 4 January"
    )
    assert wording.compose("back", {"until": until, "today": dt.date(2027, 12, 31)}).text == (
        "Back on Tuesday 4 January 2028"
    )


def test_a_remembered_label_with_a_day_follows_today(tmp_path: Path) -> None:
    (tmp_path / "back.j2").write_text(
        "{% block title %}{% endblock %}{% block button_back %}Back {{ until | day }}{% endblock %}"
    )
    wording = Wording(tmp_path)
    until = dt.date(2028, 1, 4)
    assert wording.label("back", "button_back", {"until": until, "today": until}) == (
        "Back Tuesday 4 January"
    )
    assert wording.label(
        "back", "button_back", {"until": until, "today": dt.date(2027, 12, 31)}
    ) == ("Back Tuesday 4 January 2028")


def test_roles_read_as_councils_write_them() -> None:
    assert [role_label(r) for r in ("qa_manager", "team_manager", "iro", "cp_chair")] == [
        "QA manager", "Team manager", "IRO", "CP chair"
    ]  # fmt: skip
    assert role_label("principal_social_worker") == "Principal social worker"
    assert role_label("asye") == "ASYE"
    assert role_label("something_new") == "Something new"
    assert [role_words(r) for r in ("team_manager", "qa_officer", "iro")] == [
        "team manager", "QA officer", "IRO"
    ]  # fmt: skip
    for role in ROLES:
        assert role_label(role) in ROLE_LABELS.values()


def test_samples_round_trip_through_plain_data() -> None:
    for message in sample_messages(Wording()).values():
        assert type(message).from_dict(message.to_dict()) == message


def test_a_remembered_label_still_follows_the_values_its_block_reads(tmp_path: Path) -> None:
    (tmp_path / "back.j2").write_text(
        "{% block title %}Hi{% endblock %}"
        "{% block button_snooze %}Remind me in {{ days }} days{% endblock %}"
    )
    wording = Wording(tmp_path)
    assert wording.label("back", "button_snooze", {"days": 2, "name": "Priya"}) == (
        "Remind me in 2 days"
    )
    assert wording.label("back", "button_snooze", {"days": 2, "name": "Sam"}) == (
        "Remind me in 2 days"
    )
    assert wording.label("back", "button_snooze", {"days": 5}) == "Remind me in 5 days"
    with pytest.raises(UndefinedError):
        wording.label("back", "button_snooze", {"name": "Sam"})
    with pytest.raises(WordingError):
        wording.label("back", "button_nothing", {"days": 2})
