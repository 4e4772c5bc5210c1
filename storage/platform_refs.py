"""Where people, conversations and sent messages live on a platform, kept across restarts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage._core import run
from storage.models import ConversationRef, OutboxMessage, Person
from storage.people import PLATFORM_USER_IDS


@dataclass(frozen=True)
class Someone:
    """A person on the roster as a platform edge needs them: who, and how to find them."""

    staff_id: str
    email: str
    user_id: str | None
    active: bool


async def someone(session: AsyncSession, platform: str, staff_id: str) -> Someone | None:
    """The person with this staff id, with their user id on `platform` if qabot knows it."""
    column = PLATFORM_USER_IDS[platform]
    row = (
        await session.execute(
            select(Person.staff_id, Person.email, column, Person.active).where(
                Person.staff_id == staff_id
            )
        )
    ).first()
    return Someone(*row) if row is not None else None


async def staff_id_of(session: AsyncSession, platform: str, user_id: str) -> str | None:
    """The staff id of the active person known on `platform` by `user_id`."""
    column = PLATFORM_USER_IDS[platform]
    found = await session.scalar(
        select(Person.staff_id).where(column == user_id, Person.active).limit(1)
    )
    return found


async def staff_id_by_email(session: AsyncSession, email: str) -> str | None:
    """The staff id of the active person with this email, whatever its case."""
    found = await session.scalar(
        select(Person.staff_id)
        .where(func.lower(Person.email) == email.strip().lower(), Person.active)
        .limit(1)
    )
    return found


async def remember_user_id(
    session: AsyncSession, platform: str, staff_id: str, user_id: str
) -> None:
    """Keep the user id a platform gave for this person, so it is looked up only once."""
    column = PLATFORM_USER_IDS[platform]
    await session.execute(
        update(Person).where(Person.staff_id == staff_id).values({column.key: user_id})
    )


async def conversation(session: AsyncSession, platform: str, address: str) -> dict[str, Any] | None:
    """What a platform needs to reach `address` (e.g. a DM channel id), if kept."""
    found = await session.scalar(
        select(ConversationRef.reference).where(
            ConversationRef.platform == platform, ConversationRef.address == address
        )
    )
    return dict(found) if found is not None else None


async def keep_conversation(
    session: AsyncSession,
    platform: str,
    address: str,
    reference: dict[str, Any],
    now: dt.datetime,
) -> None:
    """Keep (or replace) how to reach `address` on `platform`."""
    values = {"platform": platform, "address": address, "reference": reference, "updated_at": now}
    await run(session, _KEEP[session.get_bind().dialect.name], values)


def _keep(insert: Any) -> Any:
    statement = insert(ConversationRef)
    return statement.on_conflict_do_update(
        index_elements=["platform", "address"],
        set_={
            "reference": statement.excluded.reference,
            "updated_at": statement.excluded.updated_at,
        },
    )


_KEEP = {"postgresql": _keep(postgresql.insert), "sqlite": _keep(sqlite.insert)}


async def sent_key(
    session: AsyncSession, platform: str, conversation_id: str, message_id: str
) -> str | None:
    """The outbox key of the message delivered to `conversation_id` as `message_id`."""
    found = await session.scalar(
        select(OutboxMessage.idempotency_key)
        .where(
            OutboxMessage.platform == platform,
            OutboxMessage.platform_message_id == message_id,
            OutboxMessage.platform_conversation == conversation_id,
            OutboxMessage.replaces_key.is_(None),
        )
        .limit(1)
    )
    return found


async def sent_payload(session: AsyncSession, key: str) -> dict[str, Any] | None:
    """The current content of the message stored under `key`."""
    found = await session.scalar(
        select(OutboxMessage.payload).where(OutboxMessage.idempotency_key == key)
    )
    return dict(found) if found is not None else None
