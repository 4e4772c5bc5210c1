"""Where to reach a person in Teams later: their 1:1 conversation reference, and who they are.

A reference is stored under the person's AAD object id when qabot is installed for them, so it
survives a restart; an uninstall forgets it. People are matched to the staff list by
`teams_user_id`, else by email (case-insensitive), and keep their AAD object id from then on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ConversationRef, Person

PLATFORM = "teams"


@dataclass(frozen=True)
class Reference:
    """The parts of a conversation reference qabot needs to post into it."""

    service_url: str
    conversation_id: str
    tenant_id: str = ""
    bot_id: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "serviceUrl": self.service_url,
            "conversationId": self.conversation_id,
            "tenantId": self.tenant_id,
            "botId": self.bot_id,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reference:
        return cls(
            service_url=str(data["serviceUrl"]),
            conversation_id=str(data["conversationId"]),
            tenant_id=str(data.get("tenantId", "")),
            bot_id=str(data.get("botId", "")),
        )


def user_address(aad_object_id: str) -> str:
    return f"user:{aad_object_id.lower()}"


def channel_address(channel_id: str) -> str:
    """Where a bound channel's team is reached (its serviceUrl), stored when bound from Teams."""
    return f"channel:{channel_id}"


async def remember(
    session: AsyncSession, address: str, reference: Reference, now: dt.datetime
) -> None:
    """Store (or refresh) the reference for `address`."""
    row = await session.scalar(
        select(ConversationRef).where(
            ConversationRef.platform == PLATFORM, ConversationRef.address == address
        )
    )
    if row is None:
        session.add(
            ConversationRef(
                platform=PLATFORM, address=address, reference=reference.to_dict(), updated_at=now
            )
        )
    else:
        row.reference = reference.to_dict()
        row.updated_at = now


async def reference_for(session: AsyncSession, address: str) -> Reference | None:
    found = await session.scalar(
        select(ConversationRef.reference).where(
            ConversationRef.platform == PLATFORM, ConversationRef.address == address
        )
    )
    return None if found is None else Reference.from_dict(found)


async def service_url_in_use(session: AsyncSession) -> str | None:
    """The serviceUrl of the most recently stored conversation: the tenant's connector, for
    conversations qabot opens itself."""
    found = await session.scalar(
        select(ConversationRef.reference)
        .where(ConversationRef.platform == PLATFORM)
        .order_by(ConversationRef.updated_at.desc(), ConversationRef.id.desc())
        .limit(1)
    )
    return None if found is None else str(found.get("serviceUrl") or "") or None


async def forget(session: AsyncSession, address: str) -> None:
    await session.execute(
        delete(ConversationRef).where(
            ConversationRef.platform == PLATFORM, ConversationRef.address == address
        )
    )


async def staff_id_of(session: AsyncSession, aad_object_id: str) -> str | None:
    """The active staff member known in Teams by this AAD object id: as qabot stores one
    (lower case, found through the index), else as a staff list may have written it."""
    wanted = aad_object_id.lower()
    found = await session.scalar(
        select(Person.staff_id).where(Person.teams_user_id == wanted, Person.active)
    )
    if found is None:
        found = await session.scalar(
            select(Person.staff_id).where(func.lower(Person.teams_user_id) == wanted, Person.active)
        )
    return found


async def person_and_reference(
    session: AsyncSession, staff_id: str
) -> tuple[str | None, Reference | None]:
    """Their Teams user id and their stored 1:1 conversation (either may be missing), read in
    one query: every proactive DM asks."""
    found = (await session.execute(_PERSON_AND_REFERENCE, {"staff_id": staff_id})).first()
    if found is None or found[0] is None:
        return None, None
    return found[0], None if found[1] is None else Reference.from_dict(found[1])


_PERSON_AND_REFERENCE = (
    select(Person.teams_user_id, ConversationRef.reference)
    .outerjoin(
        ConversationRef,
        and_(
            ConversationRef.platform == PLATFORM,
            ConversationRef.address == literal("user:") + func.lower(Person.teams_user_id),
        ),
    )
    .where(Person.staff_id == bindparam("staff_id"))
)


async def match_person(session: AsyncSession, aad_object_id: str, emails: list[str]) -> str | None:
    """The staff id of this Teams user: by `teams_user_id`, else by email, case-insensitive.
    A match by email keeps the AAD object id; a person whose `teams_user_id` the staff list
    gives is never matched by email to another account."""
    known = await staff_id_of(session, aad_object_id)
    if known is not None:
        return known
    wanted = [e.strip().lower() for e in emails if e and e.strip()]
    if not wanted:
        return None
    person = await session.scalar(
        select(Person).where(func.lower(Person.email).in_(wanted), Person.active)
    )
    if person is None:
        return None
    if person.teams_user_id is not None and person.teams_user_id.lower() != aad_object_id.lower():
        return None  # the staff list names another Teams account for them: it wins
    person.teams_user_id = aad_object_id.lower()
    return person.staff_id
