"""The dispatcher delivers each outbox row once, retries, honours 429s, parks and recovers."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
from dataclasses import replace

import pytest
from sqlalchemy import select

from message_templates.model import Message
from scheduler.clock import VirtualClock
from scheduler.dispatcher import (
    Dispatcher,
    DispatchPolicy,
    PlatformError,
    SendResult,
    parked_alert,
)
from scheduler.ratelimit import RateLimiter
from storage import Sessions
from storage.models import OutboxMessage
from storage.outbox import Claimed, claim_due, enqueue, update_in_place
from tests.scheduler.fakes import FakeTime, RecordingPlatform, timeout

T0 = dt.datetime(2027, 1, 11, 9, 0, tzinfo=dt.UTC)
BODY = "Your audit of C-000123 is on Thursday"


def make(
    sessions: Sessions,
    platform: RecordingPlatform,
    clock: VirtualClock,
    fake_time: FakeTime | None = None,
    **policy: object,
) -> Dispatcher:
    fake_time = fake_time or FakeTime()
    return Dispatcher(
        sessions,
        [platform],
        clock=clock,
        limiter=RateLimiter(monotonic=fake_time.monotonic, sleep=fake_time.sleep),
        policy=DispatchPolicy(**policy),  # type: ignore[arg-type]
        rng=random.Random(7),
    )


async def put(sessions: Sessions, key: str, recipient: str = "person:S0012", **kw: str) -> bool:
    async with sessions.begin() as session:
        return await enqueue(
            session,
            key=key,
            recipient=recipient,
            platform=kw.get("platform", "sandbox"),
            message=Message(kind="audit_allocated", text=BODY, meta={"key": key}),
            not_before=T0,
        )


async def rows(sessions: Sessions) -> dict[str, OutboxMessage]:
    async with sessions() as session:
        found = (await session.scalars(select(OutboxMessage))).all()
    return {row.idempotency_key: row for row in found}


async def test_the_same_key_twice_is_sent_once(sessions: Sessions) -> None:
    platform, clock = RecordingPlatform(), VirtualClock(T0)
    dispatcher = make(sessions, platform, clock)
    await put(sessions, "allocation:1")
    await put(sessions, "allocation:1")
    assert await dispatcher.run_once(T0) == 1
    assert await dispatcher.run_once(T0 + dt.timedelta(hours=1)) == 0
    assert [r for r, _ in platform.sent] == ["person:S0012"]
    row = (await rows(sessions))["allocation:1"]
    assert (row.status, row.platform_message_id, row.platform_conversation) == (
        "sent",
        "m1",
        "D-person:S0012",
    )


async def test_a_failure_is_retried_later_with_backoff(sessions: Sessions) -> None:
    platform, clock = RecordingPlatform(failures=[timeout()]), VirtualClock(T0)
    dispatcher = make(sessions, platform, clock, backoff_base=60.0)
    await put(sessions, "allocation:1")
    await dispatcher.run_once(T0)
    row = (await rows(sessions))["allocation:1"]
    assert row.status == "pending" and row.last_error == "timeout after 30.0s"
    assert T0 + dt.timedelta(seconds=30) <= row.next_attempt_at <= T0 + dt.timedelta(seconds=60)
    assert await dispatcher.run_once(T0 + dt.timedelta(seconds=29)) == 0
    clock.set(T0 + dt.timedelta(seconds=60))
    await dispatcher.run_once(clock.now())
    assert len(platform.sent) == 1
    assert (await rows(sessions))["allocation:1"].status == "sent"


async def test_a_429_waits_out_retry_after_for_the_whole_conversation(sessions: Sessions) -> None:
    fake_time = FakeTime()
    limited = PlatformError("ratelimited", retry_after=30)
    platform, clock = RecordingPlatform(failures=[limited]), VirtualClock(T0)
    dispatcher = make(sessions, platform, clock, fake_time)
    await put(sessions, "a")
    await put(sessions, "b")
    await put(sessions, "c", recipient="person:S0013")
    await dispatcher.run_once(T0)
    assert [m.meta["key"] for _, m in platform.sent] == ["c"]
    waiting = await rows(sessions)
    assert {waiting[k].next_attempt_at for k in "ab"} == {T0 + dt.timedelta(seconds=30)}
    assert waiting["a"].attempts == 0  # a rate limit is not a failure
    assert await dispatcher.run_once(T0 + dt.timedelta(seconds=29)) == 0
    await dispatcher.run_once(T0 + dt.timedelta(seconds=30))
    assert [m.meta["key"] for _, m in platform.sent] == ["c", "a", "b"]
    assert fake_time.sleeps == [30]  # the limiter held the conversation too


async def test_after_n_failures_the_row_is_parked_and_the_qa_team_told(
    sessions: Sessions, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    platform, clock = RecordingPlatform(failures=[timeout()] * 3), VirtualClock(T0)
    dispatcher = make(sessions, platform, clock, max_attempts=3)
    await put(sessions, "allocation:1")
    for _ in range(3):
        await dispatcher.run_once(clock.now())
        clock.advance(dt.timedelta(hours=2))
    found = await rows(sessions)
    assert found["allocation:1"].status == "parked"
    assert found["allocation:1"].attempts == 3
    await dispatcher.run_once(clock.now())
    ((recipient, alert),) = platform.sent
    assert recipient == "channel:qa-team" and alert.kind == "parked_alert"
    assert alert.meta == {
        "key": "allocation:1",
        "message_kind": "audit_allocated",
        "reason": "timeout after 30.0s",
    }
    assert "C-000123" not in str(alert.to_dict())
    # what failed, in words: which message, to whom, where
    assert alert.text.startswith(
        "I couldn't deliver the allocation message to S0012 in the sandbox"
    )
    assert "audit_allocated" not in alert.text
    assert "allocation:1" in caplog.text and BODY not in caplog.text
    assert await dispatcher.run_once(clock.now() + dt.timedelta(days=30)) == 0


async def test_a_permanent_error_parks_at_once(sessions: Sessions) -> None:
    gone = PlatformError("channel_not_found", permanent=True)
    platform, clock = RecordingPlatform(failures=[gone]), VirtualClock(T0)
    dispatcher = make(sessions, platform, clock, qa_recipient="channel:qa-leads")
    await put(sessions, "post:1", recipient="channel:practice-week")
    await dispatcher.run_once(T0)
    await dispatcher.run_once(T0)
    assert (await rows(sessions))["post:1"].last_error == "channel_not_found"
    assert [r for r, _ in platform.sent] == ["channel:qa-leads"]


async def test_a_platform_that_reports_the_failure_itself_gets_no_alert_per_row(
    sessions: Sessions,
) -> None:
    unreachable = PlatformError("not installed for them", permanent=True, reported=True)
    platform, clock = RecordingPlatform(failures=[unreachable]), VirtualClock(T0)
    dispatcher = make(sessions, platform, clock)
    await put(sessions, "allocation:1")
    await dispatcher.run_once(T0)
    await dispatcher.run_once(T0)
    found = await rows(sessions)
    assert found["allocation:1"].status == "parked" and list(found) == ["allocation:1"]
    assert platform.sent == []


class SlackApiError(Exception):
    """What a platform's client library raises, its response in its text."""


