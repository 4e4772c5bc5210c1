"""Claiming due outbox rows under a lease: the dispatcher's read side, private to storage."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Row, Table, and_, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from message_templates.model import Message
from storage._core import run
from storage.models import OutboxMessage

PENDING, SENDING, SENT, PARKED = "pending", "sending", "sent", "parked"


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


def outbox_table() -> Table:
    return cast(Table, OutboxMessage.__table__)


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
    statement = _CLAIM if platforms is None else _CLAIM_ON
    params: dict[str, Any] = {"now": now, "until": now + lease, "limit": limit}
    if platforms is not None:
        params["platforms"] = list(platforms)
    found = (await run(session, statement, params)).all()
    rows = sorted(found, key=lambda r: (r.next_attempt_at, r.id))
    targets = await _replaced_refs(session, [r.replaces_key for r in rows if r.replaces_key])
    return [_claimed(row, targets) for row in rows]


def _claim(on_platforms: bool) -> Any:
    """Lease the due rows, oldest first; built once with bound values (see storage/_core.py)."""
    now: Any = bindparam("now")
    due = or_(
        and_(OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == SENDING, OutboxMessage.lease_until <= now),
    )
    if on_platforms:
        # through coalesce, so SQLite walks the due index (status, next_attempt_at) rather than
        # the sent-message index on platform, which holds every row the platform ever sent
        platform = func.coalesce(OutboxMessage.platform, "")
        due = and_(due, platform.in_(bindparam("platforms", expanding=True)))
    chosen = (
        select(OutboxMessage.id)
        .where(due)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(bindparam("limit"))
        .with_for_update(skip_locked=True)
    )
    table = outbox_table()
    return (
        update(table)
        .where(table.c.id.in_(chosen.scalar_subquery()))
        .values(status=SENDING, lease_until=bindparam("until"), attempts=table.c.attempts + 1)
        .returning(*(table.c[name] for name in CLAIM_COLUMNS))
    )


_CLAIM, _CLAIM_ON = _claim(False), _claim(True)


async def _replaced_refs(session: AsyncSession, keys: list[str]) -> dict[str, SentRef]:
    if not keys:
        return {}
    result = await session.execute(
        select(OutboxMessage).where(
            OutboxMessage.idempotency_key.in_(keys),
            OutboxMessage.platform_message_id.is_not(None),
        )
    )
    return {row.idempotency_key: _sent_ref(row) for row in result.scalars()}


def _sent_ref(row: OutboxMessage | Row[Any]) -> SentRef:
    assert row.platform_message_id is not None
    return SentRef(row.platform, row.platform_conversation, row.platform_message_id)


def _claimed(row: Row[Any], replaced: dict[str, SentRef]) -> Claimed:
    target: SentRef | None = None
    if row.platform_message_id is not None:
        target = _sent_ref(row)
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
