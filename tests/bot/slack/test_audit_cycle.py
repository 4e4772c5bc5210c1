"""The audit cycle end to end in Slack, through the real slack-bolt and slack_sdk against the
stand-ins, over HTTP and over Socket Mode: allocation DMs, a checklist tick updated in place,
the audit recorded in a modal, the practitioner's reflections, the moderation, and the action
closed with what was done."""

from __future__ import annotations

from typing import Any

from slack_council import allocate, reference
from slack_walk import Walk, clicked, filled, user_id_of
from sqlalchemy import func, select

from handlers.case_audit import keys
from handlers.case_audit.ids import (
    ACTION_DONE,
    CHECKLIST_TICK,
    OPEN_MODERATION,
    OPEN_RECORD,
    OPEN_REFLECTION,
)
from storage.models import (
    Action,
    Allocation,
    AuditRecord,
    ChecklistTick,
    Moderation,
    Person,
    Reflection,
)


def home_opened(user_id: str) -> dict[str, Any]:
    body = reference("bolt__test_events__valid_event_body_0.json")
    body["event"] = {"type": "app_home_opened", "user": user_id, "tab": "home",
                     "channel": "D0HOME", "event_ts": "1800000000.000200"}  # fmt: skip
    body["event_id"] = f"EvHome{user_id}"
    return body


def from_home(user_id: str, button: dict[str, Any]) -> dict[str, Any]:
    """A click on a button in the Home tab: its container is the view, not a message."""
    body = reference("bolt__test_block_actions__body.json")
    body["user"]["id"] = user_id
    body["container"] = {"type": "view", "view_id": "VHOME"}
    body.pop("channel", None)
    body["actions"] = [{"type": "button", "block_id": "b", "action_ts": "1800000200.000001",
                        **button}]  # fmt: skip
    return body


async def scalar(walk: Walk, query: Any) -> Any:
    async with walk.council.qabot.deps.sessions() as session:
        return await session.scalar(query)


async def staff_id(walk: Walk, person_pk: int) -> str:
    return str(await scalar(walk, select(Person.staff_id).where(Person.id == person_pk)))


async def test_the_audit_cycle_end_to_end(walk: Walk) -> None:
    await allocate(walk.council)
    allocation = await scalar(walk, select(Allocation).order_by(Allocation.id).limit(1))
    auditor = await staff_id(walk, allocation.auditor_id)
    practitioner = await staff_id(walk, allocation.practitioner_id)

    # The practitioner ticks the child-journey checklist in the DM; it updates in place.
    notified = await walk.row(keys.notified(allocation.id))
    boxes = next(
        b for b in walk.blocks_of(notified)
        if b["type"] == "actions" and b["elements"][0]["type"] == "checkboxes"
    )  # fmt: skip
    tick = {
        "type": "checkboxes",
        "action_id": CHECKLIST_TICK,
        "block_id": boxes["block_id"],
        "selected_options": boxes["elements"][0]["options"][:2],
    }
    assert (await walk.interact(clicked(notified, user_id_of(practitioner), tick))).status == 200
    assert await scalar(walk, select(func.count()).select_from(ChecklistTick)) == 2
    updated = [u["ts"] for u in walk.slack.called("chat.update")]
    assert notified.platform_message_id in updated

    # The auditor records the audit in a modal: a blank form is refused against its fields.
    allocated = await walk.row(keys.allocated(allocation.id))
    view = await walk.open_form(allocated, auditor, via=OPEN_RECORD)
    assert view["callback_id"] == "audit.record"
    refused = await walk.submit(view, auditor, {})
    assert refused.body is not None and refused.body["response_action"] == "errors"
    assert await scalar(walk, select(func.count()).select_from(AuditRecord)) == 0
    saved = await walk.submit(
        view, auditor, filled(view, {"grade": "Inadequate", "action_1": "Review the plan"})
    )
    assert saved.status == 200 and not (saved.body or {}).get("response_action")
    assert await scalar(walk, select(AuditRecord.grade)) == "Inadequate"

    # The practitioner reflects on it, from the button on their Home tab ("My QA").
    await walk.event(home_opened(user_id_of(practitioner)))
    home = walk.slack.called("views.publish")[-1]
    assert home["user_id"] == user_id_of(practitioner)
    reflect = next(
        e for b in home["view"]["blocks"] if b["type"] == "actions"
        for e in b["elements"] if e["action_id"] == OPEN_REFLECTION
    )  # fmt: skip
    opened = len(walk.slack.called("views.open"))
    await walk.interact(from_home(user_id_of(practitioner), reflect))
    assert len(walk.slack.called("views.open")) == opened + 1, "the modal opens at once"
    view = walk.slack.called("views.open")[-1]["view"]
    saved = await walk.submit(view, practitioner, filled(view, {}))
    assert not (saved.body or {}).get("response_action")
    reflections = select(func.count()).select_from(Reflection)
    assert await scalar(walk, reflections.where(Reflection.allocation_id == allocation.id)) >= 1

    # Every Inadequate audit is moderated.
    moderation = await scalar(walk, select(Moderation))
    moderator = await staff_id(walk, moderation.moderator_id)
    requested = await walk.row(keys.moderation_requested(moderation.id))
    view = await walk.open_form(requested, moderator, via=OPEN_MODERATION)
    saved = await walk.submit(view, moderator, {"agree": "yes", "comments": "Agreed."})
    assert not (saved.body or {}).get("response_action")
    assert await scalar(walk, select(Moderation.agrees)) is True

    # The action raised by the audit is closed with what was done.
    action = await scalar(walk, select(Action))
    owner = await staff_id(walk, action.owner_id)
    raised = await walk.row(keys.action_raised(action.id))
    view = await walk.open_form(raised, owner, via=ACTION_DONE)
    saved = await walk.submit(view, owner, filled(view, {}))
    assert not (saved.body or {}).get("response_action")
    assert await scalar(walk, select(Action.evidence)) is not None
    if walk.socket is not None:
        assert walk.slack.called("apps.connections.open"), "Socket Mode via QABOT_SLACK_API_URL"
