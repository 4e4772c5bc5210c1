"""Forms as Slack modals: opened from a message's form button, checked against the field.

A modal's problems are answered with `response_action: errors` keyed by the input's block id
(the form field's id, see bot/slack/render.py), so the person sees each beside its field.
"""

from __future__ import annotations

import re
from typing import Any

from bot.slack.inbound import modal_metadata
from bot.slack.render import to_modal
from handlers.core.router import Inbound
from message_templates.model import FormField, Message


def modal_for(payload: dict[str, Any] | None, source_key: str) -> dict[str, Any] | None:
    """The modal for the form in the message stored as `payload`, or None if it has none."""
    if payload is None:
        return None
    message = Message.from_dict(payload)
    if message.form is None:
        return None
    metadata = modal_metadata(message.form.value, source_key)
    return to_modal(message, callback_id=message.form.action, private_metadata=metadata)


def field_errors(payload: dict[str, Any] | None, event: Inbound, problem: str) -> dict[str, str]:
    """A handler's `problem` keyed by block id: against the field it names (by its label), else
    against the first field. (A form's own checks come back as the form itself, answered.)"""
    fields = _fields(payload)
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
