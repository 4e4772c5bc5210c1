"""Settings come from an environment mapping; every problem is listed at once, no secret shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.settings import SettingsError, load_settings


def test_defaults_run_the_sandbox_on_sqlite() -> None:
    settings = load_settings({}, dotenv=None)
    assert settings.database_url == "sqlite:///./qabot.db"
    assert settings.platforms == ("sandbox",)
    assert (settings.host, settings.port) == ("127.0.0.1", 8765)
    assert settings.programme == "default"


def test_the_platform_follows_the_credentials() -> None:
    slack = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}
    assert load_settings(slack, dotenv=None).platforms == ("slack",)
    teams = {"TEAMS_APP_ID": "a", "TEAMS_TENANT_ID": "t", "TEAMS_CLIENT_SECRET": "s"}
    assert load_settings(teams, dotenv=None).platforms == ("teams",)


def test_every_problem_is_listed_at_once() -> None:
    env = {
        "QABOT_PORT": "99999",
        "QABOT_PLATFORM": "slack,teams,fax",
        "QABOT_CASE_LINK": "https://lcs.example/case",
        "QABOT_TEMPLATES_DIR": "/no/such/folder",
        "QABOT_DATABASE_URL": "mysql://x/y",
        "SLACK_SIGNING_SECRET": "shh-very-secret",
    }
    with pytest.raises(SettingsError) as raised:
        load_settings(env, dotenv=None)
    problems = raised.value.problems
    assert len(problems) == 9, problems
    assert any("QABOT_PORT" in p for p in problems)
    assert any("'fax'" in p for p in problems)
    assert any("{case_ref}" in p for p in problems)
    assert any("QABOT_TEMPLATES_DIR" in p for p in problems)
    assert any("QABOT_DATABASE_URL" in p for p in problems)
    assert any("SLACK_BOT_TOKEN" in p for p in problems)
    assert any("TEAMS_APP_ID" in p for p in problems)
    assert any("TEAMS_TENANT_ID" in p for p in problems)
    assert any("TEAMS_CLIENT_SECRET" in p for p in problems)
    assert not any("shh-very-secret" in p for p in problems)


def test_secrets_stay_out_of_repr() -> None:
    settings = load_settings(
        {"SLACK_BOT_TOKEN": "xoxb-secret", "SLACK_APP_TOKEN": "xapp-s"}, dotenv=None
    )
    assert "xoxb-secret" not in repr(settings)
    assert "xapp-s" not in repr(settings)


def test_dotenv_fills_what_the_environment_lacks(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("QABOT_PORT=9000\nQABOT_PROGRAMME=camden\n", encoding="utf-8")
    settings = load_settings({"QABOT_PROGRAMME": "durham"}, dotenv=dotenv)
    assert settings.port == 9000
    assert settings.programme == "durham"


def test_the_cli_prints_each_problem_on_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QABOT_PORT", "eighty")
    monkeypatch.setenv("QABOT_DATABASE_URL", "not a url")
    assert main(["db", "upgrade"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "qabot: QABOT_DATABASE_URL is not a database URL, e.g. sqlite:///./qabot.db",
        "qabot: QABOT_PORT must be a port number from 1 to 65535, not 'eighty'",
    ]


def test_an_unreachable_database_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QABOT_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    assert main(["db", "upgrade"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("qabot: cannot use the database (") and err.count("\n") == 1
    assert "Traceback" not in err
