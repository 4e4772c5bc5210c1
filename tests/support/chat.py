"""A chat message typed to qabot, or a button pressed, through the real router as the sandbox
passes it on."""

from __future__ import annotations

from handlers.capabilities import build_router
from handlers.core.deps import Deps
from handlers.core.inbound import handle_event
from handlers.core.router import Inbound
from message_templates.model import Message

_events = iter(range(1, 1_000_000))


async def say(deps: Deps, staff_id: str, text: str) -> Message:
    """Send `text` from `staff_id` and return qabot's answer (each message a new event id)."""
    return await _answer(deps, Inbound("sandbox", _event_id(), staff_id, "text", text=text))


async def click(deps: Deps, staff_id: str, action: str, value: str) -> Message:
    """Press the button `action` (with its `value`) as `staff_id`; qabot's answer."""
    return await _answer(deps, Inbound("sandbox", _event_id(), staff_id, "action", action, value))


def _event_id() -> str:
    return f"chat-{next(_events)}"


async def _answer(deps: Deps, event: Inbound) -> Message:
    reply = await handle_event(deps, build_router(deps), event)
    assert reply is not None and reply.message is not None
    return reply.message