async def test_a_parked_row_keeps_the_errors_text_and_the_log_its_traceback(
    sessions: Sessions, caplog: pytest.LogCaptureFixture
) -> None:
    response = "The request to the Slack API failed. The server responded with: "
    failure = SlackApiError(response + "{'ok': False, 'error': 'ratelimited'}" + " ." * 400)
    platform, clock = RecordingPlatform(failures=[failure]), VirtualClock(T0)
    dispatcher = make(sessions, platform, clock, max_attempts=1)
    await put(sessions, "allocation:1")
    with caplog.at_level(logging.WARNING, logger="scheduler.dispatcher"):
        await dispatcher.run_once(T0)
    error = (await rows(sessions))["allocation:1"].last_error
    assert error is not None and error.startswith("SlackApiError: " + response)
    assert "'error': 'ratelimited'" in error and len(error) <= 300  # not the whole of it
    (parked,) = [r for r in caplog.records if r.message.startswith("parked allocation:1")]
    assert parked.exc_info is not None and parked.exc_info[1] is failure
    assert "Traceback" in caplog.text and "ratelimited" in caplog.text
    assert BODY not in caplog.text and "C-000123" not in caplog.text
    await dispatcher.run_once(T0)
    ((_, alert),) = platform.sent
    assert alert.meta["reason"] == "SlackApiError" and "“SlackApiError”" in alert.text
    assert response not in alert.text  # the QA team sees the class; the row keeps the text


async def test_a_failing_alert_is_not_alerted_about(sessions: Sessions) -> None:
    gone = PlatformError("channel_not_found", permanent=True)
    platform, clock = RecordingPlatform(failures=[gone, gone]), VirtualClock(T0)
    dispatcher = make(sessions, platform, clock)
    await put(sessions, "post:1")
    for _ in range(3):
        await dispatcher.run_once(T0)
    assert {row.status for row in (await rows(sessions)).values()} == {"parked"}
    assert len(await rows(sessions)) == 2


class Killed(BaseException):
    """The process dying mid-dispatch."""


