"""The plain-text version of any message: for notifications, screen readers and the terminal."""

from __future__ import annotations

from message_templates.markup import to_plain
from message_templates.model import Button, Form, Message, Section


def to_plain_text(message: Message) -> str:
    """Title, words without markup, facts as "Label: value", checklist as "[x] item", buttons."""
    sections = [
        message.title,
        to_plain(message.text),
        "\n".join(f"{fact.label}: {fact.value}" for fact in message.facts),
        "\n".join(f"[{'x' if e.done else ' '}] {e.text}" for e in message.checklist),
        _form_text(message.form) if message.form else "",
        "\n".join(f"{link.label}: {link.url}" for link in message.links),
        _buttons_text(message.buttons),
        *(_section_text(section) for section in message.sections),
        to_plain(message.footer),
    ]
    return "\n\n".join(section for section in sections if section)


def _section_text(section: Section) -> str:
    """A gathered item under a rule: its heading, words, facts, checklist and buttons."""
    parts = [
        section.title,
        to_plain(section.text),
        "\n".join(f"{fact.label}: {fact.value}" for fact in section.facts),
        "\n".join(f"[{'x' if e.done else ' '}] {e.text}" for e in section.checklist),
        _buttons_text(section.buttons),
    ]
    return "\n".join(["———", *(part for part in parts if part)])


def _form_text(form: Form) -> str:
    lines = []
    for field in form.fields:
        mark = " (required)" if field.required else ""
        shown = f": {field.value}" if field.value else ""
        choices = f" [{' / '.join(c.label for c in field.choices)}]" if field.choices else ""
        lines.append(f"{field.label}{mark}{choices}{shown}")
    lines.append(f"[{form.submit_label}]")
    return "\n".join(lines)


def _buttons_text(buttons: tuple[Button, ...]) -> str:
    return "  ".join(f"[{button.label}]" for button in buttons)
