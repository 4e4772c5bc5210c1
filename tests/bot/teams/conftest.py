"""The `teams` fixture: qabot for Teams on SQLite, with Microsoft's side stood in on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from teams_harness import Teams, running


@pytest.fixture
async def teams(
    migrated_sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Teams]:
    async for harness in running(migrated_sqlite_url, tmp_path, monkeypatch):
        yield harness


@pytest.fixture
async def teams_on_each_database(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Teams]:
    """The same, on SQLite and on PostgreSQL."""
    async for harness in running(database_url, tmp_path, monkeypatch):
        yield harness
