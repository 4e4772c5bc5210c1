"""A form checked whole: every problem at once, each by its field, what was typed kept."""

from __future__ import annotations

import pytest

from handlers.errors import FormProblems, check_form
from message_templates.model import Choice, Form, FormField, Message

FIELDS = (
    FormField("grade", "Grade", "select", True, (Choice("Good", "Good"),)),
    FormField("reason", "Why", "textarea", True, max_length=20),
    FormField("due", "By when", "date", value="2027-02-12"),
    FormField(
        "owner",
        "Who",
        "person",
        choices=(Choice("Sam Moss — Practitioner, A", "S01"),),
        value="S01",
    ),
    FormField("share", "Share it", "checkbox", value="true"),
)
MESSAGE = Message(kind="audit_record_form", form=Form("audit.record", "Save", FIELDS, "1"))


def test_every_problem_is_named_at_once_beside_its_field_and_what_was_typed_is_kept() -> None:
    typed = {"grade": "Fine", "reason": "x" * 21, "due": "31/02/2027", "owner": "Nobody"}
    with pytest.raises(FormProblems) as raised:
        check_form(MESSAGE, typed, {"owner": "'Nobody' isn't anyone I know."})
    back = raised.value.form.form
    assert back is not None
    assert back.problem == "Four things to put right below. Nothing has been saved yet."
    assert raised.value.errors == {
        "grade": "Please choose one of the options.",
        "reason": "Please keep this to 20 characters.",
        "due": "Please put a date, like 12/02/2027.",
        "owner": "'Nobody' isn't anyone I know.",
    }
    assert {f.id: f.value for f in back.fields} == {**typed, "share": "false"}  # unticked


def test_a_form_with_nothing_wrong_passes_and_a_field_not_sent_keeps_its_value() -> None:
    check_form(MESSAGE, {"grade": "Good", "reason": "Clear plan", "due": "12/02/2027"})
    with pytest.raises(FormProblems) as raised:
        check_form(MESSAGE, {"grade": "Good"})
    back = raised.value.form.form
    assert back is not None and back.problem.startswith("One thing to put right")
    assert {f.id: f.value for f in back.fields}["owner"] == "S01"
