"""One unit of work per inbound event: dedupe, route, and queue the reply in the outbox."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.deps import Deps
from handlers.core.router import Inbound, Reply, Router
from handlers.errors import UserError
from storage import inbound, outbox

log = logging.getLogger(__name__)


async def handle_event(deps: Deps, router: Router, event: Inbound) -> Reply | None:
    """Handle `event` once; a platform retry of the same event id changes nothing.

    A handler that fails changes nothing: its transaction is rolled back whole, and a second
    one records the event as seen and queues the polite answer to the problem.
    """
    now = deps.clock.now()
    try:
        async with deps.sessions.begin() as session:
            if not await _first_time(session, event, now):
                return None
            reply = await router.dispatch(session, event)
            await _answer(session, event, reply, now)
        return reply
    except Exception as error:  # a handler's problem or failure, answered below
        reply = router.failed(event, error)
        # shown beside the form's field by the edge: not a message too
        shown = event.answered_in_form and isinstance(error, UserError)
    async with deps.sessions.begin() as session:
        if not await _first_time(session, event, now):
            return None
        await _answer(session, event, Reply() if shown else reply, now)
    return reply


async def _first_time(session: AsyncSession, event: Inbound, now: dt.datetime) -> bool:
    if await inbound.first_time(session, event.platform, event.event_id, now):
        return True
    log.info("event %s already handled", event.event_id)
    return False


async def _answer(session: AsyncSession, event: Inbound, reply: Reply, now: dt.datetime) -> None:
    """Queue the reply to the person, and the update to the message they acted on."""
    if reply.message is not None:
        await outbox.enqueue(
            session,
            key=f"reply:{event.platform}:{event.event_id}",
            recipient=f"person:{event.staff_id}",
            platform=event.platform,
            message=reply.message,
            not_before=now,
        )
    if reply.update is not None and event.source_key:
        await outbox.update_in_place(session, event.source_key, reply.update, now)
