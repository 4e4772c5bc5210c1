"""A Socket Mode stand-in on loopback: the WebSocket Slack hands an app from
apps.connections.open. It says hello, sends envelopes as Slack does, and collects the app's
acknowledgements by envelope id."""

from __future__ import annotations

import asyncio
import copy
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestServer
from platform_checks import shared_reference

ACK_WITHIN = 10.0  # seconds of real time a test waits for an acknowledgement


def socket_reference(name: str) -> dict[str, Any]:
    path = shared_reference(f"reference/slack/payloads/{name}")
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return copy.deepcopy(loaded)


class SocketModeStandIn:
    """Slack's end of a Socket Mode connection."""

    def __init__(self) -> None:
        self.url = ""
        self.connections = 0
        self.acks: dict[str, dict[str, Any]] = {}
        self.connected = asyncio.Event()
        self._ws: web.WebSocketResponse | None = None
        self._arrived: dict[str, asyncio.Event] = {}

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/link", self._link)
        return app

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._ws = ws
        self.connections += 1
        await ws.send_str(json.dumps(socket_reference("sdk__socket_mode_hello_message.json")))
        self.connected.set()
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                continue
            answer = json.loads(message.data)
            envelope_id = str(answer.get("envelope_id", ""))
            self.acks[envelope_id] = answer
            self._arrived.setdefault(envelope_id, asyncio.Event()).set()
        return ws

    async def send(
        self, kind: str, payload: dict[str, Any], retry_attempt: int | None = None
    ) -> dict[str, Any]:
        """Send one envelope (kind: events_api, interactive or slash_commands) and wait for the
        app's acknowledgement of it, which is returned."""
        template = {
            "events_api": "sdk__socket_mode_envelope_3_events_api.json",
            "interactive": "sdk__socket_mode_envelope_4_interactive.json",
            "slash_commands": "sdk__socket_mode_envelope_0_slash_commands.json",
        }[kind]
        envelope = socket_reference(template)
        envelope.update(envelope_id=str(uuid.uuid4()), payload=payload)
        if retry_attempt is not None:
            envelope.update(retry_attempt=retry_attempt, retry_reason="timeout")
        arrived = self._arrived.setdefault(envelope["envelope_id"], asyncio.Event())
        await asyncio.wait_for(self.connected.wait(), ACK_WITHIN)
        assert self._ws is not None
        await self._ws.send_str(json.dumps(envelope))
        await asyncio.wait_for(arrived.wait(), ACK_WITHIN)
        return self.acks[envelope["envelope_id"]]


@asynccontextmanager
async def running_socket(stand_in: SocketModeStandIn) -> AsyncIterator[SocketModeStandIn]:
    server = TestServer(stand_in.app(), host="127.0.0.1")
    await server.start_server()
    stand_in.url = str(server.make_url("/link")).replace("http://", "ws://")
    try:
        yield stand_in
    finally:
        if stand_in._ws is not None:
            await stand_in._ws.close()
        await server.close()
