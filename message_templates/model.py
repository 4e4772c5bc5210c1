"""The neutral message model: only what qabot's messages need, rendered per platform in bot/."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass, replace
from typing import Any, Literal

ButtonStyle = Literal["primary", "danger", "default"]
FieldKind = Literal["text", "textarea", "select", "date", "checkbox", "person"]
# The submitted field that carries a checklist's ticked item ids, on every platform.
CHECKLIST_FIELD = "done"


@dataclass(frozen=True)
class Fact:
    """A label and a value shown side by side (case reference, due date…)."""

    label: str
    value: str


@dataclass(frozen=True)
class ChecklistEntry:
    """One tickable item; ticking sends `action` with `value` set to the item id."""

    id: str
    text: str
    done: bool = False


@dataclass(frozen=True)
class Button:
    """A one-click action. `action` is the id every platform carries to the same handler."""

    label: str
    action: str
    value: str = ""
    style: ButtonStyle = "default"


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Choice:
    label: str
    value: str


@dataclass(frozen=True)
class FormField:
    """One input of a form; `id` is the key the submission carries.

    A "person" field is a people picker: its `choices` are people (label "name — role, team",
    value their staff id) to choose from by typing, and its value is a staff id. `error` is
    the problem with what was typed, shown beside the field when a form comes back."""

    id: str
    label: str
    kind: FieldKind = "text"
    required: bool = False
    choices: tuple[Choice, ...] = ()
    value: str = ""
    hint: str = ""
    max_length: int = 3000
    error: str = ""


@dataclass(frozen=True)
class Form:
    """Fields submitted together as `action` (with `value` as context, e.g. an allocation id)."""

    action: str
    submit_label: str
    fields: tuple[FormField, ...]
    value: str = ""
    open_label: str = ""  # the button that opens the form where forms open apart (Slack modals)
    # Said above the fields when the form comes back with problems ("nothing has been saved").
    problem: str = ""

    def problems(self, answers: Mapping[str, str]) -> dict[str, str]:
        """What is wrong with each answer by field id: the checks every form shares (a
        required answer, a date, one of the choices, the length). Each form adds its own."""
        found = {f.id: _check(f, answers.get(f.id, "")) for f in self.fields}
        return {name: problem for name, problem in found.items() if problem}

    def answered(self, answers: Mapping[str, str], errors: Mapping[str, str], problem: str) -> Form:
        """The same form holding what was typed, each field with its problem."""
        fields = tuple(
            replace(f, value=_answer(f, answers), error=errors.get(f.id, "")) for f in self.fields
        )
        return replace(self, fields=fields, problem=problem)


@dataclass(frozen=True)
class Section:
    """One item of a gathered message (a day's reminders): its own heading, words, facts,
    checklist and buttons, shown apart from the others so each can be acted on in place."""

    title: str = ""
    text: str = ""
    facts: tuple[Fact, ...] = ()
    checklist: tuple[ChecklistEntry, ...] = ()
    checklist_action: str = ""
    checklist_value: str = ""
    checklist_submit: str = ""
    buttons: tuple[Button, ...] = ()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Section:
        return cls(
            title=data.get("title", ""),
            text=data.get("text", ""),
            facts=tuple(Fact(**f) for f in data.get("facts", ())),
            checklist=tuple(ChecklistEntry(**c) for c in data.get("checklist", ())),
            checklist_action=data.get("checklist_action", ""),
            checklist_value=data.get("checklist_value", ""),
            checklist_submit=data.get("checklist_submit", ""),
            buttons=tuple(Button(**b) for b in data.get("buttons", ())),
        )


@dataclass(frozen=True)
class Message:
    """What qabot says: wording comes from a template, structure from the handler."""

    kind: str
    title: str = ""
    text: str = ""
    facts: tuple[Fact, ...] = ()
    checklist: tuple[ChecklistEntry, ...] = ()
    checklist_action: str = ""
    checklist_value: str = ""
    checklist_submit: str = ""
    buttons: tuple[Button, ...] = ()
    links: tuple[Link, ...] = ()
    form: Form | None = None
    # A gathered message's items, each shown under its own heading after the words above.
    sections: tuple[Section, ...] = ()
    footer: str = ""
    fallback: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the outbox row (lists for tuples, as JSON stores them); a message
        with no sections stores none, as before sections existed."""
        plain: dict[str, Any] = _plain(self)
        if not self.sections:
            del plain["sections"]
        return plain

    def section(self) -> Section:
        """This message as one section of a gathered message."""
        return Section(self.title, self.text, self.facts, self.checklist, self.checklist_action,
                       self.checklist_value, self.checklist_submit, self.buttons)  # fmt: skip

    def with_section(self, section: Section) -> Message:
        """A message showing only `section`: how a renderer draws each section with the same
        parts it draws a whole message with."""
        return Message(kind=self.kind, title=section.title, text=section.text,
                       facts=section.facts, checklist=section.checklist,
                       checklist_action=section.checklist_action,
                       checklist_value=section.checklist_value,
                       checklist_submit=section.checklist_submit,
                       buttons=section.buttons)  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Message:
        form = data.get("form")
        return cls(
            kind=data["kind"],
            title=data.get("title", ""),
            text=data.get("text", ""),
            facts=tuple(Fact(**f) for f in data.get("facts", ())),
            checklist=tuple(ChecklistEntry(**c) for c in data.get("checklist", ())),
            checklist_action=data.get("checklist_action", ""),
            checklist_value=data.get("checklist_value", ""),
            checklist_submit=data.get("checklist_submit", ""),
            buttons=tuple(Button(**b) for b in data.get("buttons", ())),
            links=tuple(Link(**link) for link in data.get("links", ())),
            form=_form_from_dict(form) if form else None,
            sections=tuple(Section.from_dict(x) for x in data.get("sections", ())),
            footer=data.get("footer", ""),
            fallback=data.get("fallback", ""),
            meta=dict(data.get("meta", {})),
        )


def _plain(value: Any) -> Any:
    """Like dataclasses.asdict, without deep-copying every string on the way (outbox hot path)."""
    kind = type(value)
    if kind in _LEAVES:
        return value
    names = _FIELD_NAMES.get(kind)
    if names is None and is_dataclass(value) and not isinstance(value, type):
        names = _FIELD_NAMES[kind] = tuple(f.name for f in fields(value))
    if names is not None:
        return {name: _plain(getattr(value, name)) for name in names}
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


_LEAVES = frozenset({str, int, float, bool, type(None)})
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _form_from_dict(data: dict[str, Any]) -> Form:
    fields = tuple(
        FormField(**{**f, "choices": tuple(Choice(**c) for c in f.get("choices", ()))})
        for f in data["fields"]
    )
    return Form(
        action=data["action"],
        submit_label=data["submit_label"],
        fields=fields,
        value=data.get("value", ""),
        open_label=data.get("open_label", ""),
        problem=data.get("problem", ""),
    )


FILL_IN = "Please fill this in."
PICK_DATE = "Please put a date, like 12/02/2027."
PICK_OPTION = "Please choose one of the options."
_TRUE = ("true", "yes", "on", "1")


def _answer(field: FormField, answers: Mapping[str, str]) -> str:
    """What was typed in `field`; an unticked box sends nothing, so it reads as false, and a
    field not sent at all keeps the value it was shown with."""
    if field.kind == "checkbox":
        return "true" if answers.get(field.id, "").lower() in _TRUE else "false"
    return answers.get(field.id, field.value)


def _check(field: FormField, value: str) -> str:
    """What is wrong with one answer, or "" when nothing is."""
    if not value.strip():
        return FILL_IN if field.required and field.kind != "checkbox" else ""
    if field.kind == "date" and not _is_date(value.strip()):
        return PICK_DATE
    if field.kind == "select" and value not in {c.value for c in field.choices}:
        return PICK_OPTION
    if len(value) > field.max_length:
        return f"Please keep this to {field.max_length} characters."
    return ""


def _is_date(value: str) -> bool:
    """ISO (2027-02-12) or UK (12/02/2027), as people type dates."""
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            dt.datetime.strptime(value, pattern)
        except ValueError:
            continue
        return True
    return False
