"""Installs and uninstalls in personal scope: remember the 1:1 conversation, match the person,
welcome them (once); forget the conversation on uninstall.

A Teams admin setup policy installs qabot for everyone, sending an installationUpdate and a
conversationUpdate per person, often weeks before their first allocation; both are handled the
same way and the welcome is said once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.teams.activity import PLATFORM, Incoming
from bot.teams.platform import TeamsPlatform
from bot.teams.references import Reference, forget, match_person, remember, user_address
from handlers.core.router import Inbound, Reply
from scheduler.clock import Clock
from scheduler.dispatcher import PlatformError

log = logging.getLogger(__name__)

Handle = Callable[[Inbound], Awaitable[Reply | None]]
UNMATCHED = (
    "Hello! I couldn't match your Teams account to anyone in the staff list, so I can't help "
    "you yet. Your QA team can add you, or correct your email address there."
)


class Installs:
    """What an install or uninstall of qabot for one person changes."""

    def __init__(self, platform: TeamsPlatform, handle: Handle, clock: Clock) -> None:
        self.platform = platform
        self.handle = handle
        self.clock = clock

    async def update(self, incoming: Incoming) -> None:
        if not incoming.is_personal or not incoming.from_aad_id:
            return  # qabot in a team's channels: binding channels is still to come
        if _is_removed(incoming):
            async with self.platform.sessions.begin() as session:
                await forget(session, user_address(incoming.from_aad_id))
            log.info("teams: uninstalled for a person; their conversation is forgotten")
        elif _is_added(incoming):
            await self._installed(incoming)

    async def _installed(self, incoming: Incoming) -> None:
        reference = Reference(
            service_url=incoming.service_url,
            conversation_id=incoming.conversation_id,
            tenant_id=incoming.tenant_id,
            bot_id=incoming.recipient_id,
        )
        emails = await self._emails(incoming)
        async with self.platform.sessions.begin() as session:
            await remember(session, user_address(incoming.from_aad_id), reference, self.clock.now())
            staff_id = await match_person(session, incoming.from_aad_id, emails)
        if staff_id is None:
            log.info("teams: installed by someone not in the staff list")
            await self.say(incoming, UNMATCHED)
            return
        await self.handle(
            Inbound(platform=PLATFORM, event_id=incoming.id, staff_id=staff_id, kind="hello")
        )

    async def _emails(self, incoming: Incoming) -> list[str]:
        """The installer's email and userPrincipalName, looked up through the connector."""
        try:
            member = await self.platform.connector.member(
                incoming.service_url, incoming.conversation_id, incoming.from_id
            )
        except PlatformError as error:
            log.warning("teams: could not look up a new member: %s", error.reason)
            return []
        return [str(member[k]) for k in ("email", "userPrincipalName") if member.get(k)]

    async def say(self, incoming: Incoming, text: str) -> None:
        """A plain reply into the activity's own conversation (for people qabot can't match)."""
        activity: dict[str, Any] = {"type": "message", "text": text}
        await self.platform.connector.send(incoming.service_url, incoming.conversation_id, activity)


def _is_added(incoming: Incoming) -> bool:
    if incoming.type == "installationUpdate":
        return incoming.action.startswith("add")
    return incoming.recipient_id in incoming.members_added


def _is_removed(incoming: Incoming) -> bool:
    if incoming.type == "installationUpdate":
        return incoming.action.startswith("remove")
    return incoming.recipient_id in incoming.members_removed
