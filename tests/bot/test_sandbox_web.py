"""The sandbox's pages through the real aiohttp app: whatever a person types is answered in
the conversation, never with an error page."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.app import build
from bot.settings import Settings
from scheduler.clock import VirtualClock
from storage import make_engine, make_sessions
from storage.models import Person, Service, Team

Client = TestClient[web.Request, web.Application]
MONDAY = dt.datetime(2027, 1, 11, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
async def client(migrated_sqlite_url: str) -> AsyncIterator[Client]:
    engine = make_engine(migrated_sqlite_url)
    async with make_sessions(engine).begin() as session:
        children = Service(name="Children")
        assessment, fostering = (
            Team(name="Assessment", service=children),
            Team(name="Fostering", service=children),
        )
        for staff_id, name, role, team in (
            ("S01", "Sam Moss", "practitioner", assessment),
            ("S02", "Sam Moss", "qa_manager", fostering),
        ):
            email = f"{staff_id.lower()}@council.example"
            session.add(Person(staff_id=staff_id, name=name, email=email, role=role, team=team))
    await engine.dispose()
    qabot = build(Settings(database_url=migrated_sqlite_url), clock=VirtualClock(MONDAY))
    async with TestClient(TestServer(qabot.web)) as client:
        yield client
    await qabot.engine.dispose()


async def _say(client: Client, text: str) -> str:
    """Type `text` as S01 and return the conversation page it leads back to."""
    page = await (await client.get("/sandbox/people/S01")).text()
    event_id = re.search(r'name="event_id" value="([0-9a-f]+)"', page)
    assert event_id is not None
    said = await client.post(
        "/sandbox/people/S01/say",
        data={"event_id": event_id.group(1), "text": text},
        allow_redirects=False,
    )
    assert said.status == 303, await said.text()
    shown = await client.get(said.headers["Location"])
    assert shown.status == 200
    return await shown.text()


async def test_a_blank_message_is_answered_in_the_conversation(client: Client) -> None:
    page = await _say(client, "   ")
    assert 'data-kind="not_caught"' in page and "That message was empty" in page


async def test_an_over_long_message_is_answered_in_the_conversation(client: Client) -> None:
    page = await _say(client, "help " + "x" * 9000)
    assert "too long for me to read" in page and "2,000 characters" in page
    assert 'data-kind="help"' not in page


async def test_unknown_words_get_i_didnt_catch_that(client: Client) -> None:
    page = await _say(client, "hlep")
    assert "I didn&#39;t catch that" in page or "I didn't catch that" in page


async def test_the_people_list_shows_roles_teams_and_staff_ids(client: Client) -> None:
    page = await (await client.get("/sandbox?q=Sam")).text()
    assert "QA manager" in page and "Practitioner" in page
    assert "staff id S01" in page and "staff id S02" in page
    assert "Assessment, Children" in page and "Fostering, Children" in page
