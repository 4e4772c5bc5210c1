"""Wording: every template renders from its sample, overrides win, missing variables fail."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from jinja2 import UndefinedError

from message_templates.catalog import SAMPLE_CONTEXTS, sample_message, sample_messages
from message_templates.model import Button, Fact
from message_templates.wording import SHIPPED_DIR, Wording, WordingError, format_day

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
    assert format_day("2027-01-15") == "Friday 15 January"


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
