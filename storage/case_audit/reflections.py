"""Reflective-discussion answers in the database: one row per person, prompt and audit.

Plain rows in and out, through statements built once: saving a reflection is one of the
commonest things people do, and it should cost a few short statements.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage._core import run
from storage.models import Reflection


@dataclass(frozen=True)
class Answer:
    """One saved answer."""

    id: int
    allocation_id: int
    person_id: int
    prompt: str
    answer: str
    created_at: dt.datetime
    updated_at: dt.datetime


_COLUMNS = (
    Reflection.id, Reflection.allocation_id, Reflection.person_id, Reflection.prompt,
    Reflection.answer, Reflection.created_at, Reflection.updated_at,
)  # fmt: skip
_SAVED = select(*_COLUMNS).where(
    Reflection.allocation_id == bindparam("allocation_id"),
    Reflection.person_id == bindparam("person_id"),
)
_ON_AUDITS = (
    select(*_COLUMNS)
    .where(Reflection.allocation_id.in_(bindparam("ids", expanding=True)))
    .order_by(Reflection.allocation_id, Reflection.person_id, Reflection.id)
)
_CHANGE = (
    update(Reflection)
    .where(Reflection.id == bindparam("answer_id"))
    .values(answer=bindparam("new_answer"), updated_at=bindparam("now"))
)
_ADD = insert(Reflection)


async def saved(session: AsyncSession, allocation_id: int, person_id: int) -> list[Answer]:
    """The answers this person has saved on this audit, if any."""
    found = await run(session, _SAVED, {"allocation_id": allocation_id, "person_id": person_id})
    return [Answer(*row) for row in found]


async def on_audits(session: AsyncSession, allocation_ids: Collection[int]) -> list[Answer]:
    """Every answer on these audits, by audit, then person, then the order they were given."""
    if not allocation_ids:
        return []
    return [Answer(*row) for row in await run(session, _ON_AUDITS, {"ids": list(allocation_ids)})]


async def add(
    session: AsyncSession,
    allocation_id: int,
    person_id: int,
    answers: Mapping[str, str],
    now: dt.datetime,
) -> None:
    """Store a person's first answers to the prompts, in one statement."""
    rows = [
        {"allocation_id": allocation_id, "person_id": person_id, "prompt": prompt,
         "answer": answer, "created_at": now, "updated_at": now}
        for prompt, answer in answers.items()
    ]  # fmt: skip
    if rows:
        await run(session, _ADD, rows)


async def change(session: AsyncSession, answers: Mapping[int, str], now: dt.datetime) -> None:
    """Replace saved answers (by their id) with new text, in one statement."""
    rows = [{"answer_id": i, "new_answer": text, "now": now} for i, text in answers.items()]
    if rows:
        await run(session, _CHANGE, rows)
