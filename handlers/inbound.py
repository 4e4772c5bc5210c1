"""One unit of work per inbound event: dedupe, route, and queue the reply in the outbox."""

from __future__ import annotations

import logging

from handlers.deps import Deps
from handlers.router import Inbound, Reply, Router
from storage import inbound, outbox

log = logging.getLogger(__name__)


async def handle_event(deps: Deps, router: Router, event: Inbound) -> Reply | None:
    """Handle `event` once; a platform retry of the same event id changes nothing."""
    now = deps.clock.now()
    async with deps.sessions.begin() as session:
        if not await inbound.first_time(session, event.platform, event.event_id, now):
            log.info("event %s already handled", event.event_id)
            return None
        reply = await router.dispatch(session, event)
        recipient = f"person:{event.staff_id}"
        if reply.message is not None:
            await outbox.enqueue(
                session,
                key=f"reply:{event.platform}:{event.event_id}",
                recipient=recipient,
                platform=event.platform,
                message=reply.message,
                not_before=now,
            )
        if reply.update is not None and event.source_key:
            await outbox.update_in_place(session, event.source_key, reply.update, now)
    return reply
