"""Socket Mode: qabot opens a WebSocket to Slack (SLACK_APP_TOKEN), so a council behind a
firewall needs no public address. Each envelope goes through the same listeners as
POST /slack/events (SlackEdge.dispatch): acknowledged first, slow work after, Slack's retries
recognised. The connection's Web API calls (apps.connections.open) use qabot's own client, so
QABOT_SLACK_API_URL applies to them too.
"""

from __future__ import annotations

import logging
import time

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.socket_mode.async_internals import send_async_response
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest

from bot.slack.edge import SlackEdge

log = logging.getLogger(__name__)


class SocketMode:
    """Socket Mode for the edge: connected by `start` (on the running loop), closed by `stop`."""

    def __init__(self, edge: SlackEdge, app_token: str, ping_interval: float = 10) -> None:
        self.edge = edge
        self._app_token = app_token
        self._ping_interval = ping_interval
        self.handler: _Handler | None = None

    async def start(self) -> None:
        """Connect (and keep reconnecting) in the background."""
        self.handler = _Handler(self.edge, self._app_token, self._ping_interval)
        await self.handler.connect_async()  # type: ignore[no-untyped-call]

    async def stop(self) -> None:
        if self.handler is not None:
            await self.handler.close_async()  # type: ignore[no-untyped-call]
            self.handler = None


class _Handler(AsyncSocketModeHandler):
    """Bolt's Socket Mode handler, with envelopes sent through the edge's `dispatch`."""

    def __init__(self, edge: SlackEdge, app_token: str, ping_interval: float) -> None:
        super().__init__(
            edge.app,
            app_token,
            logger=logging.getLogger("bot.slack.socket"),
            web_client=edge.client,
            ping_interval=ping_interval,
        )
        self.edge = edge

    async def handle(self, client: AsyncBaseSocketModeClient, req: SocketModeRequest) -> None:
        start = time.time()
        response = await self.edge.dispatch(req.payload, req.retry_attempt)
        await send_async_response(client, req, response, start)
