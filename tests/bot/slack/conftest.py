"""The Slack scenario tests' council: see tests/support/slack_council.py."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from slack_api_standin import SlackApiStandIn, running
from slack_council import PEOPLE, Council, VirtualTime, load_council, start_qabot

from scheduler.clock import VirtualClock


@pytest.fixture
async def council(migrated_sqlite_url: str) -> AsyncIterator[Council]:
    emails = {f"{p[0].lower()}@council.example": f"U1{p[0]}" for p in PEOPLE if p[5] is None}
    async with running(SlackApiStandIn(users=emails)) as slack:
        time = VirtualTime()
        qabot = await start_qabot(migrated_sqlite_url, slack, time)
        await load_council(qabot)
        clock = qabot.deps.clock
        assert isinstance(clock, VirtualClock)
        async with TestClient(TestServer(qabot.web, host="127.0.0.1")) as http:
            yield Council(qabot, slack, http, clock, time)
        await qabot.engine.dispose()
    assert slack.problems == [], "every Web API call as Slack's spec and Block Kit allow"
