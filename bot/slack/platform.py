"""Slack as a delivery platform: DMs to people, posts to bound channels, updates in place.

Slack's answers become the dispatcher's terms: a 429 waits out its Retry-After, a person or
channel that cannot be found is a permanent failure (parked and reported to the QA team), and
anything else is retried with back-off.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.client import retry_after
from bot.slack.directory import PLATFORM, Directory, NotFound
from bot.slack.render import to_slack_messages
from message_templates.model import Message
from scheduler.dispatcher import PlatformError, SendResult
from storage import Sessions
from storage.channels import bindings

log = logging.getLogger(__name__)

# Slack errors retrying cannot fix: the message is parked for the QA team to see.
PERMANENT = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "user_not_found",
        "users_not_found",
        "user_disabled",
        "cannot_dm_bot",
        "message_not_found",
        "cant_update_message",
        "msg_too_long",
        "invalid_blocks",
        "no_text",
    }
)
# conversations.join's answers for a channel qabot cannot join by itself
PRIVATE = frozenset({"method_not_supported_for_channel_type", "channel_not_found"})


class SlackPlatform:
    """Sends each outbox row with chat.postMessage, or chat.update for a sent message.

    A message longer than Slack allows goes as several, in order (render.to_slack_messages);
    the first is the one later updated in place. A bound public channel qabot is not in yet is
    joined on the first post.
    """

    name = PLATFORM

    def __init__(self, client: AsyncWebClient, directory: Directory, sessions: Sessions) -> None:
        self.client = client  # shared with the /slack/events edge (bot/slack/wiring.py)
        self.directory = directory
        self._sessions = sessions
        self.delivered: list[Callable[[str], None]] = []  # told the staff id of each DM sent

    async def send(self, recipient: str, message: Message) -> SendResult:
        parts = to_slack_messages(message)
        async with _translated_errors():
            channel = await self._conversation(recipient)
            first = await self._post(channel, parts[0])
            for part in parts[1:]:
                await self._post(channel, part)
        kind, _, name = recipient.partition(":")
        if kind == "person":
            for listener in self.delivered:
                listener(name)
        return SendResult(message_id=str(first["ts"]), conversation=str(first["channel"]))

    async def _post(self, channel: str, body: dict[str, Any]) -> Any:
        try:
            return await self.client.chat_postMessage(channel=channel, **body)
        except SlackApiError as error:
            if error.response.get("error") != "not_in_channel" or channel.startswith("D"):
                raise
        if not await self.join(channel):
            raise PlatformError("slack:private_channel_needs_invite", permanent=True)
        return await self.client.chat_postMessage(channel=channel, **body)

    async def join(self, channel: str) -> bool:
        return await join_channel(self.client, channel)

    async def update(
        self, recipient: str, conversation: str, message_id: str, message: Message
    ) -> None:
        body = to_slack_messages(message)[0]
        async with _translated_errors():
            channel = conversation or await self._conversation(recipient)
            await self.client.chat_update(channel=channel, ts=message_id, **body)

    async def _conversation(self, recipient: str) -> str:
        kind, _, name = recipient.partition(":")
        if kind == "person":
            return await self.directory.dm_channel(name)
        async with self._sessions() as session:
            bound = {
                b.role: b.channel_id for b in await bindings(session) if b.platform == PLATFORM
            }
        if name not in bound:
            raise PlatformError(f"channel_role_not_bound:{name}", permanent=True)
        return bound[name]


async def join_channel(client: AsyncWebClient, channel: str) -> bool:
    """Join a public channel; False for a private one, which someone must /invite qabot to."""
    try:
        await client.conversations_join(channel=channel)
    except SlackApiError as error:
        if error.response.get("error") in PRIVATE:
            return False
        raise
    return True


@asynccontextmanager
async def _translated_errors() -> AsyncIterator[None]:
    """Turns Slack's and the network's failures into PlatformError for the dispatcher."""
    try:
        yield
    except NotFound as error:
        # the QA team hears of the people Slack cannot find in one list (Directory.unfound)
        raise PlatformError(
            f"slack_person_not_found:{error}", permanent=True, reported=error.reported
        ) from None
    except SlackApiError as error:
        raise _from_slack(error) from None
    except (aiohttp.ClientError, TimeoutError) as error:
        raise PlatformError(f"slack_unreachable:{type(error).__name__}") from None


def _from_slack(error: SlackApiError) -> PlatformError:
    response = error.response
    if response.status_code == 429:
        return PlatformError("slack_rate_limited", retry_after=retry_after(response.headers))
    code = str(response.get("error") or f"http_{response.status_code}")
    return PlatformError(f"slack:{code}", permanent=code in PERMANENT)
