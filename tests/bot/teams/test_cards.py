"""What the Teams platform sends: the card from render.py, its form and checklist submits marked
so the router sees a form, and an invoke's card action read back into qabot's terms."""

from __future__ import annotations

import json
from typing import Any

from platform_checks import card_errors, card_validator

from bot.teams.activity import Incoming, card_action
from bot.teams.platform import teams_activity, teams_card
from message_templates.model import Button, ChecklistEntry, Form, FormField, Message

RECORD = Message(
    kind="record",
    title="Record the audit",
    text="C-000101",
    checklist=(ChecklistEntry("read", "Read the file"), ChecklistEntry("met", "Met the child")),
    checklist_action="checklist.tick",
    checklist_value="7",
    buttons=(Button("Help", "help.show"),),
    form=Form("audit.record", "Save", (FormField("grade", "Grade", required=True),), value="7"),
    fallback="Record the audit",
)


def executes(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        own = [node] if node.get("type") == "Action.Execute" else []
        return own + [a for v in node.values() for a in executes(v)]
    if isinstance(node, list):
        return [a for v in node for a in executes(v)]
    return []


def test_form_and_checklist_submits_are_marked_and_buttons_are_not() -> None:
    activity = teams_activity(RECORD)
    kinds = {a["verb"]: a["data"].get("kind") for a in executes(activity)}
    assert kinds == {"checklist.tick": "form", "audit.record": "form", "help.show": None}
    assert activity["summary"] == "Record the audit"
    assert card_errors(teams_card(RECORD), card_validator()) == []


def test_a_card_submission_reads_back_as_a_form_with_its_fields() -> None:
    [save] = [a for a in executes(teams_card(RECORD)) if a["verb"] == "checklist.tick"]
    data = {**save["data"], "done.read": "true", "done.met": "false"}
    value = {"action": {"type": "Action.Execute", "verb": save["verb"], "data": data}}
    incoming = Incoming(
        id="f:1", type="invoke", channel_id="msteams", service_url="https://x/",
        conversation_id="a:1", conversation_type="personal", tenant_id="t", from_id="29:1",
        from_aad_id="aad", recipient_id="28:bot", name="adaptiveCard/action",
        value=json.loads(json.dumps(value)),
    )  # fmt: skip
    event = card_action(incoming, "S05", "audit.notified:7")
    assert (event.kind, event.name, event.value) == ("form", "checklist.tick", "7")
    assert dict(event.fields) == {"done": "read"}  # the toggles switched on, as Slack sends them
    assert event.event_id == "f:1" and event.source_key == "audit.notified:7"
