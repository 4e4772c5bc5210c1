"""What each person and channel was sent, read on every platform, with where it went."""

from __future__ import annotations

import datetime as dt

from storage import Sessions
from storage.conversations import channels_posted, delivered_to, waiting_for
from storage.models import OutboxMessage

T0 = dt.datetime(2027, 1, 11, 9, 0, tzinfo=dt.UTC)


def row(key: str, recipient: str, platform: str, minutes: int, sent: bool = True) -> OutboxMessage:
    at = T0 + dt.timedelta(minutes=minutes)
    payload = {"kind": "note", "text": f"Note {key}"}
    return OutboxMessage(
        idempotency_key=key, recipient=recipient, platform=platform, message_type="note",
        payload=payload, status="sent" if sent else "pending", attempts=0, revision=0,
        next_attempt_at=at, created_at=at, sent_at=at if sent else None,
        platform_message_id=f"m-{key}" if sent else None,
    )  # fmt: skip


async def fill(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        session.add_all([
            row("a", "person:S1", "sandbox", 1),
            row("b", "person:S1", "teams", 2),
            row("c", "person:S1", "slack", 3, sent=False),
            row("d", "person:S2", "slack", 4),
            row("post", "channel:qa-team", "slack", 5),
            row("post@teams", "channel:qa-team", "teams", 5),
            row("news", "channel:all-staff", "teams", 6, sent=False),
        ])  # fmt: skip


async def test_a_person_and_a_channel_are_shown_whatever_platform_each_row_went_to(
    sessions: Sessions,
) -> None:
    await fill(sessions)
    async with sessions() as session:
        to_s1 = await delivered_to(session, "person:S1")
        to_qa = await delivered_to(session, "channel:qa-team")
        assert await waiting_for(session, "person:S1") == 1
        assert await channels_posted(session) == ["all-staff", "qa-team"]
    assert [(d.key, d.platform) for d in to_s1] == [("a", "sandbox"), ("b", "teams")]
    assert [(d.key, d.platform) for d in to_qa] == [("post", "slack"), ("post@teams", "teams")]
