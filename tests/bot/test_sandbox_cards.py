"""GET /sandbox/people/{staff_id}/cards: each message to a person as the Adaptive Card qabot
would send them in Teams, for the sandbox's "Show as Teams shows it" view."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.app import build
from bot.settings import Settings
from bot.teams import teams_card
from message_templates.model import Message
from scheduler.clock import VirtualClock
from storage import make_engine, make_sessions
from storage.models import OutboxMessage, Person, Service, Team

Client = TestClient[web.Request, web.Application]
MONDAY = dt.datetime(2027, 1, 11, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
async def client(migrated_sqlite_url: str) -> AsyncIterator[tuple[Client, str]]:
    engine = make_engine(migrated_sqlite_url)
    async with make_sessions(engine).begin() as session:
        team = Team(name="Assessment", service=Service(name="Children"))
        session.add(Person(staff_id="S01", name="Sam Moss", email="s01@council.example",
                           role="practitioner", team=team))  # fmt: skip
    await engine.dispose()
    qabot = build(Settings(database_url=migrated_sqlite_url), clock=VirtualClock(MONDAY))
    async with TestClient(TestServer(qabot.web)) as client:
        yield client, migrated_sqlite_url
    await qabot.engine.dispose()


async def stored(url: str, key: str) -> Message:
    engine = make_engine(url)
    try:
        async with make_sessions(engine)() as session:
            payload = await session.scalar(
                select(OutboxMessage.payload).where(OutboxMessage.idempotency_key == key)
            )
    finally:
        await engine.dispose()
    assert payload is not None
    return Message.from_dict(payload)


async def test_each_message_comes_as_the_card_qabot_sends_to_teams(
    client: tuple[Client, str],
) -> None:
    http, url = client
    assert (await http.get("/sandbox/people/S01")).status == 200  # the welcome is sent
    found = await http.get("/sandbox/people/S01/cards")
    assert found.status == 200 and found.headers["Cache-Control"] == "no-store"
    cards = (await found.json())["cards"]
    assert list(cards) == ["reply:sandbox:hello:S01"]
    card = cards["reply:sandbox:hello:S01"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    assert card == teams_card(await stored(url, "reply:sandbox:hello:S01"))


async def test_a_stranger_gets_not_found(client: tuple[Client, str]) -> None:
    http, _ = client
    assert (await http.get("/sandbox/people/NOBODY/cards")).status == 404
