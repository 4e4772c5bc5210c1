"""`qabot channels`, `channels bind` and `channels unbind` from the command line."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main
from message_templates.model import Message
from storage import make_engine, make_sessions, upgrade
from storage.channels import Held, hold
from storage.models import OutboxMessage
from storage.outbox import PENDING

NOW = dt.datetime(2027, 1, 11, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A SQLite URL in the environment, run from an empty folder so no .env is read."""
    url = f"sqlite:///{tmp_path / 'qabot.db'}"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QABOT_DATABASE_URL", url)
    monkeypatch.setenv("QABOT_PLATFORM", "slack")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    return url


def listed(capsys: pytest.CaptureFixture[str]) -> list[str]:
    assert main(["channels"]) == 0
    return capsys.readouterr().out.splitlines()


def test_list_bind_and_unbind(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert listed(capsys) == [
        "qa-team        slack: not bound",
        "practice-week  slack: not bound",
        "all-staff      slack: not bound",
    ]
    assert main(["channels", "bind", "qa-team", "--slack", "C01"]) == 0
    assert capsys.readouterr().out == "qabot: qa-team posts to C01 on slack\n"
    assert main(["channels", "bind", "all-staff", "--teams", "19:all@thread.tacv2"]) == 0
    capsys.readouterr()
    assert listed(capsys) == [
        "qa-team        slack: C01  teams: not bound",
        "practice-week  slack: not bound  teams: not bound",
        "all-staff      slack: not bound  teams: 19:all@thread.tacv2",
    ]
    assert main(["channels", "unbind", "qa-team", "--slack"]) == 0
    assert capsys.readouterr().out == "qabot: qa-team no longer posts on slack\n"
    assert listed(capsys)[0] == "qa-team        slack: not bound  teams: not bound"


def test_an_unknown_role_or_binding_is_one_clear_line(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["channels", "bind", "weekly", "--slack", "C01"]) == 2
    assert capsys.readouterr().err == (
        "qabot: the programme has no channel 'weekly' (it has: qa-team, practice-week, all-staff)\n"
    )
    assert main(["channels", "unbind", "qa-team", "--teams"]) == 2
    assert capsys.readouterr().err == "qabot: qa-team is not bound on teams\n"
    with pytest.raises(SystemExit) as exit_:
        main(["channels", "bind", "qa-team"])
    assert exit_.value.code == 2


def test_binding_releases_the_held_posts(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    upgrade(database)

    async def held() -> None:
        engine = make_engine(database)
        try:
            async with make_sessions(engine).begin() as session:
                post = Message(kind="practice_week_posted", text="Practice week")
                await hold(session, [Held("week:1", "slack", "practice-week", post, NOW)], NOW)
        finally:
            await engine.dispose()

    async def queued() -> list[tuple[str, str, str, str]]:
        engine = make_engine(database)
        try:
            async with make_sessions(engine)() as session:
                rows = await session.execute(
                    select(OutboxMessage.idempotency_key, OutboxMessage.recipient,
                           OutboxMessage.platform, OutboxMessage.status)
                )  # fmt: skip
                return [tuple(row) for row in rows]  # type: ignore[misc]
        finally:
            await engine.dispose()

    asyncio.run(held())
    assert main(["channels", "bind", "practice-week", "--slack", "C07"]) == 0
    assert capsys.readouterr().out == (
        "qabot: practice-week posts to C07 on slack; 1 held post queued\n"
    )
    assert asyncio.run(queued()) == [("week:1", "channel:practice-week", "slack", PENDING)]
