"""The sandbox keeps its state in the database: what a person said and where the clock had
got to survive a restart; the people list marks who has something to act on; and "start
afresh" clears everything, loads the demo council and sets the clock back to this morning,
only once the person has said they are sure."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.app import DEMO_PEOPLE, Qabot, build
from bot.sandbox.clock import MovableClock
from bot.settings import Settings
from message_templates.model import Button, Form, FormField, Message
from scheduler.clock import VirtualClock
from storage import make_engine, make_sessions, outbox
from storage.models import Person, Service, Team

Client = TestClient[web.Request, web.Application]
MONDAY = dt.datetime(2027, 1, 11, 10, 0, tzinfo=dt.UTC)
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
async def url(migrated_sqlite_url: str) -> str:
    engine = make_engine(migrated_sqlite_url)
    async with make_sessions(engine).begin() as session:
        team = Team(name="Assessment", service=Service(name="Children"))
        for staff_id, name in (("S01", "Sam Moss"), ("S02", "Ann Other")):
            session.add(Person(staff_id=staff_id, name=name, email=f"{staff_id}@council.example",
                               role="practitioner", team=team))  # fmt: skip
    await engine.dispose()
    return migrated_sqlite_url


async def running(url: str) -> AsyncIterator[tuple[Qabot, Client]]:
    """qabot as `qabot run` starts it, its machine clock fixed at Monday 10:00."""
    qabot = build(Settings(database_url=url), clock=MovableClock(VirtualClock(MONDAY)))
    await qabot.resume_clock()
    async with TestClient(TestServer(qabot.web)) as client:
        yield qabot, client
    await qabot.engine.dispose()


async def say(client: Client, text: str) -> None:
    page = await (await client.get("/sandbox/people/S01")).text()
    event_id = re.search(r'name="event_id" value="([0-9a-f]+)"', page)
    assert event_id is not None
    posted = await client.post("/sandbox/people/S01/say", allow_redirects=False,
                               data={"event_id": event_id.group(1), "text": text})  # fmt: skip
    assert posted.status == 303


async def test_what_was_said_and_the_clock_survive_a_restart(url: str) -> None:
    async for qabot, client in running(url):
        await say(client, "my qa please")
        moved = await client.post("/sandbox/time", data={"to": "week"}, allow_redirects=False)
        assert moved.status == 303
        later = qabot.now()
        assert later > MONDAY + dt.timedelta(days=6)
    async for qabot, client in running(url):  # a restart, the machine's clock where it was
        assert qabot.now() >= later
        page = await (await client.get("/sandbox/people/S01")).text()
        assert '<p class="typed">my qa please</p>' in page
        assert f"{later.astimezone(LONDON):%a %d %b %Y}" in page


async def test_the_people_list_marks_who_has_something_to_act_on(url: str) -> None:
    form = Form("audit.record", "Save", (FormField("grade", "Grade"),), "1")
    asks = Message(kind="audit_record_form", title="Record", form=form)
    says = Message(kind="welcome", title="Hello", buttons=(Button("Why", "reminder.why"),))
    async for qabot, client in running(url):
        async with qabot.deps.sessions.begin() as session:
            for key, message in (("a", asks), ("b", says)):
                await outbox.enqueue(session, key=key, recipient=f"person:S0{ord(key) - 96}",
                                     platform="sandbox", message=message,
                                     not_before=MONDAY)  # fmt: skip
        await qabot.dispatcher.run_once(qabot.now())
        page = await (await client.get("/sandbox")).text()
        sam, ann = (page[page.index(name) :].split("</li>")[0] for name in ("Sam Moss", "Ann O"))
        assert '<span class="waiting">1 waiting</span>' in sam
        assert "waiting" not in ann  # only a why button: nothing to act on
        assert "All 2 people." in page


async def test_start_afresh_asks_first_then_clears_everything_and_loads_the_demo(
    url: str,
) -> None:
    async for qabot, client in running(url):
        await say(client, "help")
        await client.post("/sandbox/time", data={"to": "week"})
        unsure = await client.post("/sandbox/afresh", data={}, allow_redirects=False)
        assert unsure.status == 400 and "Nothing was cleared" in await unsure.text()
        async with qabot.deps.sessions() as session:
            assert await session.scalar(select(func.count(Person.id))) == 2
        sure = await client.post("/sandbox/afresh", data={"sure": "yes"}, allow_redirects=False)
        assert sure.status == 303
        async with qabot.deps.sessions() as session:
            assert await session.scalar(select(func.count(Person.id))) == DEMO_PEOPLE
            assert await session.scalar(select(Person.id).where(Person.name == "Sam Moss")) is None
        assert qabot.now().astimezone(LONDON) == dt.datetime(2027, 1, 11, 8, 0, tzinfo=LONDON)
    async for qabot, _ in running(url):  # and a restart carries on from the fresh start
        assert qabot.now().astimezone(LONDON).date() == dt.date(2027, 1, 11)
