"""Settings read from an environment mapping (and an optional .env), every problem at once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from dotenv import dotenv_values
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

PLATFORMS = ("sandbox", "slack", "teams")
# A sandbox start with no offset is UK local time; a plain date starts at 08:00 that day.
SANDBOX_ZONE = ZoneInfo("Europe/London")
SANDBOX_MORNING = dt.time(8, 0)
# Microsoft's public cloud: where the Bot Connector's signing keys are published, where msal
# asks for tokens, and the hosts a Teams activity's serviceUrl may name.
TEAMS_OPENID_METADATA = "https://login.botframework.com/v1/.well-known/openidconfiguration"
TEAMS_AUTHORITY_HOST = "https://login.microsoftonline.com"
TEAMS_CONNECTOR_HOSTS = ("smba.trafficmanager.net",)
SECRET_NAMES = frozenset(
    {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "TEAMS_CLIENT_SECRET"}
)


class SettingsError(ValueError):
    """Raised with every problem found in the settings, one per line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Settings:
    """What qabot needs to start; secrets are kept out of repr."""

    database_url: str = "sqlite:///./qabot.db"
    programme: str = "default"
    platforms: tuple[str, ...] = ("sandbox",)
    host: str = "127.0.0.1"
    port: int = 8765
    case_link: str | None = None
    templates_dir: Path | None = None
    slack_api_url: str | None = None
    slack_bot_token: str | None = field(default=None, repr=False)
    slack_signing_secret: str | None = field(default=None, repr=False)
    slack_app_token: str | None = field(default=None, repr=False)
    teams_app_id: str | None = None
    teams_tenant_id: str | None = None
    teams_client_secret: str | None = field(default=None, repr=False)
    teams_certificate_path: Path | None = None
    teams_openid_metadata_url: str = TEAMS_OPENID_METADATA
    teams_authority_host: str = TEAMS_AUTHORITY_HOST
    teams_connector_hosts: tuple[str, ...] = TEAMS_CONNECTOR_HOSTS
    sandbox_start: dt.datetime | None = None

    @property
    def has_slack(self) -> bool:
        return bool(self.slack_bot_token)

    @property
    def has_teams(self) -> bool:
        return bool(self.teams_app_id)


def load_settings(env: Mapping[str, str], dotenv: Path | None = Path(".env")) -> Settings:
    """Build Settings from `env`, with values from `dotenv` filling what `env` lacks."""
    merged: dict[str, str] = {}
    if dotenv is not None and dotenv.is_file():
        merged.update({k: v for k, v in dotenv_values(dotenv).items() if v is not None})
    merged.update(env)
    problems: list[str] = []
    values = _read_values(merged, problems)
    if problems:
        raise SettingsError(problems)
    return Settings(**values)  # type: ignore[arg-type]


def _get(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def _read_values(env: Mapping[str, str], problems: list[str]) -> dict[str, object]:
    values: dict[str, object] = {
        "database_url": _get(env, "QABOT_DATABASE_URL") or "sqlite:///./qabot.db",
        "programme": _get(env, "QABOT_PROGRAMME") or "default",
        "host": _get(env, "QABOT_HOST") or "127.0.0.1",
        "case_link": _get(env, "QABOT_CASE_LINK"),
        "slack_api_url": _get(env, "QABOT_SLACK_API_URL"),
        "slack_bot_token": _get(env, "SLACK_BOT_TOKEN"),
        "slack_signing_secret": _get(env, "SLACK_SIGNING_SECRET"),
        "slack_app_token": _get(env, "SLACK_APP_TOKEN"),
        "teams_app_id": _get(env, "TEAMS_APP_ID"),
        "teams_tenant_id": _get(env, "TEAMS_TENANT_ID"),
        "teams_client_secret": _get(env, "TEAMS_CLIENT_SECRET"),
    }
    _check_database_url(str(values["database_url"]), problems)
    values["port"] = _read_port(env, problems)
    values["templates_dir"] = _read_dir(env, "QABOT_TEMPLATES_DIR", problems)
    _read_teams(env, values, problems)
    _check_case_link(values["case_link"], problems)
    values["platforms"] = _read_platforms(env, values, problems)
    _check_socket_mode(values, problems)
    values["sandbox_start"] = _read_sandbox_start(env, values["platforms"], problems)
    return values


def _read_teams(env: Mapping[str, str], values: dict[str, object], problems: list[str]) -> None:
    """The Teams certificate, and Microsoft's endpoints (overridable for other clouds and tests)."""
    cert = _get(env, "TEAMS_CERTIFICATE") or _get(env, "TEAMS_CERTIFICATE_PATH")
    values["teams_certificate_path"] = Path(cert) if cert else None
    if cert and not Path(cert).is_file():
        problems.append(f"TEAMS_CERTIFICATE must name a PEM file; {cert!r} is not a file")
    metadata = _get(env, "TEAMS_OPENID_METADATA_URL") or TEAMS_OPENID_METADATA
    authority = _get(env, "TEAMS_AUTHORITY_HOST") or TEAMS_AUTHORITY_HOST
    if not metadata.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        problems.append(f"TEAMS_OPENID_METADATA_URL must be an https:// URL, not {metadata!r}")
    if not authority.startswith("https://"):
        problems.append("TEAMS_AUTHORITY_HOST must be an https:// URL (msal refuses others)")
    values["teams_openid_metadata_url"] = metadata
    values["teams_authority_host"] = authority.rstrip("/")
    hosts = _get(env, "TEAMS_CONNECTOR_HOSTS")
    values["teams_connector_hosts"] = (
        tuple(h.strip().lower() for h in hosts.split(",") if h.strip())
        if hosts
        else TEAMS_CONNECTOR_HOSTS
    )


def _check_database_url(url: str, problems: list[str]) -> None:
    try:
        parsed = make_url(url)
    except ArgumentError:
        problems.append("QABOT_DATABASE_URL is not a database URL, e.g. sqlite:///./qabot.db")
        return
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        problems.append("QABOT_DATABASE_URL must be a sqlite:// or postgresql:// URL")


def _read_port(env: Mapping[str, str], problems: list[str]) -> int:
    raw = _get(env, "QABOT_PORT") or "8765"
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        problems.append(f"QABOT_PORT must be a port number from 1 to 65535, not {raw!r}")
        return 8765
    return int(raw)


def _read_dir(env: Mapping[str, str], name: str, problems: list[str]) -> Path | None:
    raw = _get(env, name)
    if raw is None:
        return None
    path = Path(raw)
    if not path.is_dir():
        problems.append(f"{name} must name an existing folder; {raw!r} is not one")
    return path


def parse_sandbox_start(raw: str) -> dt.datetime:
    """`2027-01-11` (08:00 that day) or `2027-01-11T09:00`, UK local time unless an offset is given.

    Returned in UTC; raises ValueError for anything else.
    """
    text = raw.strip()
    if "T" not in text and " " not in text:
        day = dt.date.fromisoformat(text)
        return dt.datetime.combine(day, SANDBOX_MORNING, tzinfo=SANDBOX_ZONE).astimezone(dt.UTC)
    moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SANDBOX_ZONE)
    return moment.astimezone(dt.UTC)