async def test_a_restart_after_a_kill_loses_nothing_and_sends_each_once(
    sessions: Sessions,
) -> None:
    clock = VirtualClock(T0)
    for key in ("a", "b", "c"):
        await put(sessions, key)
    dying = RecordingPlatform(failures=[None, Killed()])
    with pytest.raises(Killed):
        await make(sessions, dying, clock).run_once(T0)
    assert [m.meta["key"] for _, m in dying.sent] == ["a"]
    assert {k: r.status for k, r in (await rows(sessions)).items()} == {
        "a": "sent",
        "b": "sending",
        "c": "sending",
    }
    fresh = RecordingPlatform()
    restarted = make(sessions, fresh, clock)
    assert await restarted.run_once(T0 + dt.timedelta(minutes=1)) == 0  # lease still held
    await restarted.run_once(T0 + DispatchPolicy().lease)
    assert [m.meta["key"] for _, m in fresh.sent] == ["b", "c"]
    assert {r.status for r in (await rows(sessions)).values()} == {"sent"}


async def test_an_in_place_update_uses_the_stored_message_id(sessions: Sessions) -> None:
    platform, clock = RecordingPlatform(), VirtualClock(T0)
    dispatcher = make(sessions, platform, clock)
    await put(sessions, "checklist:7")
    await dispatcher.run_once(T0)
    progress = Message(kind="checklist", text="2 of 5 done")
    async with sessions.begin() as session:
        assert await update_in_place(session, "checklist:7", progress, T0)
    await dispatcher.run_once(T0)
    assert platform.updated == [("person:S0012", "D-person:S0012", "m1", progress)]
    assert len(platform.sent) == 1


class TickedWhileSending(RecordingPlatform):
    """A checklist tick lands while the platform is still taking the message."""

    def __init__(self, sessions: Sessions, tick: Message) -> None:
        super().__init__()
        self.sessions, self.tick = sessions, tick

    async def send(self, recipient: str, message: Message) -> SendResult:
        async with self.sessions.begin() as session:
            assert await update_in_place(session, "checklist:7", self.tick, T0)
        return await super().send(recipient, message)


async def test_a_tick_during_the_send_goes_out_as_an_update(sessions: Sessions) -> None:
    tick = Message(kind="checklist", text="1 of 5 done")
    platform, clock = TickedWhileSending(sessions, tick), VirtualClock(T0)
    dispatcher = make(sessions, platform, clock)
    await put(sessions, "checklist:7")
    await dispatcher.run_once(T0)
    assert [m.meta["key"] for _, m in platform.sent] == ["checklist:7"]
    assert (await rows(sessions))["checklist:7"].status == "pending"
    await dispatcher.run_once(T0)
    assert platform.updated == [("person:S0012", "D-person:S0012", "m1", tick)]
    assert (await rows(sessions))["checklist:7"].status == "sent"


async def test_sends_to_one_conversation_are_spaced_by_the_limiter(sessions: Sessions) -> None:
    fake_time = FakeTime()
    platform, clock = RecordingPlatform(name="slack"), VirtualClock(T0)
    dispatcher = make(sessions, platform, clock, fake_time)
    for key in ("a", "b", "c"):
        await put(sessions, key, platform="slack")
    await put(sessions, "d", recipient="channel:other", platform="slack")
    await dispatcher.run_once(T0)
    assert len(platform.sent) == 4
    assert fake_time.sleeps == [1.0, 1.0]


