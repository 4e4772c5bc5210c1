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

# rows in one INSERT … VALUES: SQLite allows at most 32,766 bound values in one statement
ROWS_PER_VALUES = 500
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
        self._counted = {
            name: insert(table)
            .on_conflict_do_nothing(index_elements=list(conflict))
            .execution_options(preserve_rowcount=True)
            for name, insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
        }
        self._by_dialect = {
            name: statement.returning(table.c.id) for name, statement in self._counted.items()
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

    async def insert_many(self, session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> int:
        """The same for any number of rows, in the fastest way for the database.

        On PostgreSQL the rows go as one prepared statement run once per row, counted by the
        driver: a many-row VALUES list with RETURNING is parsed and planned anew for each batch,
        a quarter of a second or more for a council's round of 3,000 messages. On SQLite that
        list is the faster, in batches within its limit on bound values."""
        dialect = session.get_bind().dialect.name
        if dialect != "postgresql" or len(rows) <= 1:
            inserted = 0
            for start in range(0, len(rows), ROWS_PER_VALUES):
                inserted += await self.insert(session, rows[start : start + ROWS_PER_VALUES])
            return inserted
        result = await run(session, self._counted[dialect], rows)
        return int(result.rowcount)


def either(
    column: Any, values: Collection[Any], id_column: Any, ids: Collection[int]
) -> ColumnElement[bool]:
    """`column IN values OR id_column IN ids`, the second half only when there are ids."""
    condition: ColumnElement[bool] = column.in_(list(values))
    return or_(condition, id_column.in_(list(ids))) if ids else condition
