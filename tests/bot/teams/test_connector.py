"""The connector client against the loopback Bot Connector enforcing Teams' limits, with msal
fetching its token from the loopback identity provider; time is a fake clock shared by both
sides, so pacing is checked without waiting."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from teams_standins import Connector as ConnectorStandIn
from teams_standins import IdentityProvider
from teams_standins import test_certificate as loopback_certificate

from bot.teams.connector import Connector, Unreachable
from bot.teams.pacing import Pacer
from bot.teams.tokens import AppTokens
from scheduler.dispatcher import PlatformError
from tests.scheduler.fakes import FakeTime

ACTIVITY = {"type": "message", "text": "Hello"}


@dataclass
class Wired:
    fake: FakeTime
    standin: ConnectorStandIn
    idp: IdentityProvider

    def connector(self, pacer: Pacer | None = None) -> Connector:
        tokens = AppTokens(
            app_id="app", tenant_id="tenant", authority_host=self.idp.server.url, secret="s"
        )
        hosts = [self.standin.server.url.removeprefix("http://")]
        paced = pacer or Pacer(monotonic=self.fake.monotonic, sleep=self.fake.sleep)
        return Connector(tokens, hosts, paced)


@pytest.fixture
async def wired(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Wired]:
    tls, ca_file = loopback_certificate(tmp_path)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca_file))
    fake = FakeTime()
    fake.now = 1000.0
    standin = ConnectorStandIn(enforce=True, clock=fake.monotonic)
    idp = IdentityProvider(tls)
    async with standin.server, idp.server:
        yield Wired(fake, standin, idp)


async def test_paced_requests_stay_within_every_limit(wired: Wired) -> None:
    connector = wired.connector()
    url = wired.standin.url
    try:
        for _ in range(70):
            await connector.send(url, "a:busy", ACTIVITY)
        for n in range(300):
            await connector.send(url, f"a:{n}", ACTIVITY)
    finally:
        await connector.close()
    assert wired.standin.refused == 0 and wired.standin.accepted == 370
    assert len(wired.idp.issued) == 1


async def test_requests_reaching_teams_late_never_add_up_to_a_429(wired: Wired) -> None:
    """Many conversations at once (the dispatcher's): each request reaches the connector
    whenever the event loop gets to it, after the others have moved the clock on, as on a busy
    machine. Counted from when they went out they would arrive bunched; counted until their
    answers, they cannot."""
    connector = wired.connector()
    try:
        await asyncio.gather(
            *(connector.send(wired.standin.url, f"a:{n}", ACTIVITY) for n in range(300))
        )
    finally:
        await connector.close()
    assert wired.standin.refused == 0 and wired.standin.accepted == 300


async def test_unpaced_requests_are_refused_by_the_standin(wired: Wired) -> None:
    """The stand-in's enforcement is real: without pacing, the eighth in a second is refused."""
    unpaced = Pacer(
        windows=(), tenant_rate=1e9, sleep=wired.fake.sleep, monotonic=wired.fake.monotonic
    )
    connector = wired.connector(unpaced)
    try:
        for _ in range(7):
            await connector.send(wired.standin.url, "a:1", ACTIVITY)
        with pytest.raises(PlatformError) as refused:
            await connector.send(wired.standin.url, "a:1", ACTIVITY)
    finally:
        await connector.close()
    assert refused.value.retry_after == 1.0 and not refused.value.permanent
    assert wired.standin.refused == 1


async def test_a_retry_after_holds_the_conversation(wired: Wired) -> None:
    connector = wired.connector()
    wired.standin.script.append((429, {"Retry-After": "12"}))
    try:
        with pytest.raises(PlatformError) as refused:
            await connector.send(wired.standin.url, "a:1", ACTIVITY)
        assert refused.value.retry_after == 12.0
        start = wired.fake.now
        await connector.send(wired.standin.url, "a:1", ACTIVITY)
    finally:
        await connector.close()
    assert wired.fake.now - start == pytest.approx(12.0, abs=0.05)


async def test_a_429_without_retry_after_backs_off_with_jitter(wired: Wired) -> None:
    connector = wired.connector()
    wired.standin.script += [(429, {}), (429, {})]
    waits = []
    try:
        for _ in range(2):
            with pytest.raises(PlatformError) as refused:
                await connector.send(wired.standin.url, "a:1", ACTIVITY)
            assert refused.value.retry_after is not None
            waits.append(refused.value.retry_after)
    finally:
        await connector.close()
    assert 0.5 <= waits[0] <= 1.0 and 1.0 <= waits[1] <= 2.0


@pytest.mark.parametrize("status", [412, 502, 504])
async def test_transient_failures_are_retried_with_backoff(wired: Wired, status: int) -> None:
    connector = wired.connector()
    wired.standin.script += [(status, {}), (status, {})]
    try:
        assert await connector.send(wired.standin.url, "a:1", ACTIVITY)
    finally:
        await connector.close()
    assert len(wired.standin.calls) == 3
    backoffs = [s for s in wired.fake.sleeps if s >= 0.5]
    assert len(backoffs) == 2 and 0.5 <= backoffs[0] <= 1.0 and 1.0 <= backoffs[1] <= 2.0


async def test_a_transient_failure_that_persists_goes_back_to_the_dispatcher(
    wired: Wired,
) -> None:
    connector = wired.connector()
    wired.standin.script += [(502, {})] * 3
    try:
        with pytest.raises(PlatformError) as failed:
            await connector.send(wired.standin.url, "a:1", ACTIVITY)
    finally:
        await connector.close()
    assert not failed.value.permanent and failed.value.retry_after is None
    assert len(wired.standin.calls) == 3


async def test_a_403_is_unreachable_and_never_retried(wired: Wired) -> None:
    connector = wired.connector()
    wired.standin.script.append((403, {}))
    try:
        with pytest.raises(Unreachable) as refused:
            await connector.send(wired.standin.url, "a:1", ACTIVITY)
    finally:
        await connector.close()
    assert refused.value.permanent and refused.value.reported
    assert len(wired.standin.calls) == 1


async def test_a_host_that_is_not_teams_is_never_called(wired: Wired) -> None:
    connector = wired.connector()
    try:
        with pytest.raises(PlatformError) as refused:
            await connector.create_personal(
                "https://attacker.example/", bot_id="28:app", user_id="u", tenant_id="t"
            )
    finally:
        await connector.close()
    assert refused.value.permanent and wired.idp.issued == []
