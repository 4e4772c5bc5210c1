"""Installs and uninstalls in personal scope: remember the 1:1 conversation, match the person,
welcome them (once); forget the conversation on uninstall.

A Teams admin setup policy installs qabot for everyone, sending an installationUpdate and a
conversationUpdate per person, often weeks before their first allocation; both are handled the
same way and the welcome is said once. Someone qabot cannot match is told so politely, and the
QA team hears of them once (keyed by their AAD object id, however many events come).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.teams.activity import PLATFORM, Incoming
from bot.teams.platform import TeamsPlatform
from bot.teams.references import Reference, forget, match_person, remember, user_address
from handlers.core.delivery import CHANNEL, enqueue
from handlers.core.deps import Deps, Wording
from handlers.core.router import Inbound, Reply
from message_templates.model import Message
from scheduler.dispatcher import PlatformError

log = logging.getLogger(__name__)

Handle = Callable[[Inbound], Awaitable[Reply | None]]
Deliver = Callable[[], None]  # a delivery pass soon, after the answer
UNMATCHED = (
    "Hello! I couldn't match your Teams account to anyone in the staff list, so I can't help "
    "you yet. Your QA team can add you, or correct your email address there."
)


class Installs:
    """What an install or uninstall of qabot for one person changes."""

    def __init__(
        self, platform: TeamsPlatform, handle: Handle, deps: Deps, deliver: Deliver
    ) -> None:
        self.platform = platform
        self.handle = handle
        self.deps = deps
        self.deliver = deliver

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
        member = await self._member(incoming)
        emails = _emails(member)
        now = self.deps.clock.now()
        async with self.deps.sessions.begin() as session:
            await remember(session, user_address(incoming.from_aad_id), reference, now)
            staff_id = await match_person(session, incoming.from_aad_id, emails)
            if staff_id is None:
                name = str(member.get("name") or incoming.from_name)
                notice = unmatched_notice(self.deps.wording, name, emails)
                key = f"unmatched:{PLATFORM}:{incoming.from_aad_id}"
                recipient = CHANNEL + self.deps.qa_channel
                await enqueue(self.deps, session, key=key, recipient=recipient, message=notice,
                              not_before=now)  # fmt: skip
        if staff_id is None:
            log.info("teams: installed by someone not in the staff list")
            await self.say(incoming, UNMATCHED)
            self.deliver()
            return
        await self.handle(
            Inbound(platform=PLATFORM, event_id=incoming.id, staff_id=staff_id, kind="hello")
        )

    async def match(self, incoming: Incoming) -> str | None:
        """The staff id of a sender not yet known by their AAD object id: looked up through the
        connector and matched by email (the staff list may have been corrected since)."""
        emails = _emails(await self._member(incoming))
        if not emails:
            return None
        async with self.deps.sessions.begin() as session:
            return await match_person(session, incoming.from_aad_id, emails)

    async def _member(self, incoming: Incoming) -> dict[str, Any]:
        """The sender as the connector knows them (email, userPrincipalName, name)."""
        try:
            return await self.platform.connector.member(
                incoming.service_url, incoming.conversation_id, incoming.from_id
            )
        except PlatformError as error:
            log.warning("teams: could not look up a member: %s", error.reason)
            return {}

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


def _emails(member: dict[str, Any]) -> list[str]:
    return [str(member[k]) for k in ("email", "userPrincipalName") if member.get(k)]


def unmatched_notice(wording: Wording, name: str, emails: list[str]) -> Message:
    """The QA team's word that someone added qabot in Teams but is not in the staff list."""
    distinct = list({email.lower(): email for email in reversed(emails)}.values())[::-1]
    return wording.compose("unmatched_person", {"platform": PLATFORM, "name": name,
                                                "emails": distinct})  # fmt: skip
