"""Slack payloads to qabot's Inbound events: pure functions, one per kind of payload.

The Slack `action_id` is qabot's action id. A checklist's checkboxes carry its value in their
block id (bot/slack/render.py); a modal's `callback_id` is the form's action and its
`private_metadata` holds the form's value and the outbox key of the message it came from.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

from bot.slack.render import OPEN_FORM, checklist_value_of
from handlers.core.router import Inbound
from message_templates.model import CHECKLIST_FIELD

PLATFORM = "slack"
Payload = dict[str, Any]


def action_event(body: Payload, staff_id: str, source_key: str) -> Inbound | None:
    """A button click or checklist change; None for anything qabot did not put there."""
    actions = body.get("actions") or []
    if not actions:
        return None
    action = actions[0]
    action_id = str(action.get("action_id", ""))
    if not action_id or action_id.startswith(OPEN_FORM):
        return None
    event_id = f"action:{body['user']['id']}:{action.get('action_ts', '')}"
    if action.get("type") == "checkboxes":
        ticked = ",".join(str(o["value"]) for o in action.get("selected_options") or [])
        return Inbound(
            platform=PLATFORM,
            event_id=event_id,
            staff_id=staff_id,
            kind="form",
            name=action_id,
            value=checklist_value_of(str(action.get("block_id", ""))),
            fields=((CHECKLIST_FIELD, ticked),),
            source_key=source_key,
        )
    return Inbound(
        platform=PLATFORM,
        event_id=event_id,
        staff_id=staff_id,
        kind="action",
        name=action_id,
        value=str(action.get("value", "")),
        source_key=source_key,
    )


def form_opener(body: Payload) -> tuple[str, str] | None:
    """The form action and value of an "open the form" button, or None if it is not one."""
    actions = body.get("actions") or []
    if not actions or not str(actions[0].get("action_id", "")).startswith(OPEN_FORM):
        return None
    action = actions[0]
    return str(action["action_id"]).removeprefix(OPEN_FORM), str(action.get("value", ""))


def modal_metadata(value: str, source_key: str) -> str:
    """What a modal carries back on submission: the form's value and its message's key."""
    return json.dumps({"value": value, "source_key": source_key}, separators=(",", ":"))


def submission_event(body: Payload, staff_id: str) -> Inbound:
    """A submitted modal as a form event; the event id changes whenever the answers do."""
    view = body["view"]
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        metadata = {}
    fields = tuple(submitted_fields(view.get("state", {}).get("values", {})))
    digest = hashlib.sha256(json.dumps(fields).encode()).hexdigest()[:16]
    return Inbound(
        platform=PLATFORM,
        event_id=f"view:{view['id']}:{digest}",
        staff_id=staff_id,
        kind="form",
        name=str(view.get("callback_id", "")),
        value=str(metadata.get("value", "")),
        fields=fields,
        source_key=str(metadata.get("source_key", "")),
        answered_in_form=True,  # the edge shows a handler's problem beside the modal's field
    )


def submitted_fields(values: dict[str, dict[str, Payload]]) -> Iterator[tuple[str, str]]:
    """Each input's answer as text: checklist ticks joined into one "done" field."""
    ticked: list[str] = []
    checklist = False
    for block_id, elements in values.items():
        for action_id, element in elements.items():
            if block_id.startswith(CHECKLIST_FIELD + "."):
                checklist = True
                ticked += [str(o["value"]) for o in element.get("selected_options") or []]
            else:
                yield action_id, element_value(element)
    if checklist:
        yield CHECKLIST_FIELD, ",".join(ticked)


def element_value(element: Payload) -> str:
    """An input element's submitted value as qabot's forms read it."""
    kind = element.get("type")
    if kind == "static_select":
        option = element.get("selected_option") or {}
        return str(option.get("value", ""))
    if kind == "datepicker":
        return str(element.get("selected_date") or "")
    if kind == "checkboxes":
        return "true" if element.get("selected_options") else "false"
    return str(element.get("value") or "")


def text_event(event_id: str, staff_id: str, text: str, channel: str = "") -> Inbound:
    """A DM or `/qa` command: free text the router matches by its first words; `channel` is
    the channel a `/qa` command was typed in ("" for a DM)."""
    words = " ".join(text.split())
    return Inbound(platform=PLATFORM, event_id=event_id, staff_id=staff_id, kind="text",
                   text=words or "help", channel=channel)  # fmt: skip


def command_channel(body: Payload) -> str:
    """The channel a slash command was typed in, or "" if it was a DM with qabot."""
    channel = str(body.get("channel_id", ""))
    if body.get("channel_name") == "directmessage" or channel.startswith("D"):
        return ""
    return channel


def is_person_dm(event: Payload) -> bool:
    """A person's own message in a DM with qabot (not an edit, a bot, or qabot itself)."""
    return (
        event.get("channel_type") == "im"
        and not event.get("subtype")
        and not event.get("bot_id")
        and bool(event.get("user"))
    )
