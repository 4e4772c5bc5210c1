"""qabot built for Teams against the loopback stand-ins the Teams tests use (tests/support):
the Bot Connector enforcing Teams' limits, msal's token endpoint over TLS with a test CA, and
the signing keys for inbound tokens."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web
from sqlalchemy import insert

SUPPORT = Path(__file__).parents[1] / "tests" / "support"
if str(SUPPORT) not in sys.path:
    sys.path.insert(0, str(SUPPORT))

from teams_harness import APP_ID, MONDAY, TENANT_ID, settings_env  # noqa: E402
from teams_standins import Connector, IdentityProvider, SigningKeys  # noqa: E402
from teams_standins import test_certificate as loopback_certificate  # noqa: E402

from bot.app import Qabot, build  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from scheduler.clock import VirtualClock  # noqa: E402
from storage import upgrade  # noqa: E402
from storage.models import ConversationRef  # noqa: E402
from storage.people import PersonRecord, Roster, apply_roster  # noqa: E402

__all__ = [
    "APP_ID",
    "MONDAY",
    "TENANT_ID",
    "Stood",
    "aad_id",
    "database_name",
    "database_url",
    "installed",
    "loopback_certificate",
    "scratch",
    "settings_env",
    "standins",
    "stood_up",
]


@dataclass
class Stood:
    qabot: Qabot
    keys: SigningKeys
    idp: IdentityProvider
    connector: Connector
    url: str  # where qabot's web app is served


@asynccontextmanager
async def standins(
    folder: Path,
) -> AsyncIterator[tuple[SigningKeys, IdentityProvider, Connector, Path]]:
    """The signing keys, Entra's token endpoint (over TLS, with a test CA: its file is given)
    and the Bot Connector enforcing Teams' limits, served on loopback."""
    tls, ca_file = loopback_certificate(folder)
    keys, idp = SigningKeys(), IdentityProvider(tls)
    connector = Connector(enforce=True, record=False)
    async with keys.server, idp.server, connector.server:
        yield keys, idp, connector, ca_file


@asynccontextmanager
async def stood_up(folder: Path) -> AsyncIterator[Stood]:
    """qabot for Teams on a fresh SQLite file (or the empty database QABOT_BENCH_DATABASE_URL
    names, such as a PostgreSQL one), talking to fresh stand-ins."""
    url = database_url(folder)
    upgrade(url)
    previous = os.environ.get("REQUESTS_CA_BUNDLE")
    try:
        async with standins(folder) as (keys, idp, connector, ca_file):
            os.environ["REQUESTS_CA_BUNDLE"] = str(ca_file)  # msal's requests trusts the CA
            settings = load_settings(settings_env(url, keys, idp, connector), dotenv=None)
            qabot = build(settings, clock=VirtualClock(MONDAY))
            runner = web.AppRunner(qabot.web, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            served = f"http://127.0.0.1:{runner.addresses[0][1]}"
            try:
                yield Stood(qabot, keys, idp, connector, served)
            finally:
                await qabot.background.close(grace=0)  # deliveries still queued are cancelled
                await runner.cleanup()  # closes the connector's client too
                await qabot.engine.dispose()
    finally:
        if previous is None:
            os.environ.pop("REQUESTS_CA_BUNDLE", None)
        else:
            os.environ["REQUESTS_CA_BUNDLE"] = previous


def database_url(folder: Path) -> str:
    return os.environ.get("QABOT_BENCH_DATABASE_URL") or f"sqlite:///{folder / 'bench.db'}"


def database_name() -> str:
    """What the figures were measured on, as a benchmark prints it."""
    url = os.environ.get("QABOT_BENCH_DATABASE_URL") or "sqlite"
    return "PostgreSQL" if url.startswith("postgresql") else "SQLite"


def aad_id(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


async def installed(qabot: Qabot, service_url: str, people: int) -> None:
    """`people` staff, each with qabot installed: a Teams user id and a stored 1:1 conversation
    at the connector `service_url`."""
    records = tuple(
        PersonRecord(f"S{n:05d}", f"Person {n}", f"person{n}@council.example", "practitioner",
                     "Team A", "Children", teams_user_id=aad_id(n))
        for n in range(people)
    )  # fmt: skip
    url = service_url
    refs = [
        {
            "platform": "teams",
            "address": f"user:{aad_id(n)}",
            "reference": {"serviceUrl": url, "conversationId": f"a:person-{n}",
                          "tenantId": TENANT_ID, "botId": f"28:{APP_ID}"},
            "updated_at": MONDAY,
        }
        for n in range(people)
    ]  # fmt: skip
    async with qabot.deps.sessions.begin() as session:
        await apply_roster(session, Roster(records, ()), now=MONDAY, actor="benchmark")
        await session.execute(insert(ConversationRef), refs)


def scratch() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory()
