"""Engines, sessions and migrations for SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import weakref
from pathlib import Path
from types import TracebackType
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Engine, ExceptionContext
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session

from storage._sqlite_private import private_engine
from storage._write_gate import WriteGate

MIGRATIONS = Path(__file__).parent / "migrations"
WRITES = "qabot_writes"  # execution option: this connection's transactions write
logger = logging.getLogger(__name__)
# SQLite engines' write gates (storage/_write_gate.py), by engine
_GATES: weakref.WeakKeyDictionary[Engine, WriteGate] = weakref.WeakKeyDictionary()


class Sessions(async_sessionmaker[AsyncSession]):
    """Makes sessions; `begin()` gives one in a transaction, committed when the block ends and
    rolled back if it raises.

    SQLAlchemy's own `begin()` ends the block with three trips into its synchronous core (end
    the transaction, then close the session in a task of its own); this takes one. Every inbound
    event and delivery is a transaction, so the difference shows. As there, the session is
    closed, its connection back in the pool, before the block's caller goes on.

    On SQLite, writing transactions take turns in the process (storage/_write_gate.py); a plain
    `sessions()` block only reads, and never waits for them.
    """

    def begin(self) -> Transaction:  # type: ignore[override]
        writing, gate = self._writing()
        return Transaction(self(bind=writing), gate)

    def _writing(self) -> tuple[AsyncEngine, WriteGate | None]:
        """The engine marked for writing (see `_sqlite_begin`: a plain `sessions()` block only
        reads, so on SQLite it does not take the write lock), and its write gate if any."""
        found: tuple[AsyncEngine, WriteGate | None] | None = getattr(self, "_writer", None)
        if found is None:
            bind: AsyncEngine = self.kw["bind"]
            found = bind.execution_options(**{WRITES: True}), _GATES.get(bind.sync_engine)
            self._writer = found
        return found


class Transaction:
    """`async with sessions.begin() as session:` for `Sessions`."""

    __slots__ = ("gate", "session", "turn")

    def __init__(self, session: AsyncSession, gate: WriteGate | None = None) -> None:
        self.session = session
        self.gate = gate
        self.turn = False

    async def __aenter__(self) -> AsyncSession:
        if self.gate is not None:
            self.turn = await self.gate.acquire()
        return self.session

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            await self.session.run_sync(_end, kind is None)
        finally:
            if self.turn and self.gate is not None:
                self.turn = False
                self.gate.release()


def _end(session: Session, commit: bool) -> None:
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


def async_url(url: str) -> str:
    """The URL with an asyncio driver: aiosqlite for SQLite, psycopg 3 for PostgreSQL."""
    for plain, driver in (
        ("sqlite://", "sqlite+aiosqlite://"),
        ("postgresql://", "postgresql+psycopg://"),
        ("postgresql+psycopg2://", "postgresql+psycopg://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url


def sync_url(url: str) -> str:
    """The URL with a synchronous driver, for Alembic."""
    if url.startswith("sqlite+aiosqlite://"):
        return "sqlite://" + url[len("sqlite+aiosqlite://") :]
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def make_engine(url: str) -> AsyncEngine:
    """An asyncio engine; SQLite gets foreign keys and WAL switched on.

    PostgreSQL connections are pinged before use, so a restarted server costs a retry, not an
    error; a SQLite file cannot go away under its connection, so it is not pinged. Errors and
    logs never show a statement's values: they can hold reflections and message text.
    """
    if url.startswith(("sqlite:", "sqlite+")):
        return sqlite_setup(create_async_engine(async_url(url), hide_parameters=True))
    engine = create_async_engine(async_url(url), pool_pre_ping=True, hide_parameters=True)
    event.listen(engine.sync_engine, "handle_error", _without_detail)
    return engine


def _without_detail(context: ExceptionContext) -> None:
    """Keep PostgreSQL's primary error message and drop its DETAIL, which can quote the
    values written ("Failing row contains (…)", "Key (…)=(…) already exists").

    The driver's exception keeps its class and diagnostics (`diag`), so nothing that tells
    errors apart changes; only the text shown in tracebacks and logs is shortened.
    """
    original = context.original_exception
    diag = getattr(original, "diag", None)
    primary = getattr(diag, "message_primary", None)
    if not isinstance(primary, str) or not primary:
        return
    original.args = (primary,)
    wrapped = context.sqlalchemy_exception
    if wrapped is not None:
        kind = type(original)
        wrapped.args = (f"({kind.__module__}.{kind.__name__}) {primary}",)


def make_private_engine(path: Path) -> AsyncEngine:
    """An engine for a throwaway SQLite file that only the calling task uses (see
    storage/_sqlite_private.py): the same SQL and settings, without a thread hop per call."""
    return sqlite_setup(private_engine(path))


def sqlite_setup(engine: AsyncEngine) -> AsyncEngine:
    _GATES[engine.sync_engine] = WriteGate()
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    event.listen(engine.sync_engine, "begin", _sqlite_begin)
    event.listen(engine.sync_engine.pool, "invalidate", _sqlite_release)
    return engine


def _sqlite_release(dbapi_connection: Any, _record: object, _error: object) -> None:
    """Roll back a connection SQLAlchemy is about to throw away, e.g. because a request was
    cancelled in the middle of a statement.

    Closing it is not enough: the cancelled statement is still referenced (by the traceback
    the cancellation carries), so SQLite keeps the connection, and its write lock, until that
    is garbage collected; meanwhile every other writer finds the database locked.
    """
    if dbapi_connection is None:
        return
    try:
        dbapi_connection.rollback()
    except Exception:  # it is being closed anyway; the rollback only frees the lock sooner
        logger.debug("rollback before closing an invalidated connection failed", exc_info=True)


def _sqlite_begin(connection: Any) -> None:
    """A writing transaction (`Sessions.begin()`) takes the write lock up front, so two never
    deadlock upgrading to it; a reading one (a plain `sessions()` block) does not take it at
    all. With WAL a reader never waits for a writer, so reads (who is this person, which
    message was clicked) no longer queue behind every write, nor writes behind them.

    Straight to the driver: a statement of SQLAlchemy's would cost as much as the rest of a
    short transaction's bookkeeping, and this one has no parameters or result.
    """
    writes = connection.get_execution_options().get(WRITES, False)
    cursor = connection.connection.cursor()
    try:
        cursor.execute("BEGIN IMMEDIATE" if writes else "BEGIN")
    finally:
        cursor.close()


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    # SQLAlchemy emits BEGIN itself (see _sqlite_begin), which makes SAVEPOINT work.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    # With WAL, NORMAL keeps the database consistent after a crash and commits much faster.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_sessions(engine: AsyncEngine) -> Sessions:
    return Sessions(engine, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", sync_url(url).replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    """Bring the database at `url` to the newest schema (synchronous: run it before the loop)."""
    command.upgrade(alembic_config(url), "head")
