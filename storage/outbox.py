"""The durable outbox: each message stored once under its idempotency key, claimed with a lease."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Row, Table, and_, bindparam, case, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from message_templates.model import Message
from storage.models import OutboxMessage

PENDING, SENDING, SENT, PARKED = "pending", "sending", "sent", "parked"
RECIPIENT_KINDS = ("person:", "channel:")


@dataclass(frozen=True)
class Claimed:
    """A row leased to one dispatcher; `target_id` is set when delivery updates a sent message."""

    id: int
    key: str
    recipient: str
    platform: str
    message: Message
    attempts: int
    revision: int
    lease_until: dt.datetime
    target_id: str | None = None
    target_conversation: str | None = None


@dataclass(frozen=True)
class SentRef:
    """Where a sent message lives on its platform, so it can be updated later."""

    platform: str
    conversation: str | None
    message_id: str


# What a claim reads back (Core rows: the dispatcher's hot path skips the ORM).
CLAIM_COLUMNS = (
    "id",
    "idempotency_key",
    "recipient",
    "platform",
    "payload",
    "attempts",
    "revision",
    "next_attempt_at",
    "lease_until",
    "platform_message_id",
    "platform_conversation",
    "replaces_key",
)


def _table() -> Table:
    return cast(Table, OutboxMessage.__table__)


def _insert(session: AsyncSession) -> Any:
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


async def enqueue(
    session: AsyncSession,
    *,
    key: str,
    recipient: str,
    platform: str,
    message: Message,
    not_before: dt.datetime,
    replaces_key: str | None = None,
    now: dt.datetime | None = None,
) -> bool:
    """Store a message to send at or after `not_before`; False if `key` was already stored.

    `replaces_key` names an earlier message whose platform message this one updates, if sent.
    """
    if not recipient.startswith(RECIPIENT_KINDS) or recipient.endswith(":"):
        raise ValueError(f"a recipient is person:<staff_id> or channel:<name>, not {recipient!r}")
    table = _table()
    statement = (
        _insert(session)(table)
        .values(
            idempotency_key=key,
            recipient=recipient,
            platform=platform,
            message_type=message.kind,
            payload=message.to_dict(),
            status=PENDING,
            attempts=0,
            revision=0,
            next_attempt_at=not_before,
            replaces_key=replaces_key,
            created_at=now or not_before,
        )
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(table.c.id)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None


async def claim_due(
    session: AsyncSession,
    *,
    now: dt.datetime,
    limit: int,
    lease: dt.timedelta,
    platforms: Collection[str] | None = None,
) -> list[Claimed]:
    """Lease due rows (and rows whose earlier lease ran out: a crashed dispatcher's) to the caller.

    PostgreSQL skips rows another dispatcher holds; SQLite serialises writers instead.
    """
    due = or_(
        and_(OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == SENDING, OutboxMessage.lease_until <= now),
    )
    if platforms is not None:
        due = and_(due, OutboxMessage.platform.in_(list(platforms)))
    chosen = (
        select(OutboxMessage.id)
        .where(due)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    table = _table()
    statement = (
        update(table)
        .where(table.c.id.in_(chosen.scalar_subquery()))
        .values(status=SENDING, lease_until=now + lease, attempts=table.c.attempts + 1)
        .returning(*(table.c[name] for name in CLAIM_COLUMNS))
    )
    rows = sorted((await session.execute(statement)).all(), key=lambda r: (r.next_attempt_at, r.id))
    targets = await _replaced_refs(session, [r.replaces_key for r in rows if r.replaces_key])
    return [_claimed(row, targets) for row in rows]


async def _replaced_refs(session: AsyncSession, keys: list[str]) -> dict[str, SentRef]:
    if not keys:
        return {}
    result = await session.execute(
        select(OutboxMessage).where(
            OutboxMessage.idempotency_key.in_(keys),
            OutboxMessage.platform_message_id.is_not(None),
        )
    )
    return {row.idempotency_key: _ref(row) for row in result.scalars()}


def _ref(row: OutboxMessage | Row[Any]) -> SentRef:
    assert row.platform_message_id is not None
    return SentRef(row.platform, row.platform_conversation, row.platform_message_id)


def _claimed(row: Row[Any], replaced: dict[str, SentRef]) -> Claimed:
    target: SentRef | None = None
    if row.platform_message_id is not None:
        target = _ref(row)
    elif row.replaces_key in replaced:
        target = replaced[row.replaces_key]
    assert row.lease_until is not None
    return Claimed(
        id=row.id,
        key=row.idempotency_key,
        recipient=row.recipient,
        platform=row.platform,
        message=Message.from_dict(row.payload),
        attempts=row.attempts,
        revision=row.revision,
        lease_until=row.lease_until,
        target_id=target.message_id if target else None,
        target_conversation=target.conversation if target else None,
    )


def _held(claimed: Claimed) -> Any:
    """Only the dispatcher still holding the lease may record an outcome."""
    return and_(
        OutboxMessage.id == claimed.id,
        OutboxMessage.status == SENDING,
        OutboxMessage.lease_until == claimed.lease_until,
    )


async def _record(session: AsyncSession, claimed: Claimed, **values: Any) -> bool:
    statement = (
        update(OutboxMessage)
        .where(_held(claimed))
        .values(**values)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None


async def mark_sent(
    session: AsyncSession,
    claimed: Claimed,
    *,
    now: dt.datetime,
    message_id: str,
    conversation: str | None,
) -> bool:
    """Record delivery; content updated meanwhile stays pending, as an update of this message."""
    newer = OutboxMessage.revision != claimed.revision
    return await _record(
        session,
        claimed,
        status=case((newer, PENDING), else_=SENT),
        attempts=case((newer, 0), else_=OutboxMessage.attempts),
        next_attempt_at=now,
        lease_until=None,
        platform_message_id=message_id,
        platform_conversation=conversation,
        last_error=None,
        sent_at=now,
    )


@dataclass(frozen=True)
class Receipt:
    """A delivery to record: the claimed row and where the platform put it."""

    claimed: Claimed
    message_id: str
    conversation: str | None


async def mark_sent_many(
    session: AsyncSession, receipts: Sequence[Receipt], *, now: dt.datetime
) -> None:
    """Record many deliveries in one statement; rows whose lease was lost are left alone."""
    if not receipts:
        return
    table = _table()  # Core, for one executemany statement
    newer = table.c.revision != bindparam("b_revision")
    statement = (
        update(table)
        .where(
            table.c.id == bindparam("b_id"),
            table.c.status == SENDING,
            table.c.lease_until == bindparam("b_lease"),
        )
        .values(
            status=case((newer, PENDING), else_=SENT),
            attempts=case((newer, 0), else_=table.c.attempts),
            next_attempt_at=now,
            lease_until=None,
            platform_message_id=bindparam("b_message_id"),
            platform_conversation=bindparam("b_conversation"),
            last_error=None,
            sent_at=now,
        )
    )
    parameters = [
        {
            "b_id": r.claimed.id,
            "b_lease": r.claimed.lease_until,
            "b_revision": r.claimed.revision,
            "b_message_id": r.message_id,
            "b_conversation": r.conversation,
        }
        for r in receipts
    ]
    await session.execute(statement, parameters)


async def mark_retry(
    session: AsyncSession,
    claimed: Claimed,
    *,
    next_at: dt.datetime,
    error: str,
    count_attempt: bool = True,
) -> bool:
    """Put the row back for another try at `next_at`; a rate-limit wait does not count."""
    attempts = claimed.attempts if count_attempt else claimed.attempts - 1
    return await _record(
        session,
        claimed,
        status=PENDING,
        attempts=attempts,
        next_attempt_at=next_at,
        lease_until=None,
        last_error=error[:500],
    )


async def release(session: AsyncSession, claimed: Claimed, *, now: dt.datetime) -> bool:
    """Hand back a row this dispatcher claimed but did not try, as if never claimed."""
    return await mark_retry(session, claimed, next_at=now, error="", count_attempt=False)


async def mark_parked(session: AsyncSession, claimed: Claimed, *, error: str) -> bool:
    """Stop trying: the row is kept for the QA team to see, never dropped."""
    return await _record(session, claimed, status=PARKED, lease_until=None, last_error=error[:500])


async def update_in_place(
    session: AsyncSession, key: str, message: Message, now: dt.datetime
) -> bool:
    """Queue new content for the message stored under `key` (e.g. checklist progress).

    A sent message goes back to pending as an update of the same platform message; an unsent
    one simply goes out with the new content. False if no such message or it is parked.
    """
    was_sent = OutboxMessage.status == SENT
    statement = (
        update(OutboxMessage)
        .where(OutboxMessage.idempotency_key == key, OutboxMessage.status != PARKED)
        .values(
            payload=message.to_dict(),
            message_type=message.kind,
            revision=OutboxMessage.revision + 1,
            status=case((was_sent, PENDING), else_=OutboxMessage.status),
            attempts=case((was_sent, 0), else_=OutboxMessage.attempts),
            next_attempt_at=case((was_sent, now), else_=OutboxMessage.next_attempt_at),
        )
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None


async def sent_message_ref(session: AsyncSession, key: str) -> SentRef | None:
    """Where the message stored under `key` was delivered, once it has been."""
    row = await session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.idempotency_key == key,
            OutboxMessage.platform_message_id.is_not(None),
        )
    )
    return _ref(row) if row is not None else None
