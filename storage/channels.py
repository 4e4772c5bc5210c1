"""Which real channel each of the programme's channel roles posts to, per platform."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from message_templates.model import Message
from storage._core import Upsert, run
from storage.models import ChannelBinding, HeldPost


@dataclass(frozen=True)
class Binding:
    platform: str
    role: str
    channel_id: str
    bound_at: dt.datetime


async def bind(
    session: AsyncSession, platform: str, role: str, channel_id: str, now: dt.datetime
) -> None:
    """Post `role` to `channel_id` on `platform` from now on, in place of any earlier channel."""
    values = {"platform": platform, "role": role, "channel_id": channel_id, "bound_at": now}
    await run(session, _BIND[session.get_bind().dialect.name], values)


def _bind(insert: Any) -> Any:
    statement = insert(ChannelBinding)
    return statement.on_conflict_do_update(
        index_elements=["platform", "role"],
        set_={"channel_id": statement.excluded.channel_id, "bound_at": statement.excluded.bound_at},
    )


_BIND = {"postgresql": _bind(postgresql.insert), "sqlite": _bind(sqlite.insert)}


async def unbind(session: AsyncSession, platform: str, role: str) -> bool:
    """Stop posting `role` on `platform`; False if it was not bound there."""
    statement = delete(ChannelBinding).where(
        ChannelBinding.platform == platform, ChannelBinding.role == role
    )
    result = await run(session, statement)
    return bool(getattr(result, "rowcount", 0))


async def bindings(session: AsyncSession) -> list[Binding]:
    """Every binding, by role and then platform."""
    rows = await run(
        session, select(*_COLUMNS).order_by(ChannelBinding.role, ChannelBinding.platform)
    )
    return [Binding(*row) for row in rows]


async def bound_on(session: AsyncSession, roles: Collection[str]) -> dict[str, set[str]]:
    """The platforms on which each of these roles has a channel; roles bound nowhere are left
    out."""
    if not roles:
        return {}
    found: dict[str, set[str]] = {}
    for role, platform in await run(session, _BOUND_ON, {"roles": list(roles)}):
        found.setdefault(role, set()).add(platform)
    return found


_COLUMNS = (
    ChannelBinding.platform,
    ChannelBinding.role,
    ChannelBinding.channel_id,
    ChannelBinding.bound_at,
)
_BOUND_ON = select(ChannelBinding.role, ChannelBinding.platform).where(
    ChannelBinding.role.in_(bindparam("roles", expanding=True))
)


@dataclass(frozen=True)
class Held:
    """A channel post waiting for its role to be bound on `platform`, under the outbox key its
    copy there will have."""

    key: str
    platform: str
    role: str
    message: Message
    not_before: dt.datetime


async def hold(session: AsyncSession, posts: Collection[Held], now: dt.datetime) -> int:
    """Keep these posts until their roles are bound; posts already held are left as they are.
    How many were new."""
    rows = [
        {
            "idempotency_key": p.key,
            "platform": p.platform,
            "role": p.role,
            "payload": p.message.to_dict(),
            "not_before": p.not_before,
            "held_at": now,
        }
        for p in posts
    ]
    return await _HOLD.insert(session, rows)


async def held(session: AsyncSession, platform: str, role: str) -> list[Held]:
    """The posts held for `role` on `platform`, oldest first."""
    rows = await run(session, _HELD, {"platform": platform, "role": role})
    return [
        Held(key, platform, role, Message.from_dict(payload), not_before)
        for key, payload, not_before in rows
    ]


async def release(session: AsyncSession, platform: str, role: str) -> list[Held]:
    """The posts held for `role` on `platform`, no longer held (the caller queues them)."""
    found = await held(session, platform, role)
    if found:
        await run(
            session,
            delete(HeldPost).where(HeldPost.platform == platform, HeldPost.role == role),
        )
    return found


_HOLD = Upsert(cast(Table, HeldPost.__table__), ("idempotency_key",))
_HELD = (
    select(HeldPost.idempotency_key, HeldPost.payload, HeldPost.not_before)
    .where(HeldPost.platform == bindparam("platform"), HeldPost.role == bindparam("role"))
    .order_by(HeldPost.id)
)