class HeldUntilReleased(RecordingPlatform):
    """The first send waits until the test releases it: a slow platform, or a paced one."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()

    async def send(self, recipient: str, message: Message) -> SendResult:
        if not self.sent and not self.release.is_set():
            await self.release.wait()
        return await super().send(recipient, message)


async def test_the_next_batch_is_claimed_while_this_one_goes_out(sessions: Sessions) -> None:
    platform, clock = HeldUntilReleased(), VirtualClock(T0)
    dispatcher = make(sessions, platform, clock, batch=2)
    for n in range(5):
        await put(sessions, f"k{n}", recipient=f"person:S{n}")
    delivering = asyncio.ensure_future(dispatcher.run_once(T0))
    for _ in range(200):  # the first batch is still held at the platform
        statuses = {k: r.status for k, r in (await rows(sessions)).items()}
        if statuses["k2"] == "sending":
            break
        await asyncio.sleep(0.01)
    assert platform.sent == [] and (statuses["k2"], statuses["k3"]) == ("sending", "sending")
    assert statuses["k4"] == "pending", "one batch ahead, no more"
    platform.release.set()
    assert await delivering == 5
    assert {r.status for r in (await rows(sessions)).values()} == {"sent"}


class SlowFirst(RecordingPlatform):
    """The first message takes a while to send, so what comes after could overtake it."""

    async def send(self, recipient: str, message: Message) -> SendResult:
        if message.meta["key"] == "a":
            await asyncio.sleep(0.05)
        return await super().send(recipient, message)


async def test_a_conversation_split_between_batches_keeps_its_order(sessions: Sessions) -> None:
    platform, clock = SlowFirst(), VirtualClock(T0)
    dispatcher = make(sessions, platform, clock, batch=2)
    for key in ("a", "b", "c"):
        await put(sessions, key)
    await put(sessions, "d", recipient="person:S0013")
    assert await dispatcher.run_once(T0) == 4
    to_one = [m.meta["key"] for r, m in platform.sent if r == "person:S0012"]
    assert to_one == ["a", "b", "c"]


async def test_a_429_hands_back_the_conversations_rows_in_the_next_batch_too(
    sessions: Sessions,
) -> None:
    limited = PlatformError("ratelimited", retry_after=30)
    platform, clock = RecordingPlatform(failures=[limited]), VirtualClock(T0)
    dispatcher = make(sessions, platform, clock, batch=2)
    for key in ("a", "b", "c"):
        await put(sessions, key)
    await put(sessions, "d", recipient="person:S0013")
    await dispatcher.run_once(T0)
    assert [m.meta["key"] for _, m in platform.sent] == ["d"]
    waiting = await rows(sessions)
    assert {waiting[k].next_attempt_at for k in "abc"} == {T0 + dt.timedelta(seconds=30)}
    assert {waiting[k].status for k in "abc"} == {"pending"}
    await dispatcher.run_once(T0 + dt.timedelta(seconds=30))
    assert [m.meta["key"] for _, m in platform.sent] == ["d", "a", "b", "c"]


async def test_rows_for_platforms_not_served_are_left_alone(sessions: Sessions) -> None:
    platform, clock = RecordingPlatform(), VirtualClock(T0)
    await put(sessions, "a", platform="teams")
    assert await make(sessions, platform, clock).run_once(T0) == 0
    assert (await rows(sessions))["a"].status == "pending"


async def test_run_forever_delivers_until_stopped(sessions: Sessions) -> None:
    stop = asyncio.Event()
    platform, clock = RecordingPlatform(stop_after=stop), VirtualClock(T0)
    await put(sessions, "a")
    await make(sessions, platform, clock).run_forever(stop)
    assert len(platform.sent) == 1


@pytest.mark.postgres
async def test_two_dispatchers_claim_disjoint_rows_on_postgres(postgres_url: str) -> None:
    from storage import make_engine, make_sessions, upgrade

    upgrade(postgres_url)
    engine = make_engine(postgres_url)
    sessions = make_sessions(engine)
    try:
        for n in range(10):
            await put(sessions, f"k{n}", recipient=f"person:S{n}")
        async with sessions() as first, sessions() as second, first.begin():
            mine = await claim_due(first, now=T0, limit=5, lease=dt.timedelta(minutes=1))
            async with second.begin():
                theirs = await asyncio.wait_for(
                    claim_due(second, now=T0, limit=5, lease=dt.timedelta(minutes=1)), 10
                )
        assert len(mine) == len(theirs) == 5
        assert not {c.key for c in mine} & {c.key for c in theirs}
        await _two_dispatchers_send_each_once(sessions)
    finally:
        await engine.dispose()


async def _two_dispatchers_send_each_once(sessions: Sessions) -> None:
    for n in range(40):
        await put(sessions, f"j{n}", recipient=f"person:P{n}")
    one, two, clock = RecordingPlatform(), RecordingPlatform(), VirtualClock(T0)
    policy = {"batch": 7}
    later = T0 + dt.timedelta(hours=1)
    for _ in range(4):
        await asyncio.gather(
            make(sessions, one, clock, **policy).run_once(later),
            make(sessions, two, clock, **policy).run_once(later),
        )
    keys = [m.meta["key"] for _, m in one.sent + two.sent]
    # the ten claimed above were never sent; their leases ran out, so they go now too
    expected = [f"j{n}" for n in range(40)] + [f"k{n}" for n in range(10)]
    assert sorted(keys) == sorted(expected)
    assert one.sent and two.sent


def test_the_parked_alert_says_what_failed_in_words() -> None:
    message = Message(kind="audit_allocated", text=BODY)
    row = Claimed(7, "audit.allocated:12", "person:S0012", "teams", message, attempts=6,
                  revision=0, lease_until=T0)  # fmt: skip
    alert = parked_alert(row, "user_not_found", "Sam Patel")
    assert alert.text.startswith("I couldn't deliver the allocation message to Sam Patel in Teams")
    assert "user\\_not\\_found" in alert.text and "user_not_found" in alert.fallback
    assert "their account in Teams" in alert.text and BODY not in alert.text
    to_channel = parked_alert(replace(row, recipient="channel:qa-team", platform="slack"), "x")
    assert "to the #qa-team channel in Slack" in to_channel.text