def _read_sandbox_start(
    env: Mapping[str, str], platforms: object, problems: list[str]
) -> dt.datetime | None:
    raw = _get(env, "QABOT_SANDBOX_START")
    if raw is None:
        return None
    try:
        start = parse_sandbox_start(raw)
    except (ValueError, OverflowError):
        problems.append(
            "QABOT_SANDBOX_START (or --start) must be a date or date-time like 2027-01-11 "
            f"or 2027-01-11T09:00, not {raw!r}"
        )
        return None
    if platforms != ("sandbox",):
        problems.append(
            "QABOT_SANDBOX_START (or --start) moves the sandbox's clock only; "
            "unset it, or set QABOT_PLATFORM=sandbox"
        )
    return start


def _check_case_link(link: object, problems: list[str]) -> None:
    if isinstance(link, str) and "{case_ref}" not in link:
        problems.append("QABOT_CASE_LINK must contain {case_ref}, where the case reference goes")


def _read_platforms(
    env: Mapping[str, str], values: dict[str, object], problems: list[str]
) -> tuple[str, ...]:
    raw = _get(env, "QABOT_PLATFORM")
    if raw is None:
        pairs = (("slack", "slack_bot_token"), ("teams", "teams_app_id"))
        chosen = tuple(name for name, key in pairs if values[key])
        return chosen or ("sandbox",)
    names = tuple(p.strip() for p in raw.split(",") if p.strip())
    for name in names:
        if name not in PLATFORMS:
            problems.append(
                f"QABOT_PLATFORM: unknown platform {name!r} (use {', '.join(PLATFORMS)})"
            )
    if "slack" in names:
        _require(values, problems, "slack", ("slack_bot_token", "SLACK_BOT_TOKEN"))
        if not values["slack_app_token"]:
            _require(values, problems, "slack", ("slack_signing_secret", "SLACK_SIGNING_SECRET"))
        _check_slack_api_url(values["slack_api_url"], problems)
    if "teams" in names:
        _require(values, problems, "teams", ("teams_app_id", "TEAMS_APP_ID"))
        _require(values, problems, "teams", ("teams_tenant_id", "TEAMS_TENANT_ID"))
        if not values["teams_client_secret"] and not values["teams_certificate_path"]:
            problems.append("teams needs TEAMS_CLIENT_SECRET or TEAMS_CERTIFICATE (a PEM file)")
    return names


def _check_socket_mode(values: dict[str, object], problems: list[str]) -> None:
    """Socket Mode needs an app-level token (xapp-…); with it, no signing secret is needed."""
    token = values["slack_app_token"]
    if isinstance(token, str) and not token.startswith("xapp-"):
        problems.append(
            "SLACK_APP_TOKEN must be the app-level token for Socket Mode, starting xapp- "
            "(Basic Information > App-Level Tokens, with the connections:write scope)"
        )


def _check_slack_api_url(url: object, problems: list[str]) -> None:
    if isinstance(url, str) and not url.startswith(("https://", "http://")):
        problems.append(
            "QABOT_SLACK_API_URL must be the Web API's base URL, e.g. https://slack-gov.com/api/"
        )


def _require(
    values: dict[str, object], problems: list[str], platform: str, key: tuple[str, str]
) -> None:
    if not values[key[0]]:
        problems.append(f"{platform} needs {key[1]}")
