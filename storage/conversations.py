"""What a person or channel has been sent, on every platform, as the sandbox shows it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutboxMessage


@dataclass(frozen=True)
class Delivered:
    key: str
    kind: str
    payload: dict[str, Any]
    sent_at: dt.datetime
    updated: bool
    platform: str


async def delivered_to(session: AsyncSession, recipient: str, limit: int = 50) -> list[Delivered]:
    """The newest messages delivered to `recipient` on any platform, oldest first."""
    rows = await session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.recipient == recipient,
            OutboxMessage.platform_message_id.is_not(None),
            OutboxMessage.replaces_key.is_(None),
        )
        .order_by(OutboxMessage.sent_at.desc(), OutboxMessage.id.desc())
        .limit(limit)
    )
    found = [
        Delivered(
            r.idempotency_key,
            r.message_type,
            r.payload,
            r.sent_at or r.created_at,
            updated=(r.revision or 0) > 0,  # changed in place since it was sent
            platform=r.platform,
        )
        for r in rows
    ]
    return list(reversed(found))


async def waiting_for(session: AsyncSession, recipient: str) -> int:
    """How many messages are queued for `recipient` on any platform and not yet sent."""
    count = await session.scalar(
        select(func.count()).where(
            OutboxMessage.recipient == recipient,
            OutboxMessage.status == "pending",
            OutboxMessage.platform_message_id.is_(None),
        )
    )
    return int(count or 0)


async def channels_posted(session: AsyncSession) -> list[str]:
    """The channel roles anything was queued for, on any platform."""
    rows = await session.scalars(
        select(OutboxMessage.recipient).distinct().where(OutboxMessage.recipient.like("channel:%"))
    )
    return sorted(r.removeprefix("channel:") for r in rows)


async def to_act_on(session: AsyncSession, recipients: list[str]) -> dict[str, int]:
    """How many delivered messages each recipient still has something to do in: a form, a
    checklist or a main (primary) button; a message whose item is done has none left."""
    if not recipients:
        return {}
    rows = await session.execute(
        select(OutboxMessage.recipient, OutboxMessage.payload).where(
            OutboxMessage.recipient.in_(recipients),
            OutboxMessage.platform_message_id.is_not(None),
            OutboxMessage.replaces_key.is_(None),
        )
    )
    counts: dict[str, int] = {}
    for recipient, payload in rows:
        if _asks_something(payload):
            counts[recipient] = counts.get(recipient, 0) + 1
    return counts


def _asks_something(payload: dict[str, Any]) -> bool:
    parts = [payload, *payload.get("sections", ())]
    return bool(payload.get("form")) or any(
        part.get("checklist") or any(b.get("style") == "primary" for b in part.get("buttons", ()))
        for part in parts
    )
