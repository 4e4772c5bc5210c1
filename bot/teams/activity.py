"""Inbound activities read into a small frozen record, and translated to qabot's `Inbound`.

The JSON is first checked for the few fields qabot relies on, then validated by the Agents SDK's
`Activity` model. Anything that fails is `Malformed` (answered 400); the SDK's own error log of
a refused body (which echoes its fields) is filtered out so no body reaches the log.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from microsoft_agents.activity import Activity
from pydantic import ValidationError

from bot.teams.render import ticked_items
from handlers.core.router import Inbound
from message_templates.model import CHECKLIST_FIELD

PLATFORM = "teams"
MAX_TEXT = 4000
_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


class Malformed(ValueError):
    """Not a Teams activity qabot can read: answered 400."""


class _NoBodies(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Validation error for Activity")


logging.getLogger("microsoft_agents.activity.activity").addFilter(_NoBodies())


@dataclass(frozen=True)
class Incoming:
    """What qabot reads from an activity."""

    id: str
    type: str
    channel_id: str
    service_url: str
    conversation_id: str
    conversation_type: str
    tenant_id: str
    from_id: str
    from_aad_id: str
    recipient_id: str
    from_name: str = ""
    text: str = ""
    name: str = ""
    action: str = ""
    value: Any = None
    reply_to_id: str = ""
    members_added: tuple[str, ...] = ()
    members_removed: tuple[str, ...] = ()

    @property
    def is_personal(self) -> bool:
        return self.conversation_type in ("", "personal")


def parse_activity(body: bytes) -> Incoming:
    """The activity in `body`, or `Malformed` saying (without its content) what is wrong."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise Malformed("not JSON") from error
    if not isinstance(data, dict):
        raise Malformed("not a JSON object")
    for name in ("type", "id", "serviceUrl", "channelId"):
        if not isinstance(data.get(name), str) or not data[name]:
            raise Malformed(f"no {name}")
    for name in ("conversation", "from", "recipient"):
        if not isinstance(data.get(name), dict) or not isinstance(data[name].get("id"), str):
            raise Malformed(f"no {name} id")
    try:
        activity = Activity.model_validate(data)
    except (ValidationError, ValueError, TypeError) as error:
        raise Malformed("not an activity") from error
    return _incoming(activity)


def _incoming(activity: Activity) -> Incoming:
    conversation, sender = activity.conversation, activity.from_property
    assert conversation is not None and sender is not None and activity.recipient is not None
    return Incoming(
        id=str(activity.id),
        type=str(activity.type),
        channel_id=str(activity.channel_id),
        service_url=str(activity.service_url),
        conversation_id=conversation.id,
        conversation_type=conversation.conversation_type or "",
        tenant_id=conversation.tenant_id or "",
        from_id=sender.id,
        from_aad_id=(sender.aad_object_id or "").lower(),
        recipient_id=activity.recipient.id,
        from_name=sender.name or "",
        text=activity.text or "",
        name=activity.name or "",
        action=activity.action or "",
        value=activity.value,
        reply_to_id=activity.reply_to_id or "",
        members_added=tuple(m.id for m in activity.members_added or ()),
        members_removed=tuple(m.id for m in activity.members_removed or ()),
    )


def message_text(incoming: Incoming) -> str:
    """The words of a message: @mentions of qabot and any HTML markup taken out."""
    text = _TAG.sub(" ", _MENTION.sub(" ", incoming.text))
    text = text.replace("&nbsp;", " ").replace("&amp;", "&").replace("&lt;", "<")
    return " ".join(text.replace("&gt;", ">").split())[:MAX_TEXT]


def card_action(incoming: Incoming, staff_id: str, source_key: str) -> Inbound:
    """An `adaptiveCard/action` invoke as an action or a form: verb = our action id; the data's
    `value` is the action's value and every other entry a field, the checklist's toggles
    gathered into one "done" field of the items switched on."""
    action = incoming.value.get("action") if isinstance(incoming.value, dict) else None
    if not isinstance(action, dict) or not isinstance(action.get("verb"), str):
        raise Malformed("card action without a verb")
    data = action.get("data") if isinstance(action.get("data"), dict) else {}
    assert isinstance(data, dict)
    toggles = [k for k in data if str(k).startswith(CHECKLIST_FIELD + ".")]
    fields = tuple(
        (str(k), _text(v)) for k, v in data.items() if k not in ("value", "kind", *toggles)
    )
    if toggles:  # the checklist's toggles, as one "done" field like Slack's checkboxes
        ticked = ticked_items({str(k): _text(data[k]) for k in toggles})
        fields += ((CHECKLIST_FIELD, ",".join(ticked)),)
    return Inbound(
        platform=PLATFORM,
        event_id=incoming.id,
        staff_id=staff_id,
        kind="form" if data.get("kind") == "form" else "action",
        name=action["verb"][:200],
        value=_text(data.get("value", "")),
        fields=fields,
        source_key=source_key,
    )


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)[:MAX_TEXT] if value is not None else ""
