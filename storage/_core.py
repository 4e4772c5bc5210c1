"""Statements built once and run on the session's connection, for the paths every event takes.

`session.execute` routes even a plain Core statement through the ORM's bookkeeping, and
building a statement (coercing each column and operator) costs as much again as running it on
SQLite. The hot paths (an inbound event's dedupe, storing a message, loading an allocation)
build their statements once at import, with bound parameters, and run them here.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Executable, Table, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

Params = Mapping[str, Any] | Sequence[Mapping[str, Any]] | None


async def run(session: AsyncSession, statement: Executable, params: Params = None) -> Any:
    """Execute on the session's connection; the session's pending changes are flushed first,
    so the statement sees them as an ORM query would. One trip into SQLAlchemy's synchronous
    core, where `await session.connection()` and then `execute` would take two."""
    return await session.run_sync(_execute, statement, params)


def _execute(session: Session, statement: Executable, params: Params) -> CursorResult[Any]:
    if session.new or session.dirty or session.deleted:
        session.flush()
    return session.connection().execute(statement, params)


class Upsert:
    """`INSERT … ON CONFLICT DO NOTHING RETURNING id` for both databases, built once."""

    def __init__(self, table: Table, conflict: Sequence[str]) -> None:
        self._by_dialect = {
            name: insert(table)
            .on_conflict_do_nothing(index_elements=list(conflict))
            .returning(table.c.id)
            for name, insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
        }

    def statement(self, session: AsyncSession) -> Executable:
        return self._by_dialect[session.get_bind().dialect.name]

    async def insert(self, session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> int:
        """Insert the rows whose keys are new; how many were inserted."""
        if not rows:
            return 0
        # one row as plain parameters: a list of one would take the executemany path
        result = await run(session, self.statement(session), rows[0] if len(rows) == 1 else rows)
        return len(result.all())


def either(
    column: Any, values: Collection[Any], id_column: Any, ids: Collection[int]
) -> ColumnElement[bool]:
    """`column IN values OR id_column IN ids`, the second half only when there are ids."""
    condition: ColumnElement[bool] = column.in_(list(values))
    return or_(condition, id_column.in_(list(ids))) if ids else condition
