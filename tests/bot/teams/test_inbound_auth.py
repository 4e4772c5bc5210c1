"""Every forged or broken request to /api/messages gets a 4xx, changes nothing, calls nothing,
and leaves neither its body nor its token in the log."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from teams_harness import APP_ID, CLIENT_SECRET, Teams
from teams_standins import FAR_AHEAD, LONG_AGO, new_rsa

from bot.teams.auth import SigningKeys

Forgery = Callable[[Teams], tuple[dict[str, Any] | bytes, str | None]]
SECRET_WORDS = "help"  # the payload's text: it must not reach the log


def _message(teams: Teams, **changes: Any) -> dict[str, Any]:
    return teams.activity("message", **changes)


FORGERIES: dict[str, Forgery] = {
    "no token": lambda t: (_message(t), None),
    "not a bearer token": lambda t: (_message(t), "garbage with spaces"),
    "a foreign key under our key id": lambda t: (_message(t), t.token(key=new_rsa())),
    "an unknown key id": lambda t: (_message(t), t.token(key=new_rsa(), kid="other")),
    "no key id": lambda t: (_message(t), t.token(kid="")),
    "symmetric signature": lambda t: (
        _message(t),
        jwt.encode({"aud": APP_ID}, "x" * 32, algorithm="HS256", headers={"kid": "test-key"}),
    ),
    "another audience": lambda t: (_message(t), t.token(audience="someone-else")),
    "another issuer": lambda t: (_message(t), t.token(issuer="https://sts.windows.net/evil/")),
    "expired": lambda t: (_message(t), t.token(expires=LONG_AGO)),
    "not yet valid": lambda t: (_message(t), t.token(not_before=FAR_AHEAD)),
    "a token that never expires": lambda t: (_message(t), t.token(expires=None)),
    "no service URL in the token": lambda t: (_message(t), t.token(service_url=None)),
    "another service URL in the token": lambda t: (
        _message(t),
        t.token(service_url="https://smba.trafficmanager.net/emea/"),
    ),
    "the token's service URL on the same host, another path": lambda t: (
        _message(t),
        t.token(service_url=t.connector.url + "elsewhere/"),
    ),
    "an unknown connector host": lambda t: (
        _message(t, serviceUrl="https://attacker.example/teams/"),
        t.token(service_url="https://attacker.example/teams/"),
    ),
    "a key not endorsed for the channel": lambda t: (_message(t, channelId="webchat"), ""),
    "malformed JSON": lambda t: (b'{"type": "message", "text": "help"', ""),
    "JSON that is not an object": lambda t: (b'["help"]', ""),
    "JSON that is not an activity": lambda t: ({"text": "help", "hello": 1}, ""),
    "an activity of the wrong shape": lambda t: (_message(t, conversation="help"), ""),
    "an oversized body": lambda t: (_message(t, text="help " * 40_000), ""),
}
EXPECTED = {
    "malformed JSON": 400,
    "JSON that is not an object": 400,
    "JSON that is not an activity": 400,
    "an activity of the wrong shape": 400,
    "an oversized body": 413,
}


@pytest.mark.parametrize("case", list(FORGERIES))
async def test_a_forged_or_broken_request_is_refused_and_changes_nothing(
    teams: Teams, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    before = await teams.counts()
    body, token = FORGERIES[case](teams)
    status, answer = await teams.post(body, token)
    assert status == EXPECTED.get(case, 401), answer
    assert await teams.counts() == before
    assert teams.connector.calls == []
    assert teams.idp.issued == []
    for record in caplog.records:
        message = record.getMessage()
        assert SECRET_WORDS not in message and "eyJ" not in message, message
        assert CLIENT_SECRET not in message, message
        assert record.exc_info is None


async def test_the_same_request_with_a_good_token_is_accepted(teams: Teams) -> None:
    """The control for the cases above: only the forgery differs."""
    status, _ = await teams.post(teams.activity("message"))
    assert status == 202
    assert teams.connector.calls != []  # answered (here: not yet matched to the staff list)
    assert teams.idp.issued != []


async def test_other_routes_are_not_under_the_token_check(teams: Teams) -> None:
    response = await teams.client.get("/healthz")
    assert response.status == 200


async def test_an_unknown_key_id_refetches_the_keys_at_most_once(teams: Teams) -> None:
    await teams.post(teams.activity("message"))
    fetched = teams.keys.fetches
    for _ in range(3):
        status, _ = await teams.post(_message(teams), teams.token(key=new_rsa(), kid="rotated"))
        assert status == 401
    assert teams.keys.fetches == fetched  # within minutes of the last fetch: no refetch


async def test_a_large_activity_within_the_limit_arrives_whole(teams: Teams) -> None:
    """Read in several chunks, still one activity (not refused as malformed)."""
    padding = {"padding": "x" * 100_000}
    status, _ = await teams.post(teams.activity("message", channelData=padding))
    assert status == 202


async def test_a_card_action_without_a_verb_is_refused_and_nothing_is_said_in_the_chat(
    teams: Teams, caplog: pytest.LogCaptureFixture
) -> None:
    """Found only inside the SDK's turn: answered 400, not the SDK's 500 or its habit of
    posting the error's text into the person's chat."""
    await teams.install_tom()
    before, calls = await teams.counts(), len(teams.connector.calls)
    no_verb = {"action": {"type": "Action.Execute", "data": {"value": "help"}}}
    status, _ = await teams.post(teams.activity("card_action", value=no_verb))
    assert status == 400
    assert await teams.counts() == before
    assert len(teams.connector.calls) == calls
    assert all(r.exc_info is None for r in caplog.records)


async def test_the_signing_keys_are_fetched_afresh_daily(teams: Teams) -> None:
    """A key Microsoft has retired stops being accepted within a day."""
    seconds = [0.0]
    keys = SigningKeys(teams.keys.metadata_url, monotonic=lambda: seconds[0])
    await keys.jwk(teams.keys.kid)
    fetched = teams.keys.fetches
    seconds[0] = 23 * 3600.0
    await keys.jwk(teams.keys.kid)
    assert teams.keys.fetches == fetched
    teams.keys.kid = "rotated"  # Microsoft's metadata now lists only a new key
    seconds[0] = 25 * 3600.0
    with pytest.raises(jwt.PyJWKClientError):
        await keys.jwk("test-key")
    assert teams.keys.fetches == fetched + 1
