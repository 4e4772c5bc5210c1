"""Token buckets space sends per conversation and per tenant, measured on a fake clock."""

from __future__ import annotations

import pytest

from scheduler.ratelimit import Limit, PlatformLimits, RateLimiter
from tests.scheduler.fakes import FakeTime


def limiter(fake: FakeTime, **limits: PlatformLimits) -> RateLimiter:
    if limits:
        return RateLimiter(limits, monotonic=fake.monotonic, sleep=fake.sleep)
    return RateLimiter(monotonic=fake.monotonic, sleep=fake.sleep)


async def test_slack_sends_one_a_second_per_conversation() -> None:
    fake = FakeTime()
    slack = limiter(fake)
    waits = [await slack.acquire("slack", "C1") for _ in range(4)]
    assert waits == [0.0, 1.0, 1.0, 1.0]
    assert await slack.acquire("slack", "C2") == 0.0
    fake.now += 10
    assert await slack.acquire("slack", "C1") == 0.0


async def test_a_tenant_limit_spans_conversations() -> None:
    fake = FakeTime()
    limits = PlatformLimits(conversation=Limit(7.0), tenant=Limit(30.0))
    paced = limiter(fake, slack=limits)
    for _ in range(8):
        await paced.acquire("slack", "C1")
    assert fake.now == pytest.approx(7 / 7)
    fake.now, start = 100.0, 100.0
    for n in range(61):
        await paced.acquire("slack", f"C{n}")
    assert fake.now - start == pytest.approx(60 / 30)


async def test_teams_is_left_to_its_own_pacer() -> None:
    """The Teams edge paces every connector request itself (tests/bot/teams/test_pacing.py)."""
    fake = FakeTime()
    teams = limiter(fake)
    for _ in range(20):
        await teams.acquire("teams", "a:1")
    assert fake.sleeps == []


async def test_a_platform_without_limits_never_waits() -> None:
    fake = FakeTime()
    sandbox = limiter(fake)
    for _ in range(100):
        await sandbox.acquire("sandbox", "person:S1")
    assert fake.sleeps == []


async def test_a_hold_pauses_one_conversation_only() -> None:
    fake = FakeTime()
    slack = limiter(fake)
    slack.hold("slack", "C1", 30)
    assert await slack.acquire("slack", "C2") == 0.0
    assert await slack.acquire("slack", "C1") == pytest.approx(30)
    assert await slack.acquire("sandbox", "C1") == 0.0


async def test_a_burst_allows_that_many_at_once() -> None:
    fake = FakeTime()
    bursty = limiter(fake, slack=PlatformLimits(conversation=Limit(2.0, burst=3)))
    waits = [await bursty.acquire("slack", "C1") for _ in range(5)]
    assert waits == [0.0, 0.0, 0.0, 0.5, 0.5]


async def test_senders_queued_behind_a_hold_are_still_spaced() -> None:
    fake = FakeTime()
    slack = RateLimiter(monotonic=fake.monotonic, sleep=fake.noop_sleep)
    slack.hold("slack", "C1", 30)
    waits = [await slack.acquire("slack", "C1") for _ in range(3)]
    assert waits == [pytest.approx(30), pytest.approx(31), pytest.approx(32)]
