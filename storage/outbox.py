"""The durable outbox: each message stored once under its idempotency key, claimed with a lease."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import String, and_, bindparam, case, cast, exists, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from message_templates.model import Message
from storage._core import Upsert, run
from storage._outbox_claim import (
    PARKED,
    PENDING,
    SENDING,
    SENT,
    Claimed,
    claim_due,
    outbox_table,
)
from storage.models import OutboxMessage

__all__ = [
    "PARKED",
    "PENDING",
    "SENDING",
    "SENT",
    "Claimed",
    "Outgoing",
    "Receipt",
    "claim_due",
    "enqueue",
    "enqueue_many",
    "keys_to",
    "known_keys",
    "mark_parked",
    "mark_retry",
    "mark_sent_many",
    "never_sent",
    "update_in_place",
]

_NEW_KEYS = Upsert(outbox_table(), ("idempotency_key",))
RECIPIENT_KINDS = ("person:", "channel:")
CHUNK = 500  # rows per INSERT: SQLite allows at most 32,766 bound values in one statement


@dataclass(frozen=True)
class Outgoing:
    """One message to store: what, to whom, on which platform, and not before when."""

    key: str
    recipient: str
    platform: str
    message: Message
    not_before: dt.datetime
    replaces_key: str | None = None


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
    outgoing = Outgoing(key, recipient, platform, message, not_before, replaces_key)
    return await enqueue_many(session, [outgoing], now=now) == 1


async def enqueue_many(
    session: AsyncSession, messages: Sequence[Outgoing], *, now: dt.datetime | None = None
) -> int:
    """Store many messages in one statement; keys already stored are skipped. How many stored."""
    rows = [_row(m, now) for m in messages]
    stored = 0
    for start in range(0, len(rows), CHUNK):
        stored += await _NEW_KEYS.insert(session, rows[start : start + CHUNK])
    return stored


def never_sent(prefix: str, id_column: Any) -> Any:
    """A condition for a query: no outbox message is keyed `<prefix><id>` for this row, so a
    sweep reads only what it has not yet sent about (e.g. "audit.escalated:" and the id)."""
    key = literal(prefix) + cast(id_column, String)
    return ~exists().where(OutboxMessage.idempotency_key == key)


async def known_keys(session: AsyncSession, keys: Collection[str]) -> set[str]:
    """Which of these keys are already in the outbox, so a sweep need not compose them again."""
    if not keys:
        return set()
    return set((await run(session, _KNOWN_KEYS, {"keys": list(keys)})).scalars())


_KNOWN_KEYS = select(OutboxMessage.idempotency_key).where(
    OutboxMessage.idempotency_key.in_(bindparam("keys", expanding=True))
)


async def keys_to(session: AsyncSession, keys: Collection[str], recipient: str) -> list[str]:
    """Which of these keys are messages to `recipient`, in the order given: a message to be
    updated in place is found this way when an item can have passed from one person to another."""
    found = set((await run(session, _KEYS_TO, {"keys": list(keys), "to": recipient})).scalars())
    return [key for key in keys if key in found]


_KEYS_TO = _KNOWN_KEYS.where(OutboxMessage.recipient == bindparam("to"))


def _row(outgoing: Outgoing, now: dt.datetime | None) -> dict[str, Any]:
    recipient = outgoing.recipient
    if not recipient.startswith(RECIPIENT_KINDS) or recipient.endswith(":"):
        raise ValueError(f"a recipient is person:<staff_id> or channel:<name>, not {recipient!r}")
    return {
        "idempotency_key": outgoing.key,
        "recipient": recipient,
        "platform": outgoing.platform,
        "message_type": outgoing.message.kind,
        "payload": outgoing.message.to_dict(),
        "status": PENDING,
        "attempts": 0,
        "revision": 0,
        "next_attempt_at": outgoing.not_before,
        "replaces_key": outgoing.replaces_key,
        "created_at": now or outgoing.not_before,
    }


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


@dataclass(frozen=True)
class Receipt:
    """A delivery to record: the claimed row and where the platform put it."""

    claimed: Claimed
    message_id: str
    conversation: str | None


async def mark_sent_many(
    session: AsyncSession, receipts: Sequence[Receipt], *, now: dt.datetime
) -> None:
    """Record many deliveries in one statement; rows whose lease was lost are left alone.

    A row whose content was updated while it was in flight (`update_in_place` moved its
    revision on) is not marked sent: it goes back to pending, due at once, as an update of
    the platform message just delivered, so the newer content still goes out.
    """
    if not receipts:
        return
    parameters = [
        {
            "b_id": r.claimed.id,
            "b_lease": r.claimed.lease_until,
            "b_revision": r.claimed.revision,
            "b_message_id": r.message_id,
            "b_conversation": r.conversation,
            "b_now": now,
        }
        for r in receipts
    ]
    await run(session, _MARK_SENT, parameters)


def _mark_sent() -> Any:
    table = outbox_table()  # Core, for one executemany statement
    newer = table.c.revision != bindparam("b_revision")
    return (
        update(table)
        .where(
            table.c.id == bindparam("b_id"),
            table.c.status == SENDING,
            table.c.lease_until == bindparam("b_lease"),
        )
        .values(
            status=case((newer, PENDING), else_=SENT),
            attempts=case((newer, 0), else_=table.c.attempts),
            next_attempt_at=bindparam("b_now"),
            lease_until=None,
            platform_message_id=bindparam("b_message_id"),
            platform_conversation=bindparam("b_conversation"),
            last_error=None,
            sent_at=bindparam("b_now"),
        )
    )


_MARK_SENT = _mark_sent()


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
    found = await run(session, _UPDATE_IN_PLACE, {
        "u_key": key, "u_payload": message.to_dict(), "u_kind": message.kind, "u_now": now,
    })  # fmt: skip
    return found.scalar_one_or_none() is not None


async def settle(session: AsyncSession, keys: Collection[str], line: str, now: dt.datetime) -> int:
    """The messages stored under `keys` know their item is done: their buttons, forms and
    checklists go, and `line` (what happened and when) is said at their foot; each is updated
    in place on its platform. A message already settled, unsent or parked is left alone."""
    wanted = [k for k in keys if k]
    if not wanted:
        return 0
    rows = (
        await session.execute(
            select(OutboxMessage.idempotency_key, OutboxMessage.payload).where(
                OutboxMessage.idempotency_key.in_(wanted),
                OutboxMessage.platform_message_id.is_not(None),
            )
        )
    ).all()
    settled = 0
    for key, payload in rows:
        message = Message.from_dict(payload)
        if message.footer == line:
            continue
        sections = tuple(replace(s, buttons=(), checklist=()) for s in message.sections)
        done = replace(message, buttons=(), form=None, checklist=(), sections=sections,
                       footer=line)  # fmt: skip
        settled += await update_in_place(session, key, done, now)
    return settled


async def settle_items(
    session: AsyncSession,
    recipients: Collection[str],
    match: dict[str, Any],
    line: str,
    now: dt.datetime,
    within: dt.timedelta = dt.timedelta(days=62),
) -> int:
    """The day's gathered messages (`reminders:` keys) sent to `recipients` lately that carry
    an item whose meta has every field of `match`: that item's section loses its buttons and
    checklist and says `line`; a message of that one item is settled whole."""
    rows = (
        await session.execute(
            select(OutboxMessage.idempotency_key, OutboxMessage.payload).where(
                OutboxMessage.recipient.in_(list(recipients)),
                OutboxMessage.idempotency_key.startswith("reminders:"),
                OutboxMessage.platform_message_id.is_not(None),
                OutboxMessage.sent_at >= now - within,
            )
        )
    ).all()
    settled = 0
    for key, payload in rows:
        items = payload.get("meta", {}).get("items") or []
        hits = [
            n for n, item in enumerate(items)
            if all(item.get("meta", {}).get(k) == v for k, v in match.items())
        ]  # fmt: skip
        if not hits:
            continue
        message = Message.from_dict(payload)
        if not message.sections:
            if message.footer != line:
                done = replace(message, buttons=(), form=None, checklist=(), footer=line)
                settled += await update_in_place(session, key, done, now)
            continue
        sections = list(message.sections)
        changed = False
        for n in hits:
            if n < len(sections) and sections[n].buttons:
                part = sections[n]
                sections[n] = replace(part, buttons=(), checklist=(),
                                      text=f"{part.text}\n\n{line}".strip())  # fmt: skip
                changed = True
        if changed:
            settled += await update_in_place(
                session, key, replace(message, sections=tuple(sections)), now
            )
    return settled


def _update_in_place() -> Any:
    table = outbox_table()
    was_sent = table.c.status == SENT
    now = bindparam("u_now", type_=table.c.next_attempt_at.type)
    return (
        update(table)
        .where(table.c.idempotency_key == bindparam("u_key"), table.c.status != PARKED)
        .values(
            payload=bindparam("u_payload", type_=table.c.payload.type),
            message_type=bindparam("u_kind"),
            revision=table.c.revision + 1,
            status=case((was_sent, PENDING), else_=table.c.status),
            attempts=case((was_sent, 0), else_=table.c.attempts),
            next_attempt_at=case((was_sent, now), else_=table.c.next_attempt_at),
        )
        .returning(table.c.id)
    )


_UPDATE_IN_PLACE = _update_in_place()
