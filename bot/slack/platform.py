"""Slack as a delivery platform: DMs to people, posts to bound channels, updates in place.

Slack's answers become the dispatcher's terms: a 429 waits out its Retry-After, a person or
channel that cannot be found is a permanent failure (parked and reported to the QA team), and
anything else is retried with back-off.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.directory import PLATFORM, Directory, NotFound
from bot.slack.render import to_slack_message
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
DEFAULT_RETRY_AFTER = 30.0


class SlackPlatform:
    """Sends each outbox row with chat.postMessage, or chat.update for a sent message."""

    name = PLATFORM

    def __init__(self, client: AsyncWebClient, directory: Directory, sessions: Sessions) -> None:
        self.client = client  # shared with the /slack/events edge (bot/slack/wiring.py)
        self.directory = directory
        self._sessions = sessions

    async def send(self, recipient: str, message: Message) -> SendResult:
        body = to_slack_message(message)
        async with _translated_errors():
            channel = await self._conversation(recipient)
            posted = await self.client.chat_postMessage(channel=channel, **body)
        return SendResult(message_id=str(posted["ts"]), conversation=str(posted["channel"]))

    async def update(
        self, recipient: str, conversation: str, message_id: str, message: Message
    ) -> None:
        body = to_slack_message(message)
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


@asynccontextmanager
async def _translated_errors() -> AsyncIterator[None]:
    """Turns Slack's and the network's failures into PlatformError for the dispatcher."""
    try:
        yield
    except NotFound as error:
        raise PlatformError(f"slack_person_not_found:{error}", permanent=True) from None
    except SlackApiError as error:
        raise _from_slack(error) from None
    except (aiohttp.ClientError, TimeoutError) as error:
        raise PlatformError(f"slack_unreachable:{type(error).__name__}") from None


def _from_slack(error: SlackApiError) -> PlatformError:
    response = error.response
    if response.status_code == 429:
        return PlatformError("slack_rate_limited", retry_after=_retry_after(response.headers))
    code = str(response.get("error") or f"http_{response.status_code}")
    return PlatformError(f"slack:{code}", permanent=code in PERMANENT)


def _retry_after(headers: Mapping[str, object]) -> float:
    for name, value in headers.items():
        if name.lower() == "retry-after":
            try:
                return max(1.0, float(str(value)))
            except ValueError:
                break
    return DEFAULT_RETRY_AFTER
