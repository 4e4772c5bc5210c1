"""The Bot Connector REST API, called only at Teams' own connector hosts (no SSRF).

A serviceUrl naming any other host is refused before anything is called. HTTP failures become
the dispatcher's `PlatformError`: 429 waits its Retry-After, 403 is permanent (the app is not
installed for the person, or they blocked it), 5xx and 412 are retried.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Any
from urllib.parse import quote, urlsplit

import aiohttp

from bot.teams.tokens import AppTokens
from scheduler.dispatcher import PlatformError

log = logging.getLogger(__name__)

TIMEOUT = aiohttp.ClientTimeout(total=15)
LOOPBACK = ("127.0.0.1", "localhost", "::1")
DEFAULT_RETRY_AFTER = 1.0


class Connector:
    """Sends, updates and looks up through the connector an activity's serviceUrl names."""

    def __init__(self, tokens: AppTokens, allowed_hosts: Collection[str]) -> None:
        self._tokens = tokens
        self._allowed = {h.lower() for h in allowed_hosts}
        self._http: aiohttp.ClientSession | None = None

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
        found = await self._call("POST", service_url, url, activity)
        return str(found.get("id", ""))

    async def update(
        self, service_url: str, conversation_id: str, activity_id: str, activity: dict[str, Any]
    ) -> None:
        url = f"{_conversation_url(service_url, conversation_id)}/activities/{quote(activity_id)}"
        await self._call("PUT", service_url, url, {**activity, "id": activity_id})

    async def member(
        self, service_url: str, conversation_id: str, member_id: str
    ) -> dict[str, Any]:
        """One member of a conversation, with their email and userPrincipalName."""
        url = f"{_conversation_url(service_url, conversation_id)}/members/{quote(member_id)}"
        return await self._call("GET", service_url, url, None)

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def _call(
        self, method: str, service_url: str, url: str, body: dict[str, Any] | None
    ) -> dict[str, Any]:
        if not self.is_allowed(service_url):
            raise PlatformError("service URL is not a Teams connector", permanent=True)
        headers = {"Authorization": f"Bearer {await self._tokens.token()}"}
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=TIMEOUT)
        try:
            async with self._http.request(method, url, json=body, headers=headers) as response:
                if response.status >= 400:
                    raise _failure(response.status, response.headers.get("Retry-After"))
                found = await response.json(content_type=None) if response.status != 204 else {}
        except (aiohttp.ClientError, TimeoutError) as error:
            raise PlatformError(f"connector unreachable ({type(error).__name__})") from error
        return found if isinstance(found, dict) else {}


def _conversation_url(service_url: str, conversation_id: str) -> str:
    return f"{service_url.rstrip('/')}/v3/conversations/{quote(conversation_id, safe='')}"


def _failure(status: int, retry_after: str | None) -> PlatformError:
    if status == 429:
        return PlatformError("teams 429", retry_after=_seconds(retry_after))
    if status == 403:
        return PlatformError(
            "teams 403: qabot is not installed for this person, or they blocked it",
            permanent=True,
        )
    if status == 404:
        return PlatformError("teams 404: the conversation is gone", permanent=True)
    if status in (401, 408, 412) or status >= 500:
        return PlatformError(f"teams {status}")
    return PlatformError(f"teams {status}", permanent=True)


def _seconds(retry_after: str | None) -> float:
    try:
        return max(0.0, float(retry_after)) if retry_after else DEFAULT_RETRY_AFTER
    except ValueError:
        return DEFAULT_RETRY_AFTER
