"""Forms as Slack modals: opened from a message's form button, checked against the field.

A modal's problems are answered with `response_action: errors` keyed by the input's block id
(the form field's id, see bot/slack/render.py), so the person sees each beside its field.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from bot.slack.inbound import modal_metadata
from bot.slack.render import to_modal
from handlers.core.router import Inbound
from message_templates.model import FormField, Message

FILL_IN = "Please fill this in. Nothing has been saved yet."
PICK_DATE = "Please pick a date."
PICK_OPTION = "Please choose one of the options."


def modal_for(payload: dict[str, Any] | None, source_key: str) -> dict[str, Any] | None:
    """The modal for the form in the message stored as `payload`, or None if it has none."""
    if payload is None:
        return None
    message = Message.from_dict(payload)
    if message.form is None:
        return None
    metadata = modal_metadata(message.form.value, source_key)
    return to_modal(message, callback_id=message.form.action, private_metadata=metadata)


def field_errors(
    payload: dict[str, Any] | None, event: Inbound, problem: str | None = None
) -> dict[str, str]:
    """Problems keyed by block id: the form's own checks, or a handler's `problem` placed
    against the field it names (by its label), else against the first field."""
    fields = _fields(payload)
    if problem is None:
        found = ((f.id, _check(f, event.field(f.id))) for f in fields)
        return {block: text for block, text in found if text}
    named = [f for f in fields if f.label and f.label in problem]
    # several fields may share a label (each action's "Who will do it"): the one whose number
    # the problem names
    numbered = [f for f in named if any(_names(problem, n) for n in re.findall(r"\d+", f.id))]
    if named:
        return {(numbered or named)[0].id: problem}
    first = fields[0].id if fields else next((name for name, _ in event.fields), "")
    return {first: problem} if first else {}


def _names(problem: str, number: str) -> bool:
    return re.search(rf"(?<![\d.]){number}(?![\d.])", problem) is not None


def _fields(payload: dict[str, Any] | None) -> tuple[FormField, ...]:
    if payload is None:
        return ()
    form = Message.from_dict(payload).form
    return form.fields if form is not None else ()


def _check(field: FormField, value: str) -> str:
    """What is wrong with one answer, or "" when nothing is."""
    if not value.strip():
        return FILL_IN if field.required else ""
    if field.kind == "date" and not _is_date(value):
        return PICK_DATE
    if field.kind == "select" and value not in {c.value for c in field.choices}:
        return PICK_OPTION
    if len(value) > field.max_length:
        return f"Please keep this to {field.max_length} characters."
    return ""


def _is_date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True
