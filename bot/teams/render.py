"""Messages to Adaptive Cards 1.5 for Teams: pure functions building dicts, never JSON strings.

Buttons, the checklist's save and a form's submit are `Action.Execute` with `verb` = the action
id and `data` = {"value": …}. Checklist items are `Input.Toggle`s with id "done.<item id>";
`ticked_items` reads them back from a submission.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot._button_rows import button_rows
from message_templates.markup import Bullets, Line, Span, parse
from message_templates.model import (
    CHECKLIST_FIELD,
    Button,
    ChecklistEntry,
    Form,
    FormField,
    Message,
    Section,
)

Element = dict[str, Any]
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA_URL = "http://adaptivecards.io/schemas/adaptive-card.json"
_MARKDOWN = "\\*_[]`~"
# Teams shows at most six actions in a row (its host config's maxActions) and drops the rest.
MAX_ACTIONS = 6
_STYLES = {"primary": "positive", "danger": "destructive"}
_TRUE = ("true", "yes", "on", "1")


def to_teams_activity(message: Message) -> dict[str, Any]:
    """A message activity carrying the card, with a plain summary for notifications."""
    return {
        "type": "message",
        "summary": message.fallback or message.title,
        "attachments": [{"contentType": CARD_CONTENT_TYPE, "content": to_adaptive_card(message)}],
    }


def to_adaptive_card(message: Message) -> dict[str, Any]:
    """The message as an Adaptive Card 1.5, full width in Teams: a gathered message's sections
    each a Container with its own ActionSet."""
    body = _words(message) + _checklist(message)
    if message.form is not None:
        body += _form(message.form)
    links: list[Element] = [
        {"type": "Action.OpenUrl", "title": link.label, "url": link.url} for link in message.links
    ]
    body += [_section(message, section) for section in message.sections]
    rows = [[_execute(b) for b in row] for row in button_rows(message.buttons)]
    actions = [*(rows[0] if rows else []), *links]
    if len(rows) > 1 or len(actions) > MAX_ACTIONS:
        # each row its own set under the words
        body += _action_sets([*rows, links])
        actions = []
    if message.footer:
        body += [_text(p, isSubtle=True, size="Small") for p in to_markdown(message.footer)]
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA_URL,
        "version": "1.5",
        "fallbackText": message.fallback or message.title,
        "body": body,
        "msteams": {"width": "Full"},
    }
    if actions:
        card["actions"] = actions
    return card


def _section(message: Message, section: Section) -> Element:
    """One item of a gathered message: its words, checklist and buttons in one container."""
    part = message.with_section(section)
    rows = [[_execute(b) for b in row] for row in button_rows(section.buttons)]
    items = _words(part, heading="Default") + _checklist(part) + _action_sets(rows)
    return {"type": "Container", "separator": True, "spacing": "Large", "items": items}


def _action_sets(rows: list[list[Element]]) -> list[Element]:
    """An ActionSet per row, none with more actions than Teams shows."""
    return [
        {"type": "ActionSet", "actions": row[n : n + MAX_ACTIONS]}
        for row in rows
        for n in range(0, len(row), MAX_ACTIONS)
    ]


def ticked_items(data: Mapping[str, Any]) -> list[str]:
    """The checklist item ids a submission has switched on."""
    prefix = CHECKLIST_FIELD + "."
    return [
        key[len(prefix) :] for key, on in data.items() if key.startswith(prefix) and on == "true"
    ]


def literal(text: str) -> str:
    """Text shown as written: Markdown characters backslash-escaped."""
    return "".join("\\" + ch if ch in _MARKDOWN else ch for ch in text)


def to_markdown(text: str) -> list[str]:
    """Markdown-light to Teams TextBlock markdown, one string per paragraph or bullet list."""
    out = []
    for block in parse(text):
        if isinstance(block, Bullets):
            out.append("\r".join("- " + _line(item) for item in block.items))
        else:
            out.append(_line(block.line))
    return out


def _line(line: Line) -> str:
    return "".join(_span(span) for span in line)


def _span(span: Span) -> str:
    if span.kind == "bold":
        return f"**{literal(span.text)}**"
    if span.kind == "italic":
        return f"_{literal(span.text)}_"
    if span.kind == "link":
        url = span.url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
        return f"[{literal(span.text)}]({url})"
    return literal(span.text)


def _text(text: str, **style: Any) -> Element:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def _words(message: Message, heading: str = "Medium") -> list[Element]:
    body: list[Element] = []
    if message.title:
        title = literal(message.title)
        body.append(_text(title, size=heading, weight="Bolder", style="heading"))
    body += [_text(paragraph) for paragraph in to_markdown(message.text)]
    if message.facts:
        facts = [{"title": literal(f.label), "value": literal(f.value)} for f in message.facts]
        body.append({"type": "FactSet", "facts": facts})
    return body


def _checklist(message: Message) -> list[Element]:
    if not message.checklist:
        return []
    toggles: list[Element] = [_toggle(entry) for entry in message.checklist]
    save = Button(message.checklist_submit or "Save", message.checklist_action)
    submit = _execute(save, message.checklist_value, inputs="auto")
    return [*toggles, {"type": "ActionSet", "actions": [submit]}]


def _toggle(entry: ChecklistEntry) -> Element:
    return {
        "type": "Input.Toggle",
        "id": f"{CHECKLIST_FIELD}.{entry.id}",
        "title": entry.text,
        "value": "true" if entry.done else "false",
        "valueOn": "true",
        "valueOff": "false",
        "wrap": True,
    }


def _form(form: Form) -> list[Element]:
    body: list[Element] = []
    if form.problem:
        body.append(_text(literal(form.problem), color="Attention", weight="Bolder"))
    for field in form.fields:
        body.append(_input(field))
        if field.error:
            # beside its field, where the card came back holding what was typed
            body.append(_text(literal(field.error), color="Attention", spacing="None"))
        if field.hint:
            body.append(_text(literal(field.hint), isSubtle=True, size="Small", spacing="None"))
    submit = _execute(Button(form.submit_label, form.action, style="primary"), form.value, "auto")
    body.append({"type": "ActionSet", "actions": [submit]})
    return body


def _input(field: FormField) -> Element:
    element: Element
    if field.kind == "checkbox":
        on = "true" if field.value.lower() in _TRUE else "false"
        element = {"type": "Input.Toggle", "id": field.id, "title": field.label, "value": on}
        return element | {"valueOn": "true", "valueOff": "false", "wrap": True} | _required(field)
    element = {"type": "Input.Text", "id": field.id, "label": field.label}
    if field.kind in ("select", "person"):
        # a person is chosen from a list of people by name, role and team
        choices = [{"title": c.label, "value": c.value} for c in field.choices]
        element |= {"type": "Input.ChoiceSet", "choices": choices, "style": "compact"}
        if field.kind == "person":
            element["placeholder"] = "Choose a person"
    elif field.kind == "date":
        element["type"] = "Input.Date"
    else:
        element |= {"maxLength": field.max_length, "isMultiline": field.kind == "textarea"}
    if field.value:
        element["value"] = field.value
    return element | _required(field)


# What Teams shows under a required input left empty (it keeps the card from being sent)
_NEEDED = {
    "checkbox": "Please tick this.",
    "select": "Please choose one.",
    "date": "Please give a date.",
}


def _required(field: FormField) -> Element:
    if not field.required:
        return {}
    return {"isRequired": True, "errorMessage": _NEEDED.get(field.kind, "Please fill this in.")}


def _execute(button: Button, value: str | None = None, inputs: str = "none") -> Element:
    action: Element = {
        "type": "Action.Execute",
        "title": button.label,
        "verb": button.action,
        "data": {"value": button.value if value is None else value},
        "associatedInputs": inputs,
    }
    if button.style in _STYLES:
        action["style"] = _STYLES[button.style]
    return action
