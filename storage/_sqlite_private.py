"""A SQLite file that belongs to one task: its calls run on the event loop's own thread.

aiosqlite hands every call (cursor, execute, fetch, commit) to a worker thread and waits for
the answer, which keeps the loop free while another process holds the database. A throwaway
database that nothing else can open never waits on a lock, so those hops buy nothing and cost
most of the time of a short statement. `PrivateConnection` keeps aiosqlite's interface, which
SQLAlchemy's aiosqlite dialect drives, and runs each call where it is made.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import aiosqlite
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool

CHUNK = 64  # rows fetched per step when iterating a cursor, as aiosqlite's default


class PrivateConnection(aiosqlite.Connection):
    """An aiosqlite connection whose calls run inline instead of on its worker thread.

    The worker thread still starts and opens the connection, so the few things SQLAlchemy
    sends to the thread's queue directly (setting the isolation level) keep working. Like
    SQLAlchemy's own aiosqlite connections, the thread never holds the process open at exit.
    """

    def __init__(self, connector: Callable[[], sqlite3.Connection], iter_chunk_size: int) -> None:
        super().__init__(connector, iter_chunk_size)
        self._thread.daemon = True

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return partial(fn, *args, **kwargs)()


def private_engine(path: Path) -> AsyncEngine:
    """An engine over one connection to `path`, for a database no other task or process uses.

    One connection: a second session waits for the first to finish rather than meeting a
    locked database, which would block the loop's thread for the whole busy timeout.
    """

    async def connect() -> aiosqlite.Connection:
        def opened() -> sqlite3.Connection:
            return sqlite3.connect(path, check_same_thread=False)

        return await PrivateConnection(opened, CHUNK)

    return create_async_engine(
        "sqlite+aiosqlite://",
        async_creator=connect,
        poolclass=AsyncAdaptedQueuePool,
        pool_size=1,
        max_overflow=0,
        hide_parameters=True,
    )
