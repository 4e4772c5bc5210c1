"""The Bot Connector REST API, called only at Teams' own connector hosts (no SSRF).

A serviceUrl naming any other host is refused before anything is called. Every request is paced
within Teams' limits (bot/teams/pacing.py). HTTP failures become the dispatcher's
`PlatformError`: a 429 holds the conversation for its Retry-After (else a jittered backoff) and
hands the row back; 412, 502 and 504 are retried here a few times with jittered backoff, then by
the dispatcher; 403 is `Unreachable` (the app is not installed for the person, or they blocked
it) and 404 `ConversationGone`, both permanent.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Any
from urllib.parse import quote, urlsplit

import aiohttp

from bot.teams.pacing import Pacer
from bot.teams.tokens import AppTokens
from scheduler.dispatcher import PlatformError

log = logging.getLogger(__name__)

TIMEOUT = aiohttp.ClientTimeout(total=15)
LOOPBACK = ("127.0.0.1", "localhost", "::1")
TRANSIENT = (412, 502, 504)  # Teams' advice: retry these with exponential backoff
TRIES = 3  # attempts at a transient failure before the dispatcher's own retry takes over


class Unreachable(PlatformError):
    """403: qabot is not installed for the person, or they blocked or uninstalled it. Parked
    without an alert each: the platform lists such people to the QA team once."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, permanent=True, reported=True)


class ConversationGone(PlatformError):
    """404: the conversation no longer exists (it may be created again)."""

    def __init__(self) -> None:
        super().__init__("teams 404: the conversation is gone", permanent=True)


