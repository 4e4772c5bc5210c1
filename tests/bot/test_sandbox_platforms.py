"""The sandbox shows messages that went to Slack or Teams too, each labelled with where."""

from __future__ import annotations

import datetime as dt

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.sandbox.web import SandboxSite
from handlers.core.router import Inbound
from storage import Sessions
from tests.storage.test_conversations import T0, fill


async def test_the_sandbox_labels_what_went_to_slack_or_teams(sqlite_sessions: Sessions) -> None:
    await fill(sqlite_sessions)

    class StandingClock:
        def now(self) -> dt.datetime:
            return T0

        async def move_on(self, week: bool) -> None:
            raise AssertionError("time does not move in this test")

    async def ignore(event: Inbound) -> None:
        return None

    app = web.Application()
    SandboxSite(sqlite_sessions, ignore, StandingClock()).add_routes(app)
    async with TestClient(TestServer(app)) as client:
        channel = await (await client.get("/sandbox/channels/qa-team")).text()
    assert channel.count('class="message"') == 2
    assert channel.count('<span class="platform">in Slack</span>') == 1
    assert channel.count('<span class="platform">in Teams</span>') == 1
