"""The Slack scenario tests' council: see tests/support/slack_council.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from aiohttp.test_utils import TestClient, TestServer
from slack_api_standin import SlackApiStandIn, running
from slack_council import PEOPLE, Council, VirtualTime, load_council, start_qabot
from slack_socket_standin import SocketModeStandIn, running_socket
from slack_walk import Walk

from bot.app import Qabot, stop
from scheduler.clock import VirtualClock

APP_TOKEN = "xapp-1-test"


def workspace() -> SlackApiStandIn:
    emails = {f"{p[0].lower()}@council.example": f"U1{p[0]}" for p in PEOPLE if p[5] is None}
    return SlackApiStandIn(users=emails)


async def settle(qabot: Qabot) -> None:
    """Home tabs still being refreshed for messages the test delivered finish first."""
    if qabot.slack is not None:
        await qabot.slack.settle()


@pytest.fixture
async def council(migrated_sqlite_url: str) -> AsyncIterator[Council]:
    async with running(workspace()) as slack:
        time = VirtualTime()
        qabot = await start_qabot(migrated_sqlite_url, slack, time)
        await load_council(qabot)
        clock = qabot.deps.clock
        assert isinstance(clock, VirtualClock)
        async with TestClient(TestServer(qabot.web, host="127.0.0.1")) as http:
            yield Council(qabot, slack, http, clock, time)
        await settle(qabot)
        await stop(qabot)  # the work handed on after answers finishes before the pool closes
    assert slack.problems == [], "every Web API call as Slack's spec and Block Kit allow"


@asynccontextmanager
async def walking(database_url: str, socket_mode: bool) -> AsyncIterator[Walk]:
    """The council reached over HTTP, or over Socket Mode with SLACK_APP_TOKEN set."""
    async with running(workspace()) as slack, running_socket(SocketModeStandIn()) as socket:
        slack.socket_url = socket.url
        time = VirtualTime()
        token = APP_TOKEN if socket_mode else None
        qabot = await start_qabot(database_url, slack, time, app_token=token)
        await load_council(qabot)
        clock = qabot.deps.clock
        assert isinstance(clock, VirtualClock)
        assert (qabot.socket_mode is not None) == socket_mode
        if qabot.socket_mode is not None:
            await qabot.socket_mode.start()
        async with TestClient(TestServer(qabot.web, host="127.0.0.1")) as http:
            yield Walk(Council(qabot, slack, http, clock, time), socket if socket_mode else None)
        await settle(qabot)
        await stop(qabot)  # Socket Mode first, then the work handed on, then the pool
    assert slack.problems == [], "every Web API call as Slack's spec and Block Kit allow"


@pytest.fixture(params=["http", "socket"])
async def walk(request: pytest.FixtureRequest, migrated_sqlite_url: str) -> AsyncIterator[Walk]:
    async with walking(migrated_sqlite_url, request.param == "socket") as walked:
        yield walked


@pytest.fixture
async def socket_walk(migrated_sqlite_url: str) -> AsyncIterator[Walk]:
    async with walking(migrated_sqlite_url, True) as walked:
        yield walked
