"""Expected problems: a UserError becomes a polite reply or one clear line, never a traceback."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from message_templates.model import Message


class UserError(Exception):
    """Something the person can put right; the message says what and how. A problem with a
    form's answers is a FormProblems, which names each field at fault."""


class FormProblems(UserError):
    """A form with problems: `form` is the same form holding what was typed, every problem
    beside its field. Nothing is stored; the form comes back where it was filled in."""

    def __init__(self, form: Message) -> None:
        assert form.form is not None
        self.form = form
        self.errors = {f.id: f.error for f in form.form.fields if f.error}
        super().__init__(form.form.problem)


def check_form(
    message: Message,
    answers: Mapping[str, str],
    errors: Mapping[str, str] | None = None,
) -> None:
    """Raise FormProblems naming every problem at once: the form's own checks (a required
    answer, a date, a choice, the length) and the handler's `errors` (field id -> problem),
    or return when all is well."""
    form = message.form
    assert form is not None
    found = {**form.problems(answers), **(errors or {})}
    if not found:
        return
    problem = (
        "One thing to put right below. Nothing has been saved yet."
        if len(found) == 1
        else f"{_count(len(found))} things to put right below. Nothing has been saved yet."
    )
    raise FormProblems(replace(message, form=form.answered(answers, found, problem)))


_WORDS = {2: "Two", 3: "Three", 4: "Four", 5: "Five", 6: "Six", 7: "Seven", 8: "Eight"}


def _count(n: int) -> str:
    return _WORDS.get(n, str(n))
