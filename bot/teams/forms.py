"""A form sent back with a problem that is not about one of its answers (the audit recorded
meanwhile, say): the same card, what was typed kept, the problem above the form's button.
Nothing was stored: the handler refused the whole submission. Problems with the answers come
back as the handler's own form (FormProblems), each beside its field."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.teams.platform import PROBLEM, teams_card
from bot.teams.render import literal
from handlers.core.router import Inbound
from message_templates.model import Message

Element = dict[str, Any]
__all__ = ["PROBLEM", "form_again"]


def form_again(source: Message, event: Inbound, problem: Message) -> Element | None:
    """The card of `source` with the form's fields as `event` sent them and `problem` shown;
    None when `source` holds no form."""
    form = source.form
    if form is None:
        return None
    typed = dict(event.fields)
    fields = tuple(replace(f, value=typed.get(f.id, f.value)) for f in form.fields)
    card = teams_card(replace(source, form=replace(form, fields=fields)))
    said = {
        "type": "TextBlock",
        "text": literal(problem.fallback or problem.text),
        "color": "Attention",
        "weight": "Bolder",
        "wrap": True,
        "spacing": "Small",
    }
    _insert(card["body"], lambda e: _submits(e, form.action), said)
    return card


def _submits(element: Element, verb: str) -> bool:
    actions = element.get("actions") if element.get("type") == "ActionSet" else None
    return isinstance(actions, list) and any(a.get("verb") == verb for a in actions)


def _insert(items: list[Any], match: Any, block: Element) -> bool:
    """Put `block` before the first element `match` accepts, however deep; True if placed."""
    for index, element in enumerate(items):
        if not isinstance(element, dict):
            continue
        if match(element):
            items.insert(index, block)
            return True
        for key in ("items", "body"):
            inner = element.get(key)
            if isinstance(inner, list) and _insert(inner, match, block):
                return True
    return False
