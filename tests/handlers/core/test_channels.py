"""Channel roles bound from chat, and posts for unbound roles held, told about once and
released when the role is bound; through the real router, inbound pipeline and outbox."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from handlers.capabilities import build_router
from handlers.core.channels import channel_roles
from handlers.core.delivery import Draft, enqueue_many
from handlers.core.deps import Deps
from handlers.core.inbound import handle_event
from handlers.core.router import Inbound, Router
from handlers.programme.schema import load_programme
from message_templates.model import Message
from message_templates.wording import Wording
from scheduler.clock import VirtualClock
from storage import Sessions, channels
from storage.models import OutboxMessage
from storage.people import PersonRecord, Roster, apply_roster

NOW = dt.datetime(2027, 1, 11, 10, 0, tzinfo=dt.UTC)
PROGRAMME = load_programme("default")
POST = Message(kind="practice_week_posted", text="Practice week is coming")


@pytest.fixture
async def deps(sessions: Sessions) -> Deps:
    people = (
        PersonRecord("S1", "Ruth Adeyemi", "s1@council.example", "qa_manager", "QA", "Children",
                     None, slack_user_id="U1"),
        PersonRecord("S2", "Tom Hale", "s2@council.example", "practitioner", "A", "Children",
                     None, slack_user_id="U2"),
    )  # fmt: skip
    async with sessions.begin() as session:
        await apply_roster(session, Roster(people, ()), now=NOW, actor="test")
    return Deps(sessions, Wording(), VirtualClock(NOW), PROGRAMME, platforms=("slack", "teams"))


async def post(deps: Deps, *keys: str, role: str = "practice-week") -> None:
    async with deps.sessions.begin() as session:
        drafts = [Draft(key, f"channel:{role}", POST, NOW) for key in keys]
        await enqueue_many(deps, session, drafts, now=NOW)


async def outbox(deps: Deps) -> list[tuple[str, str, str, str]]:
    async with deps.sessions() as session:
        rows = await session.execute(
            select(OutboxMessage.idempotency_key, OutboxMessage.recipient,
                   OutboxMessage.platform, OutboxMessage.message_type)
            .where(~OutboxMessage.idempotency_key.startswith("reply:"))
            .order_by(OutboxMessage.id)
        )  # fmt: skip
        return [tuple(row) for row in rows]  # type: ignore[misc]


class Chat:
    def __init__(self, deps: Deps) -> None:
        self.deps, self.router, self.events = deps, build_router(deps), 0

    async def say(self, staff_id: str, text: str, channel: str = "") -> str:
        self.events += 1
        event = Inbound(platform="slack", event_id=f"e{self.events}", staff_id=staff_id,
                        kind="text", text=text, channel=channel)  # fmt: skip
        reply = await handle_event(self.deps, self.router, event)
        assert reply is not None and reply.message is not None
        return reply.message.text


def test_the_programme_names_the_qa_channel_and_each_activitys() -> None:
    assert channel_roles(PROGRAMME) == ["qa-team", "practice-week", "all-staff"]


async def test_a_held_post_is_told_once_and_released_when_bound_in_the_channel(
    deps: Deps,
) -> None:
    await post(deps, "week:1")
    await post(deps, "week:1", "week:2")
    # nothing for practice-week is queued; the QA team has no channel either, so its member
    # hears by DM, once for each platform, however many posts wait
    assert await outbox(deps) == [
        ("channel.unbound:slack:practice-week:S1", "person:S1", "slack", "channel_unbound"),
        ("channel.unbound:teams:practice-week:S1", "person:S1", "slack", "channel_unbound"),
    ]
    async with deps.sessions() as session:
        assert [h.key for h in await channels.held(session, "slack", "practice-week")] == [
            "week:1",
            "week:2",
        ]
        assert [h.key for h in await channels.held(session, "teams", "practice-week")] == [
            "week:1@teams",
            "week:2@teams",
        ]

    chat = Chat(deps)
    assert "for the QA team" in await chat.say("S2", "post practice-week here", "C09")
    assert "in the channel" in await chat.say("S1", "post practice-week here")
    assert "qa-team, practice-week, all-staff" in await chat.say("S1", "post weekly here", "C09")
    assert "For example" in await chat.say("S1", "post", "C09")
    async with deps.sessions() as session:
        assert await channels.bindings(session) == []

    said = await chat.say("S1", "post Practice-Week here", "C09")
    assert said.startswith("Done") and "2 posts" in said
    async with deps.sessions() as session:
        [binding] = await channels.bindings(session)
        assert (binding.platform, binding.role, binding.channel_id) == (
            "slack",
            "practice-week",
            "C09",
        )
        assert await channels.held(session, "slack", "practice-week") == []
        assert len(await channels.held(session, "teams", "practice-week")) == 2
    released = [row for row in await outbox(deps) if row[1] == "channel:practice-week"]
    assert released == [
        ("week:1", "channel:practice-week", "slack", "practice_week_posted"),
        ("week:2", "channel:practice-week", "slack", "practice_week_posted"),
    ]
    # from now on Slack's copy goes straight out; Teams' still waits, and nobody is told again
    before = len(await outbox(deps))
    await post(deps, "week:3")
    assert (await outbox(deps))[before:] == [
        ("week:3", "channel:practice-week", "slack", "practice_week_posted")
    ]
    # binding it again in the same channel releases nothing more
    assert "waiting" not in await chat.say("S1", "post practice-week here", "C09")


async def test_with_the_qa_channel_bound_the_notice_goes_there_once(deps: Deps) -> None:
    async with deps.sessions.begin() as session:
        await channels.bind(session, "slack", "qa-team", "C01", NOW)
    await post(deps, "news:1", role="all-staff")
    await post(deps, "news:2", role="all-staff")
    notices = [row for row in await outbox(deps) if row[3] == "channel_unbound"]
    assert notices == [
        ("channel.unbound:slack:all-staff", "channel:qa-team", "slack", "channel_unbound"),
        ("channel.unbound:teams:all-staff", "channel:qa-team", "slack", "channel_unbound"),
    ]


async def test_the_sandbox_holds_nothing(sessions: Sessions) -> None:
    deps = Deps(sessions, Wording(), VirtualClock(NOW), PROGRAMME)
    await post(deps, "week:1")
    assert await outbox(deps) == [
        ("week:1", "channel:practice-week", "sandbox", "practice_week_posted")
    ]


def test_post_is_routed_to_the_channels_handler() -> None:
    deps = Deps(None, Wording(), VirtualClock(NOW), PROGRAMME)  # type: ignore[arg-type]
    router: Router = build_router(deps)
    event = Inbound("slack", "e", "S1", "text", text="post qa-team here", channel="C1")
    assert router.find(event).__qualname__ == "Channels.post_here"
