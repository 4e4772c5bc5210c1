"""`qabot manifest slack` prints a manifest Slack accepts, pointing at /slack/events."""

from __future__ import annotations

import json

import pytest

from bot.cli import main


def test_the_manifest_points_every_request_at_the_endpoint(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["manifest", "slack", "--url", "https://qabot.council.example/"]) == 0
    printed = json.loads(capsys.readouterr().out)
    endpoint = "https://qabot.council.example/slack/events"
    settings = printed["settings"]
    assert settings["event_subscriptions"]["request_url"] == endpoint
    assert settings["interactivity"] == {"is_enabled": True, "request_url": endpoint}
    assert printed["features"]["slash_commands"][0]["url"] == endpoint
    assert printed["features"]["slash_commands"][0]["command"] == "/qa"
    hint = printed["features"]["slash_commands"][0]["usage_hint"]
    assert hint.split(" | ") == ["help", "my qa", "meeting CASE on DATE at TIME",
                                 "away until DATE", "back"]  # fmt: skip
    assert "message.im" in settings["event_subscriptions"]["bot_events"]
    scopes = set(printed["oauth_config"]["scopes"]["bot"])
    assert {"chat:write", "im:write", "users:read.email", "commands"} <= scopes


def test_the_manifest_needs_an_https_url(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["manifest", "slack", "--url", "http://localhost:8765"]) == 2
    assert "https://" in capsys.readouterr().err


def test_the_socket_mode_manifest_needs_no_url(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["manifest", "slack", "--socket-mode"]) == 0
    printed = json.loads(capsys.readouterr().out)
    settings = printed["settings"]
    assert settings["socket_mode_enabled"] is True
    assert "request_url" not in settings["event_subscriptions"]
    assert "request_url" not in settings["interactivity"]
    assert "url" not in printed["features"]["slash_commands"][0]


def test_the_manifest_has_the_home_tab_and_what_joining_channels_needs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["manifest", "slack", "--url", "https://qabot.council.example"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["settings"]["socket_mode_enabled"] is False
    assert printed["features"]["app_home"]["home_tab_enabled"] is True
    assert "app_home_opened" in printed["settings"]["event_subscriptions"]["bot_events"]
    assert {"channels:join", "groups:read"} <= set(printed["oauth_config"]["scopes"]["bot"])
