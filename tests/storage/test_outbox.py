"""The outbox stores each key once, leases rows, recovers crashed leases and queues updates."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import event, select

from message_templates.model import Message
from storage import Sessions
from storage.models import OutboxMessage
from storage.outbox import (
    Claimed,
    Outgoing,
    Receipt,
    claim_due,
    enqueue,
    enqueue_many,
    mark_parked,
    mark_retry,
    mark_sent_many,
    update_in_place,
)

T0 = dt.datetime(2027, 1, 11, 9, 0, tzinfo=dt.UTC)
LEASE = dt.timedelta(minutes=2)


async def _enqueue(sessions: Sessions, key: str, at: dt.datetime = T0, **extra: str) -> bool:
    async with sessions.begin() as session:
        return await enqueue(
            session,
            key=key,
            recipient="person:S0001",
            platform="sandbox",
            message=Message(kind="audit_allocated", text=f"about {key}"),
            not_before=at,
            **extra,
        )


async def _sent(sessions: Sessions, *deliveries: tuple[Claimed, str], at: dt.datetime = T0) -> None:
    """Record deliveries the way the dispatcher does: all together, in one statement."""
    receipts = [
        Receipt(claimed, message_id, f"D-{message_id}") for claimed, message_id in deliveries
    ]
    async with sessions.begin() as session:
        await mark_sent_many(session, receipts, now=at)


async def _status(sessions: Sessions, key: str) -> OutboxMessage:
    async with sessions() as session:
        row = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.idempotency_key == key)
        )
        assert row is not None
        return row


async def test_the_same_key_is_stored_once(sessions: Sessions) -> None:
    assert await _enqueue(sessions, "allocation:1") is True
    assert await _enqueue(sessions, "allocation:1") is False
    async with sessions() as session:
        rows = (await session.scalars(select(OutboxMessage))).all()
    assert [r.idempotency_key for r in rows] == ["allocation:1"]
    assert rows[0].payload["text"] == "about allocation:1"


async def test_only_due_rows_are_claimed_and_each_once(sessions: Sessions) -> None:
    await _enqueue(sessions, "a")
    await _enqueue(sessions, "later", at=T0 + dt.timedelta(hours=1))
    async with sessions.begin() as session:
        first = await claim_due(session, now=T0, limit=10, lease=LEASE)
    async with sessions.begin() as session:
        second = await claim_due(session, now=T0, limit=10, lease=LEASE)
    assert [c.key for c in first] == ["a"]
    assert first[0].attempts == 1
    assert first[0].message == Message(kind="audit_allocated", text="about a")
    assert second == []


async def test_an_expired_lease_is_claimed_again(sessions: Sessions) -> None:
    await _enqueue(sessions, "a")
    async with sessions.begin() as session:
        (crashed,) = await claim_due(session, now=T0, limit=10, lease=LEASE)
    async with sessions.begin() as session:
        assert await claim_due(session, now=T0 + LEASE / 2, limit=10, lease=LEASE) == []
    async with sessions.begin() as session:
        (again,) = await claim_due(session, now=T0 + LEASE, limit=10, lease=LEASE)
    assert again.key == "a" and again.attempts == 2
    await _sent(sessions, (crashed, "x"))  # the crashed holder's outcome no longer counts
    row = await _status(sessions, "a")
    assert (row.status, row.platform_message_id) == ("sending", None)
    await _sent(sessions, (again, "m1"))
    row = await _status(sessions, "a")
    assert (row.status, row.platform_message_id, row.platform_conversation) == (
        "sent",
        "m1",
        "D-m1",
    )


async def test_retry_waits_and_a_rate_limit_gives_the_attempt_back(sessions: Sessions) -> None:
    await _enqueue(sessions, "a")
    async with sessions.begin() as session:
        (claimed,) = await claim_due(session, now=T0, limit=10, lease=LEASE)
        await mark_retry(session, claimed, next_at=T0 + dt.timedelta(seconds=30), error="timeout")
    row = await _status(sessions, "a")
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "timeout")
    async with sessions.begin() as session:
        assert await claim_due(session, now=T0, limit=10, lease=LEASE) == []
        (claimed,) = await claim_due(session, now=T0 + LEASE, limit=10, lease=LEASE)
        await mark_retry(session, claimed, next_at=T0, error="ratelimited", count_attempt=False)
    assert (await _status(sessions, "a")).attempts == 1


async def test_parked_rows_are_kept_and_never_claimed(sessions: Sessions) -> None:
    await _enqueue(sessions, "a")
    async with sessions.begin() as session:
        (claimed,) = await claim_due(session, now=T0, limit=10, lease=LEASE)
        await mark_parked(session, claimed, error="channel_not_found")
    async with sessions.begin() as session:
        assert await claim_due(session, now=T0 + LEASE * 10, limit=10, lease=LEASE) == []
        assert not await update_in_place(session, "a", Message(kind="x"), T0)
    assert (await _status(sessions, "a")).status == "parked"


async def test_update_in_place_requeues_a_sent_message_against_its_id(sessions: Sessions) -> None:
    await _enqueue(sessions, "checklist:7")
    async with sessions.begin() as session:
        (claimed,) = await claim_due(session, now=T0, limit=10, lease=LEASE)
    await _sent(sessions, (claimed, "ts1"))
    later = T0 + dt.timedelta(minutes=5)
    async with sessions.begin() as session:
        assert await update_in_place(
            session, "checklist:7", Message(kind="checklist", text="2/5"), later
        )
        (update,) = await claim_due(session, now=later, limit=10, lease=LEASE)
    assert (update.target_id, update.target_conversation) == ("ts1", "D-ts1")
    assert update.message.text == "2/5" and update.attempts == 1


async def test_a_tick_while_its_message_is_in_flight_is_never_lost(sessions: Sessions) -> None:
    """The checklist is claimed and on its way when a tick updates it in place: recording the
    delivery (with others, in one statement) leaves the tick pending, as an update of the
    message just sent, and it goes out; the untouched message beside it is simply sent."""
    await _enqueue(sessions, "checklist:7")
    await _enqueue(sessions, "allocation:1")
    async with sessions.begin() as session:
        in_flight = {c.key: c for c in await claim_due(session, now=T0, limit=10, lease=LEASE)}
    ticked = Message(kind="checklist", text="1/5")
    async with sessions.begin() as session:
        assert await update_in_place(session, "checklist:7", ticked, T0)
    assert (await _status(sessions, "checklist:7")).status == "sending"  # still in flight
    later = T0 + dt.timedelta(seconds=3)
    await _sent(
        sessions, (in_flight["checklist:7"], "ts1"), (in_flight["allocation:1"], "ts2"), at=later
    )

    checklist = await _status(sessions, "checklist:7")
    assert (checklist.status, checklist.attempts, checklist.revision) == ("pending", 0, 1)
    assert (checklist.platform_message_id, checklist.next_attempt_at) == ("ts1", later)
    assert (await _status(sessions, "allocation:1")).status == "sent"
    async with sessions.begin() as session:
        (update,) = await claim_due(session, now=later, limit=10, lease=LEASE)
    assert (update.key, update.target_id, update.target_conversation) == (
        "checklist:7",
        "ts1",
        "D-ts1",
    )
    assert update.message == ticked and update.revision == 1
    await _sent(sessions, (update, "ts1"), at=later)
    assert (await _status(sessions, "checklist:7")).status == "sent"
    async with sessions.begin() as session:
        assert await claim_due(session, now=later + LEASE, limit=10, lease=LEASE) == []


async def test_a_replacement_targets_the_sent_message_it_replaces(sessions: Sessions) -> None:
    await _enqueue(sessions, "digest:1")
    async with sessions.begin() as session:
        (claimed,) = await claim_due(session, now=T0, limit=10, lease=LEASE)
    await _sent(sessions, (claimed, "ts9"))
    await _enqueue(sessions, "digest:1:v2", replaces_key="digest:1")
    await _enqueue(sessions, "other", replaces_key="never-sent")
    async with sessions.begin() as session:
        claimed_rows = await claim_due(session, now=T0, limit=10, lease=LEASE)
    targets = {c.key: c.target_id for c in claimed_rows}
    assert targets == {"digest:1:v2": "ts9", "other": None}


async def test_unknown_keys_cannot_be_updated(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        assert not await update_in_place(session, "nope", Message(kind="x"), T0)


async def test_claims_can_be_limited_to_the_platforms_served(sessions: Sessions) -> None:
    await _enqueue(sessions, "a")
    async with sessions.begin() as session:
        assert await claim_due(session, now=T0, limit=5, lease=LEASE, platforms=["slack"]) == []
        assert (
            len(await claim_due(session, now=T0, limit=5, lease=LEASE, platforms=["sandbox"])) == 1
        )


async def test_a_claim_for_some_platforms_walks_the_due_rows_not_all_ever_sent(
    sqlite_sessions: Sessions,
) -> None:
    """A year's sent messages pile up under each platform: the claim must find due rows by the
    due index, not read every row its platform ever sent."""
    await _enqueue(sqlite_sessions, "a")
    seen: list[tuple[str, Any]] = []

    def capture(_c: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().startswith("UPDATE outbox"):
            seen.append((statement, parameters))

    async with sqlite_sessions.begin() as session:
        connection = await session.connection()
        event.listen(connection.sync_connection, "before_cursor_execute", capture)
        claimed = await claim_due(session, now=T0, limit=5, lease=LEASE, platforms=["sandbox"])
        event.remove(connection.sync_connection, "before_cursor_execute", capture)
        statement, parameters = seen[-1]
        plan = await connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        steps = [row[-1] for row in plan.all()]
    assert [c.key for c in claimed] == ["a"]
    assert not any("ix_outbox_sent_message" in step for step in steps), steps
    assert any("ix_outbox_due" in step for step in steps), steps


@pytest.mark.parametrize("recipient", ["S0001", "person:", "team:north"])
async def test_a_recipient_must_say_person_or_channel(sessions: Sessions, recipient: str) -> None:
    async with sessions.begin() as session:
        with pytest.raises(ValueError, match="person:<staff_id> or channel:<name>"):
            await enqueue(
                session,
                key="k",
                recipient=recipient,
                platform="sandbox",
                message=Message(kind="x"),
                not_before=T0,
            )


async def test_many_messages_are_stored_in_one_go_and_known_keys_are_skipped(
    sessions: Sessions,
) -> None:
    await _enqueue(sessions, "k-3")
    batch = [
        Outgoing(f"k-{n}", f"person:S{n:05d}", "sandbox", Message(kind="help"), T0)
        for n in range(1200)
    ]
    async with sessions.begin() as session:
        assert await enqueue_many(session, batch, now=T0) == 1199
        assert await enqueue_many(session, batch[:10], now=T0) == 0
    async with sessions() as session:
        stored = list(await session.scalars(select(OutboxMessage.idempotency_key)))
    assert len(stored) == 1200 and len(set(stored)) == 1200
