"""The Agents SDK's hosting, as qabot runs each checked activity through it.

qabot checks the token, the body and the activity first (bot/teams/endpoint.py), then hands the
activity to the SDK's `CloudAdapter`: its service-URL host validator (turned on, with Teams'
connector hosts as qabot's settings name them), its turn pipeline, and its invoke responses.

- `Checked`: the SDK's view of a request whose body qabot has already read and checked.
- `ConnectorHosts`: the SDK's host validator, allowing exactly qabot's connector hosts (the
  SDK's own list also allows Graph, SharePoint and blob storage, which no activity should name).
- `TurnClients`: the SDK's clients for a turn, with qabot's app token from msal (a secret or a
  PEM certificate; the SDK's msal connection reads certificates from PFX files only). Without a
  token the turn still runs: qabot's own replies are queued and delivered by its dispatcher.
  The SDK would make both clients afresh for every activity (each a new HTTP session, and a
  look through the installed packages' metadata for its User-Agent), which costs an invoke more
  than qabot's own work on it; they are made once and kept (a connector client per service URL
  and app token) until the server stops.
- `Turn`: the agent the SDK runs for one activity; qabot's routing answers it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web
from microsoft_agents.activity import Activity, ActivityTypes, InvokeResponse
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import (
    ChannelServiceClientFactoryBase,
    OutboundHostValidator,
    TurnContext,
)
from microsoft_agents.hosting.core.authorization import AuthenticationConstants, ClaimsIdentity
from microsoft_agents.hosting.core.connector.client import UserTokenClient
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient
from microsoft_agents.hosting.core.http import HttpResponse
from yarl import URL

from bot.teams.connector import Connector
from bot.teams.tokens import AppTokens
from scheduler.dispatcher import PlatformError

log = logging.getLogger(__name__)

Answer = Callable[[], Awaitable[dict[str, Any] | None]]


class Checked:
    """An HTTP request as the SDK reads one, over the body qabot already read and checked."""

    method = "POST"

    def __init__(
        self, request: web.Request, activity: dict[str, Any], identity: ClaimsIdentity
    ) -> None:
        self._request = request
        self._activity = activity
        self._identity = identity

    @property
    def headers(self) -> Mapping[str, str]:
        return self._request.headers

    async def json(self) -> dict[str, Any]:
        return self._activity

    def get_claims_identity(self) -> ClaimsIdentity:
        return self._identity

    def get_path_param(self, name: str) -> str:
        return self._request.match_info.get(name, "")


class ConnectorHosts(OutboundHostValidator):
    """The SDK's service-URL host validator, on, allowing qabot's connector hosts only."""

    def __init__(self, connector: Connector) -> None:
        super().__init__(enabled=True, include_default_microsoft_hosts=False)
        self._connector = connector

    def is_allowed(self, url: str | URL) -> bool:
        return self._connector.is_allowed(str(url))


class _KeptConnectorClient(TeamsConnectorClient):
    """A connector client kept between turns: the SDK's close at the end of a turn leaves it."""

    async def close(self) -> None:
        return None

    async def release(self) -> None:
        await super().close()


class _KeptUserTokenClient(UserTokenClient):
    """The user token client, kept between turns as the connector client is."""

    async def close(self) -> None:
        return None

    async def release(self) -> None:
        await super().close()


class TurnClients(ChannelServiceClientFactoryBase):
    """The connector client each turn carries, authorised with qabot's app token; no user token
    client is authorised (qabot signs nobody in). Both are kept between turns; `close` ends
    them."""

    def __init__(self, tokens: AppTokens, app_id: str) -> None:
        self._tokens = tokens
        self._app_id = app_id
        self._connectors: dict[tuple[str, str], _KeptConnectorClient] = {}
        self._user_tokens: _KeptUserTokenClient | None = None

    async def close(self) -> None:
        connectors, users = list(self._connectors.values()), self._user_tokens
        self._connectors.clear()
        self._user_tokens = None
        for connector in connectors:
            await connector.release()
        if users is not None:
            await users.release()

    async def create_connector_client(
        self,
        context: TurnContext | None,
        claims_identity: ClaimsIdentity,
        service_url: str,
        audience: str,
        scopes: list[str] | None = None,
        use_anonymous: bool = False,
    ) -> TeamsConnectorClient:
        try:
            token = await self._tokens.token()
        except PlatformError as error:  # qabot's replies go through its outbox, retried there
            log.warning("teams: the turn's connector client has no token: %s", error.reason)
            token = ""
        key = (service_url, token)
        found = self._connectors.get(key)
        if found is None:
            stale = [k for k in self._connectors if k[0] == service_url]  # an older token's
            for old in stale:
                await self._connectors.pop(old).release()
            found = self._connectors[key] = _KeptConnectorClient(endpoint=service_url, token=token)
        return found

    async def create_user_token_client(
        self, context: TurnContext, claims_identity: ClaimsIdentity, use_anonymous: bool = False
    ) -> UserTokenClient:
        if self._user_tokens is None:
            endpoint = AuthenticationConstants.AGENTS_SDK_OAUTH_URL
            self._user_tokens = _KeptUserTokenClient(endpoint, "", app_id=self._app_id)
        return self._user_tokens


class Turn:
    """The SDK's agent for one activity: `answer` routes it in qabot and gives an invoke's
    answer, which goes back as the SDK's invoke response."""

    def __init__(self, answer: Answer) -> None:
        self._answer = answer

    async def on_turn(self, context: TurnContext) -> None:
        body = await self._answer()
        if context.activity.type == ActivityTypes.invoke:
            response = InvokeResponse(status=200, body=body)
            await context.send_activity(
                Activity(type=ActivityTypes.invoke_response, value=response)
            )


def adapter(connector: Connector, clients: TurnClients) -> CloudAdapter:
    """The SDK's adapter; a turn's failure propagates to the endpoint (the SDK's default
    would post the error's text into the person's chat)."""
    found = CloudAdapter(
        channel_service_client_factory=clients, host_validator=ConnectorHosts(connector)
    )

    async def failed(context: TurnContext, error: Exception) -> None:
        raise error

    found.on_turn_error = failed
    return found


def to_response(answer: HttpResponse) -> web.Response:
    if answer.body is not None:
        return web.json_response(answer.body, status=answer.status_code)
    return web.Response(status=answer.status_code)
