"""qabot built as `qabot run` builds it for Teams, against loopback stand-ins for Microsoft."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select
from teams_standins import Connector, IdentityProvider, SigningKeys, test_certificate

from bot.app import Qabot, build, stop
from bot.settings import Settings, load_settings
from scheduler.clock import VirtualClock
from storage.models import ConversationRef, InboundEvent, OutboxMessage
from storage.people import PersonRecord, Roster, apply_roster

APP_ID = "9b1c7c5e-0000-4000-8000-0000000000aa"
TENANT_ID = "1a2b3c4d-5e6f-4789-a0b1-c2d3e4f5a6b7"
MONDAY = dt.datetime(2027, 1, 4, 10, 0, tzinfo=dt.UTC)
PAYLOADS = Path(__file__).parents[1] / "bot" / "teams" / "payloads"
# staff id, name, role, team, manager, email, AAD object id
PEOPLE = [
    ("S01", "Helen Clarke", "head_of_service", "Leadership", None, "Helen.Clarke@council.example"),
    ("S02", "Ruth Adeyemi", "qa_manager", "QA", "S01", "ruth.adeyemi@council.example"),
    ("S03", "Dana Hughes", "team_manager", "Team A", "S01", "dana.hughes@council.example"),
    ("S05", "Tom Okafor", "practitioner", "Team A", "S03", "tom.okafor@council.example"),
]
CLIENT_SECRET = "test-secret-not-for-logs"
TOM_AAD = "7f8e9d0c-1b2a-4354-6758-9a0b1c2d3e4f"


@dataclass
class Teams:
    """The running qabot and the stand-ins it talks to."""

    qabot: Qabot
    client: TestClient[Any, Any]
    keys: SigningKeys
    idp: IdentityProvider
    connector: Connector
    settings: Settings

    def token(self, **overrides: Any) -> str:
        values: dict[str, Any] = {"audience": APP_ID, "service_url": self.connector.url}
        return self.keys.sign(**(values | overrides))

    def activity(self, name: str, **changes: Any) -> dict[str, Any]:
        """A payload file with the stand-in connector as its serviceUrl, and `changes` applied."""
        found: dict[str, Any] = json.loads((PAYLOADS / f"payload_{name}.json").read_text())
        found["serviceUrl"] = self.connector.url
        return found | changes

    async def post(
        self, body: dict[str, Any] | bytes, token: str | None = "", **headers: str
    ) -> tuple[int, Any]:
        """POST to /api/messages with a valid token unless one (or None) is given."""
        if token == "":
            token = self.token()
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers.setdefault("Content-Type", "application/json")
        response = await self.client.post("/api/messages", data=data, headers=headers)
        text = await response.text()
        await self.qabot.idle()  # the deliveries it asked for, after its answer
        return response.status, json.loads(text) if text else None

    async def install_tom(self) -> None:
        """Tom installs qabot; the connector knows his email in another case than the roster."""
        self.connector.members["29:1AbCdEfGhIjKlMnOpQrStUvWxYz"] = {
            "id": "29:1AbCdEfGhIjKlMnOpQrStUvWxYz",
            "email": "Tom.Okafor@Council.Example",
            "userPrincipalName": "tom.okafor@council.example",
        }
        status, _ = await self.post(self.activity("install"))
        assert status == 202

    async def counts(self) -> tuple[int, int, int]:
        """Inbound events, outbox rows and conversation references: a refusal changes none."""
        async with self.qabot.deps.sessions() as session:
            return (
                int(await session.scalar(select(func.count(InboundEvent.id))) or 0),
                int(await session.scalar(select(func.count(OutboxMessage.id))) or 0),
                int(await session.scalar(select(func.count(ConversationRef.id))) or 0),
            )


async def _staff(qabot: Qabot) -> None:
    people = tuple(
        PersonRecord(sid, name, email, role, team, "Children", manager)
        for sid, name, role, team, manager, email in PEOPLE
    )
    async with qabot.deps.sessions.begin() as session:
        await apply_roster(session, Roster(people, ()), now=MONDAY, actor="test")


def settings_env(
    db: str, keys: SigningKeys, idp: IdentityProvider, connector: Connector
) -> dict[str, str]:
    return {
        "QABOT_DATABASE_URL": db,
        "QABOT_PLATFORM": "teams",
        "TEAMS_APP_ID": APP_ID,
        "TEAMS_TENANT_ID": TENANT_ID,
        "TEAMS_CLIENT_SECRET": CLIENT_SECRET,
        "TEAMS_OPENID_METADATA_URL": keys.metadata_url,
        "TEAMS_AUTHORITY_HOST": idp.server.url,
        "TEAMS_CONNECTOR_HOSTS": connector.server.url.removeprefix("http://"),
    }


async def running(db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Teams]:
    tls, ca_file = test_certificate(tmp_path)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca_file))  # msal's requests trusts the test CA
    keys, idp, connector = SigningKeys(), IdentityProvider(tls), Connector()
    async with keys.server, idp.server, connector.server:
        settings = load_settings(settings_env(db, keys, idp, connector), dotenv=None)
        qabot = build(settings, clock=VirtualClock(MONDAY))
        await _staff(qabot)
        async with TestClient(TestServer(qabot.web)) as client:
            yield Teams(qabot, client, keys, idp, connector, settings)
        await stop(qabot)  # deliveries handed on after answers finish before the pool closes
