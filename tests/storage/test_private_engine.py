"""The simulation's private SQLite engine: the same SQL, run on the loop's thread, one session
at a time (a second waits its turn instead of finding the database locked)."""

from __future__ import annotations

import ast
import asyncio
import datetime as dt
import inspect
import sqlite3
import threading
from pathlib import Path

import aiosqlite
from sqlalchemy import func, select

from storage import make_private_engine, make_sessions, upgrade
from storage._sqlite_private import PrivateConnection
from storage.inbound import first_time
from storage.models import InboundEvent

NOW = dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.UTC)


async def test_sessions_take_turns_on_the_one_connection(tmp_path: Path) -> None:
    path = tmp_path / "private.db"
    upgrade(f"sqlite:///{path}")
    engine = make_private_engine(path)
    sessions = make_sessions(engine)
    order: list[str] = []

    async def writer(name: str, hold: float) -> None:
        async with sessions.begin() as session:
            assert await first_time(session, "sandbox", name, NOW)  # takes the connection
            order.append(f"{name} in")
            await asyncio.sleep(hold)  # another task runs meanwhile, and must wait its turn
            order.append(f"{name} out")

    try:
        await asyncio.gather(writer("first", 0.05), writer("second", 0))
        async with sessions() as session:
            count = await session.scalar(select(func.count()).select_from(InboundEvent))
            version = (await session.execute(select(func.sqlite_version()))).scalar_one()
    finally:
        await engine.dispose()
    assert order == ["first in", "first out", "second in", "second out"]
    assert count == 2 and version


async def test_a_repeated_event_is_still_refused(tmp_path: Path) -> None:
    path = tmp_path / "private.db"
    upgrade(f"sqlite:///{path}")
    engine = make_private_engine(path)
    sessions = make_sessions(engine)
    try:
        async with sessions.begin() as session:
            assert await first_time(session, "sandbox", "e1", NOW)
        async with sessions.begin() as session:
            assert not await first_time(session, "sandbox", "e1", NOW)
    finally:
        await engine.dispose()


ROOT = Path(__file__).resolve().parents[2]
# The private engine is for the simulation's throwaway database only: storage builds it, the
# simulation (and its helpers) use it; nothing on the production path may.
MAY_USE_IT = {"storage/database.py", "storage/__init__.py", "storage/_sqlite_private.py"}


def _may_use(path: str) -> bool:
    return (
        path in MAY_USE_IT
        or path == "scheduler/simulation.py"
        or (path.startswith("scheduler/_simulation_") and path.endswith(".py"))
    )


def test_only_the_simulation_uses_the_private_engine() -> None:
    users = set()
    for package in ("bot", "handlers", "scheduler", "storage", "message_templates", "benchmarks"):
        for source in (ROOT / package).rglob("*.py"):
            relative = source.relative_to(ROOT).as_posix()
            for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
                names: list[str] = []
                if isinstance(node, ast.ImportFrom):
                    names = [node.module or "", *(alias.name for alias in node.names)]
                elif isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                if any(n.endswith("_sqlite_private") or n == "make_private_engine" for n in names):
                    users.add(relative)
    assert "scheduler/simulation.py" in users
    strays = sorted(path for path in users if not _may_use(path))
    assert not strays, f"only the simulation may use the private SQLite engine: {strays}"


def test_aiosqlite_still_works_the_way_the_private_connection_assumes() -> None:
    """PrivateConnection overrides a private method of aiosqlite's and reads its attributes;
    if a new aiosqlite changes them, this says which, rather than the simulation misbehaving."""
    connection = aiosqlite.Connection
    parameters = list(inspect.signature(connection.__init__).parameters)
    assert parameters[1:3] == ["connector", "iter_chunk_size"], (
        f"aiosqlite.Connection.__init__ now takes {parameters[1:]}, not (connector, "
        "iter_chunk_size)"
    )
    assert inspect.iscoroutinefunction(vars(connection).get("_execute")), (
        "aiosqlite.Connection._execute, which PrivateConnection overrides, is gone or no "
        "longer a coroutine function"
    )
    for name in ("cursor", "commit", "rollback", "close", "create_function"):
        assert "self._execute(" in inspect.getsource(getattr(connection, name)), (
            f"aiosqlite.Connection.{name} no longer goes through _execute"
        )
    for name in ("execute", "executemany", "fetchone", "fetchmany", "fetchall", "close"):
        assert "self._execute(" in inspect.getsource(getattr(aiosqlite.Cursor, name)), (
            f"aiosqlite.Cursor.{name} no longer goes through Connection._execute"
        )
    assert callable(getattr(connection, "stop", None)), "aiosqlite.Connection.stop is gone"


async def test_a_private_connection_runs_its_calls_on_the_loops_thread(tmp_path: Path) -> None:
    def opened() -> sqlite3.Connection:  # opened on aiosqlite's thread, used on this one
        return sqlite3.connect(tmp_path / "t.db", check_same_thread=False)

    connection = await PrivateConnection(opened, 64)
    try:
        for name in ("_thread", "_running", "_connection", "_tx"):
            assert hasattr(connection, name), f"aiosqlite.Connection has no {name} any more"
        assert isinstance(connection._thread, threading.Thread), (
            "aiosqlite.Connection._thread is no longer a thread"
        )
        assert connection._thread.daemon, "aiosqlite.Connection._thread could not be a daemon"
        assert connection._running is True, "aiosqlite.Connection._running is not True when open"
        assert isinstance(connection._connection, sqlite3.Connection), (
            "aiosqlite.Connection._connection is not the sqlite3 connection"
        )
        assert callable(getattr(connection._tx, "put_nowait", None)), (
            "aiosqlite.Connection._tx is no longer a queue SQLAlchemy can put work on"
        )
        await connection.create_function("thread_id", 0, threading.get_ident)
        async with connection.execute("SELECT thread_id()") as cursor:
            (ran_on,) = await cursor.fetchone() or (None,)
        assert ran_on == threading.get_ident(), (
            "a statement on a PrivateConnection ran off the loop's thread: aiosqlite no longer "
            "routes its calls through Connection._execute"
        )
    finally:
        await connection.close()
    assert connection._connection is None
    connection._thread.join(timeout=5)
    assert not connection._thread.is_alive(), "aiosqlite's worker thread outlived close()"
