"""The Slack client keeps to Slack's published limits on an injected clock: Tier 3 for
conversations.open and users.lookupByEmail, Tier 4 for views.*, about one message a second per
channel; a 429 holds the method for its Retry-After and a 5xx backs it off. The Web API
stand-in enforces the same limits on the same clock, so a call over them would get a 429."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from slack_api_standin import Failure, SlackApiStandIn, running
from slack_council import VirtualTime
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.client import MAX_CHANNELS, PacedClient, Pacer, make_client


@pytest.fixture
async def slack() -> AsyncIterator[tuple[SlackApiStandIn, PacedClient, VirtualTime]]:
    time = VirtualTime()
    users = {f"p{n}@council.example": f"U{n:04d}" for n in range(200)}
    async with running(SlackApiStandIn(users=users, limits=time.monotonic)) as stand_in:
        client = make_client("xoxb-test", stand_in.url, Pacer(monotonic=time.monotonic,
                                                              sleep=time.sleep))  # fmt: skip
        yield stand_in, client, time
    assert stand_in.problems == []


async def test_tier_3_methods_go_at_about_fifty_a_minute_and_never_get_a_429(
    slack: tuple[SlackApiStandIn, PacedClient, VirtualTime],
) -> None:
    stand_in, client, time = slack
    for n in range(120):
        await client.users_lookupByEmail(email=f"p{n}@council.example")
        await client.conversations_open(users=f"U{n:04d}")
    assert stand_in.limited == 0
    per_minute = 119 / time.now * 60
    assert 47.5 <= per_minute <= 50, "95% or more of Tier 3, never over it"


async def test_views_go_at_tier_4(slack: tuple[SlackApiStandIn, PacedClient, VirtualTime]) -> None:
    stand_in, client, time = slack
    view = {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}],
    }
    for n in range(101):
        await client.views_publish(user_id=f"U{n:04d}", view=view)
    assert stand_in.limited == 0
    assert 95 <= 100 / time.now * 60 <= 100


async def test_messages_are_paced_per_channel_not_across_channels(
    slack: tuple[SlackApiStandIn, PacedClient, VirtualTime],
) -> None:
    stand_in, client, time = slack
    for channel in ("D1", "D2", "D3"):
        await client.chat_postMessage(channel=channel, text="Hello")
    assert time.now == 0, "different channels do not wait for each other"
    for _ in range(3):
        await client.chat_postMessage(channel="D1", text="Again")
    assert stand_in.limited == 0
    assert time.now >= 3.0, "about one a second in one channel"


async def test_a_429_holds_the_method_for_its_retry_after(
    slack: tuple[SlackApiStandIn, PacedClient, VirtualTime],
) -> None:
    stand_in, client, time = slack
    stand_in.fail_next("conversations.open", Failure(status=429, retry_after=7))
    with pytest.raises(SlackApiError):
        await client.conversations_open(users="U0001")
    started = time.now
    await client.conversations_open(users="U0001")
    assert time.now - started >= 7.0
    await client.chat_postMessage(channel="D9", text="Other methods are not held")
    assert time.now - started < 7.5


async def test_a_5xx_backs_the_method_off_longer_each_time(
    slack: tuple[SlackApiStandIn, PacedClient, VirtualTime],
) -> None:
    stand_in, client, time = slack
    for _ in range(3):
        stand_in.fail_next("users.info", Failure(status=503))
    waits = []
    for _ in range(3):
        started = time.now
        with pytest.raises(SlackApiError):
            await client.users_info(user="U0001")
        waits.append(time.now - started)
    started = time.now
    await client.users_info(user="U0001")
    waits.append(time.now - started)
    assert waits[1] >= 1.0 and waits[2] >= 2.0 and waits[3] >= 4.0


async def test_without_pacing_slack_would_answer_429(
    slack: tuple[SlackApiStandIn, PacedClient, VirtualTime],
) -> None:
    """The stand-in's limits are real: the same calls unpaced are refused."""
    stand_in, _, _ = slack
    bare = AsyncWebClient(token="xoxb-test", base_url=stand_in.url)
    refused = 0
    for n in range(60):
        try:
            await bare.conversations_open(users=f"U{n:04d}")
        except SlackApiError as error:
            refused += error.response.status_code == 429
    assert refused > 0 and stand_in.limited == refused


async def test_late_wake_ups_never_add_up_to_a_429(
    slack: tuple[SlackApiStandIn, PacedClient, VirtualTime],
) -> None:
    """Even when the sleeps overrun (a busy machine), the last minute's calls are counted."""
    stand_in, _, time = slack

    async def late_sleep(seconds: float) -> None:
        await time.sleep(seconds * (1.0 if len(time.slept) % 7 else 3.0))

    eager = Pacer(monotonic=time.monotonic, sleep=late_sleep, headroom=1.05)
    client = make_client("xoxb-test", stand_in.url, eager)
    for n in range(150):
        await client.conversations_open(users=f"U{n:04d}")
    assert stand_in.limited == 0


async def test_calls_that_reach_slack_late_never_add_up_to_a_429(
    slack: tuple[SlackApiStandIn, PacedClient, VirtualTime],
) -> None:
    """Many callers at once (the dispatcher's conversations): each call reaches Slack whenever
    the event loop gets to it, after the others have moved the clock on, as on a busy machine.
    Counted from when they went out, they would arrive bunched; counted until their answers,
    they cannot."""
    stand_in, client, _ = slack

    async def open_dm(n: int) -> bool:
        try:
            await client.conversations_open(users=f"U{n:04d}")
        except SlackApiError:
            return False
        return True

    answered = await asyncio.gather(*(open_dm(n) for n in range(150)))
    assert stand_in.limited == 0 and all(answered)
    assert len(stand_in.called("conversations.open")) == 150


async def test_idle_channels_are_forgotten_so_memory_stays_bounded() -> None:
    time = VirtualTime()
    pacer = Pacer(monotonic=time.monotonic, sleep=time.sleep)
    for n in range(MAX_CHANNELS):
        await pacer.wait(f"channel:D{n}")
        pacer.landed(f"channel:D{n}")
    await pacer.wait("channel:D0")  # a busy channel is kept
    pacer.landed("channel:D0")
    time.now += 0.5
    await pacer.wait("channel:Dnew")
    assert pacer.key("chat.postMessage", {"channel": "Dnew"}) == "channel:Dnew"
    assert len(pacer._buckets) <= 3
