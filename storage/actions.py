"""Actions any capability raises (an audit's, an observation's): one table, followed until done
by the actions tracking (reminders, evidence, escalation) whichever capability raised them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Action


async def raise_actions(
    session: AsyncSession,
    *,
    source: str,
    source_id: int,
    owner_id: int,
    descriptions: Sequence[str],
    due_on: dt.date,
    now: dt.datetime,
) -> list[int]:
    """Store one open action per description, owned by `owner_id`; their ids."""
    rows = [
        Action(source=source, source_id=source_id, description=text, owner_id=owner_id,
               due_on=due_on, status="open", flagged=False, created_at=now)
        for text in descriptions
    ]  # fmt: skip
    session.add_all(rows)
    await session.flush()
    return [row.id for row in rows]
