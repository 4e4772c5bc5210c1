"""Settings come from an environment mapping; every problem is listed at once, no secret shown."""

from __future__ import annotations

import datetime as dt
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
    slack = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}
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
        {"SLACK_BOT_TOKEN": "xoxb-secret", "SLACK_SIGNING_SECRET": "shh-s"}, dotenv=None
    )
    assert "xoxb-secret" not in repr(settings)
    assert "shh-s" not in repr(settings)


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


@pytest.mark.parametrize(
    ("raw", "utc"),
    [
        # a plain date is 08:00 UK time that day: GMT in winter, BST in summer
        ("2027-01-11", dt.datetime(2027, 1, 11, 8, 0, tzinfo=dt.UTC)),
        ("2027-07-12", dt.datetime(2027, 7, 12, 7, 0, tzinfo=dt.UTC)),
        ("2027-01-11T09:30", dt.datetime(2027, 1, 11, 9, 30, tzinfo=dt.UTC)),
        ("2027-06-01 09:00", dt.datetime(2027, 6, 1, 8, 0, tzinfo=dt.UTC)),
        # an offset is taken as given
        ("2027-06-01T09:00+00:00", dt.datetime(2027, 6, 1, 9, 0, tzinfo=dt.UTC)),
        ("2027-01-11T09:00Z", dt.datetime(2027, 1, 11, 9, 0, tzinfo=dt.UTC)),
        ("2027-01-11T09:00-05:00", dt.datetime(2027, 1, 11, 14, 0, tzinfo=dt.UTC)),
    ],
)
def test_the_sandbox_start_is_uk_time_unless_an_offset_is_given(raw: str, utc: dt.datetime) -> None:
    start = load_settings({"QABOT_SANDBOX_START": raw}, dotenv=None).sandbox_start
    assert start == utc
    assert start is not None and start.utcoffset() == dt.timedelta(0)


def test_without_a_sandbox_start_the_sandbox_runs_on_real_time() -> None:
    assert load_settings({"QABOT_SANDBOX_START": " "}, dotenv=None).sandbox_start is None


@pytest.mark.parametrize("raw", ["next tuesday", "2027-13-01", "2027-01-11T25:00", "11/01/2027"])
def test_a_bad_sandbox_start_is_listed_with_the_other_problems(raw: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings({"QABOT_SANDBOX_START": raw, "QABOT_PORT": "0"}, dotenv=None)
    problems = raised.value.problems
    assert len(problems) == 2, problems
    assert problems[1] == (
        "QABOT_SANDBOX_START (or --start) must be a date or date-time like 2027-01-11 "
        f"or 2027-01-11T09:00, not {raw!r}"
    )


def test_a_sandbox_start_is_refused_outside_the_sandbox() -> None:
    env = {
        "QABOT_SANDBOX_START": "2027-01-11",
        "QABOT_PLATFORM": "slack",
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "s",
    }
    with pytest.raises(SettingsError) as raised:
        load_settings(env, dotenv=None)
    assert raised.value.problems == [
        "QABOT_SANDBOX_START (or --start) moves the sandbox's clock only; "
        "unset it, or set QABOT_PLATFORM=sandbox"
    ]


def test_run_with_a_bad_start_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QABOT_SANDBOX_START", "2027-01-11")  # the flag wins over the setting
    monkeypatch.setenv("QABOT_DATABASE_URL", f"sqlite:///{tmp_path / 'qabot.db'}")
    assert main(["run", "--start", "January"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "qabot: QABOT_SANDBOX_START (or --start) must be a date or date-time like 2027-01-11 "
        "or 2027-01-11T09:00, not 'January'\n"
    )
    assert not (tmp_path / "qabot.db").exists()


def test_slack_needs_an_app_token_that_is_one_and_a_web_api_url_that_is_one() -> None:
    env = {
        "QABOT_PLATFORM": "slack",
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_APP_TOKEN": "xoxb-not-an-app-token",
        "QABOT_SLACK_API_URL": "slack-gov.com/api",
    }
    with pytest.raises(SettingsError) as raised:
        load_settings(env, dotenv=None)
    problems = raised.value.problems
    assert any("QABOT_SLACK_API_URL" in p for p in problems)
    assert any("Socket Mode" in p and "xapp-" in p for p in problems)
    ready = {  # Socket Mode needs no signing secret
        **env,
        "SLACK_APP_TOKEN": "xapp-1",
        "QABOT_SLACK_API_URL": "https://slack-gov.com/api/",
    }
    assert load_settings(ready, dotenv=None).slack_api_url == "https://slack-gov.com/api/"
