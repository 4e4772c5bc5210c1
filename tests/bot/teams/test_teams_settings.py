"""Teams settings: Microsoft's public cloud by default, other endpoints only as told."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings

BASE = {"TEAMS_APP_ID": "app", "TEAMS_TENANT_ID": "tenant", "TEAMS_CLIENT_SECRET": "s3cret"}


def test_defaults_are_microsofts_public_cloud() -> None:
    settings = load_settings(BASE, dotenv=None)
    assert settings.platforms == ("teams",)
    assert settings.teams_openid_metadata_url.startswith("https://login.botframework.com/")
    assert settings.teams_authority_host == "https://login.microsoftonline.com"
    assert settings.teams_connector_hosts == ("smba.trafficmanager.net",)
    assert "s3cret" not in repr(settings)


def test_a_certificate_may_stand_in_for_the_secret(tmp_path: Path) -> None:
    pem = tmp_path / "qabot.pem"
    pem.write_text("-----BEGIN PRIVATE KEY-----\n")
    env = {**BASE, "TEAMS_CLIENT_SECRET": "", "TEAMS_CERTIFICATE": str(pem)}
    assert load_settings(env, dotenv=None).teams_certificate_path == pem


def test_a_missing_certificate_and_a_plain_http_authority_are_refused(tmp_path: Path) -> None:
    env = {
        **BASE,
        "TEAMS_CLIENT_SECRET": "",
        "TEAMS_CERTIFICATE": str(tmp_path / "absent.pem"),
        "TEAMS_AUTHORITY_HOST": "http://login.example",
        "TEAMS_OPENID_METADATA_URL": "http://keys.example/metadata",
    }
    with pytest.raises(SettingsError) as raised:
        load_settings(env, dotenv=None)
    problems = raised.value.problems
    assert any("TEAMS_CERTIFICATE" in p for p in problems)
    assert any("TEAMS_AUTHORITY_HOST" in p for p in problems)
    assert any("TEAMS_OPENID_METADATA_URL" in p for p in problems)


def test_connector_hosts_are_a_comma_separated_list() -> None:
    env = {
        **BASE,
        "TEAMS_CONNECTOR_HOSTS": "smba.trafficmanager.net, SMBA.infra.gov.teams.microsoft.us",
    }
    hosts = load_settings(env, dotenv=None).teams_connector_hosts
    assert hosts == ("smba.trafficmanager.net", "smba.infra.gov.teams.microsoft.us")
