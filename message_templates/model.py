"""The neutral message model: only what qabot's messages need, rendered per platform in bot/."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, Literal

ButtonStyle = Literal["primary", "danger", "default"]
FieldKind = Literal["text", "textarea", "select", "date", "checkbox"]
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
    """One input of a form; `id` is the key the submission carries."""

    id: str
    label: str
    kind: FieldKind = "text"
    required: bool = False
    choices: tuple[Choice, ...] = ()
    value: str = ""
    hint: str = ""
    max_length: int = 3000


@dataclass(frozen=True)
class Form:
    """Fields submitted together as `action` (with `value` as context, e.g. an allocation id)."""

    action: str
    submit_label: str
    fields: tuple[FormField, ...]
    value: str = ""
    open_label: str = ""  # the button that opens the form where forms open apart (Slack modals)


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
    )