class Connector:
    """Sends, updates, creates conversations and looks up members through the connector at a
    serviceUrl, paced within Teams' limits."""

    def __init__(
        self, tokens: AppTokens, allowed_hosts: Collection[str], pacer: Pacer | None = None
    ) -> None:
        self._tokens = tokens
        self._allowed = {h.lower() for h in allowed_hosts}
        self._http: aiohttp.ClientSession | None = None
        self.pacer = pacer or Pacer()

    def is_allowed(self, service_url: str) -> bool:
        """Whether `service_url` is one of Teams' connectors: https at an allowed host (plain
        http only for an allowed loopback host, as a local stand-in)."""
        try:
            parts = urlsplit(service_url)
            host, netloc = (parts.hostname or "").lower(), parts.netloc.lower()
        except ValueError:
            return False
        if host not in self._allowed and netloc not in self._allowed:
            return False
        return parts.scheme == "https" or (parts.scheme == "http" and host in LOOPBACK)

    async def send(self, service_url: str, conversation_id: str, activity: dict[str, Any]) -> str:
        """Post `activity` to the conversation; returns the new activity's id."""
        url = _conversation_url(service_url, conversation_id) + "/activities"
        found = await self._call("POST", service_url, url, activity, conversation_id)
        return str(found.get("id", ""))

    async def update(
        self, service_url: str, conversation_id: str, activity_id: str, activity: dict[str, Any]
    ) -> None:
        url = f"{_conversation_url(service_url, conversation_id)}/activities/{quote(activity_id)}"
        await self._call("PUT", service_url, url, {**activity, "id": activity_id}, conversation_id)

    async def member(
        self, service_url: str, conversation_id: str, member_id: str
    ) -> dict[str, Any]:
        """One member of a conversation, with their email and userPrincipalName."""
        url = f"{_conversation_url(service_url, conversation_id)}/members/{quote(member_id)}"
        return await self._call("GET", service_url, url, None, None)

    async def create_personal(
        self, service_url: str, *, bot_id: str, user_id: str, tenant_id: str
    ) -> str:
        """The 1:1 conversation between the bot and a user (by AAD object id), created if need
        be; its id. A 403 means qabot is not installed for them."""
        body = {
            "bot": {"id": bot_id},
            "members": [{"id": user_id}],
            "isGroup": False,
            "tenantId": tenant_id,
            "channelData": {"tenant": {"id": tenant_id}},
        }
        found = await self._call("POST", service_url, _conversations(service_url), body, None)
        conversation = found.get("id")
        if not isinstance(conversation, str) or not conversation:
            raise PlatformError("teams: created a conversation without an id")
        return conversation

    async def post_to_channel(
        self,
        service_url: str,
        *,
        bot_id: str,
        channel_id: str,
        tenant_id: str,
        activity: dict[str, Any],
    ) -> tuple[str, str]:
        """A new thread in a team's channel: (the thread's conversation id, the activity id)."""
        body = {
            "bot": {"id": bot_id},
            "isGroup": True,
            "tenantId": tenant_id,
            "channelData": {"channel": {"id": channel_id}, "tenant": {"id": tenant_id}},
            "activity": activity,
        }
        url = _conversations(service_url)
        found = await self._call("POST", service_url, url, body, channel_id)
        thread, activity_id = found.get("id"), found.get("activityId")
        if not isinstance(thread, str) or not thread:
            raise PlatformError("teams: a channel post came back without a conversation id")
        return thread, str(activity_id or thread.rpartition("=")[2])

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def _call(
        self,
        method: str,
        service_url: str,
        url: str,
        body: dict[str, Any] | None,
        conversation: str | None,
    ) -> dict[str, Any]:
        """One request, paced against `conversation` (None: against the tenant only)."""
        if not self.is_allowed(service_url):
            raise PlatformError("service URL is not a Teams connector", permanent=True)
        for attempt in range(1, TRIES + 1):
            token = await self._tokens.token()  # first, so the request goes as soon as paced
            await self.pacer.wait(conversation)
            try:
                status, retry_after, found = await self._request(method, url, body, token)
            finally:
                self.pacer.landed(conversation)
            if status < 400:
                if conversation:
                    self.pacer.accepted(conversation)
                return found
            if status == 429:
                raise self._refused(conversation, retry_after)
            if status not in TRANSIENT or attempt == TRIES:
                raise _failure(status)
            await self.pacer.sleep(self.pacer.backoff.seconds(attempt, self.pacer.rng))
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    async def _request(
        self, method: str, url: str, body: dict[str, Any] | None, token: str
    ) -> tuple[int, str | None, dict[str, Any]]:
        headers = {"Authorization": f"Bearer {token}"}
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=TIMEOUT)
        try:
            async with self._http.request(method, url, json=body, headers=headers) as response:
                if response.status >= 400:
                    return response.status, response.headers.get("Retry-After"), {}
                found = await response.json(content_type=None) if response.status != 204 else {}
        except (aiohttp.ClientError, TimeoutError) as error:
            raise PlatformError(f"connector unreachable ({type(error).__name__})") from error
        return response.status, None, found if isinstance(found, dict) else {}

    def _refused(self, conversation: str | None, retry_after: str | None) -> PlatformError:
        """A 429: hold the conversation for Retry-After, or back off with jitter without one."""
        seconds = _seconds(retry_after)
        if conversation is None:
            seconds = self.pacer.backoff.seconds(1, self.pacer.rng) if seconds is None else seconds
        elif seconds is None:
            seconds = self.pacer.refused(conversation)
        else:
            self.pacer.hold(conversation, seconds)
        return PlatformError("teams 429", retry_after=seconds)


def _conversations(service_url: str) -> str:
    return f"{service_url.rstrip('/')}/v3/conversations"


def _conversation_url(service_url: str, conversation_id: str) -> str:
    return f"{_conversations(service_url)}/{quote(conversation_id, safe='')}"


def _failure(status: int) -> PlatformError:
    if status == 403:
        return Unreachable("teams 403: qabot is not installed for this person, or they blocked it")
    if status == 404:
        return ConversationGone()
    if status in (401, 408) or status in TRANSIENT or status >= 500:
        return PlatformError(f"teams {status}")
    return PlatformError(f"teams {status}", permanent=True)


def _seconds(retry_after: str | None) -> float | None:
    """Retry-After in seconds, or None if absent or not a number of seconds."""
    try:
        return max(0.0, float(retry_after)) if retry_after else None
    except ValueError:
        return None
