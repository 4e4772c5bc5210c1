"""The Web API stand-in refuses what Slack would: arguments the OpenAPI spec does not know or
lacks, the wrong token for apps.connections.open (checked by hand: the spec lacks it), blocks
over Block Kit's limits, blocks without text. Its checks are what the Slack tests lean on."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from slack_api_standin import SlackApiStandIn, running
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}


@pytest.fixture
async def stand_in() -> AsyncIterator[SlackApiStandIn]:
    async with running(SlackApiStandIn()) as running_stand_in:
        yield running_stand_in


def client(stand_in: SlackApiStandIn, token: str = "xoxb-test") -> AsyncWebClient:
    return AsyncWebClient(token=token, base_url=stand_in.url)


async def refused(call: object) -> str:
    with pytest.raises(SlackApiError) as raised:
        await call  # type: ignore[misc]
    return str(raised.value.response["error"])


async def test_arguments_are_checked_against_the_spec(stand_in: SlackApiStandIn) -> None:
    web = client(stand_in)
    assert await refused(web.chat_postMessage(channel="D1", text="x", colour="red")) == (
        "invalid_arguments"
    )
    no_ts = web.api_call("chat.update", json={"channel": "D1", "text": "x"})
    assert await refused(no_ts) == "invalid_arguments"
    home = {"type": "home", "blocks": [SECTION]}
    no_user = web.api_call("views.publish", json={"view": home})
    assert await refused(no_user) == "invalid_arguments"
    assert len(stand_in.problems) == 3
    assert "unknown ['colour']" in stand_in.problems[0] and "missing ['ts']" in stand_in.problems[1]


async def test_apps_connections_open_needs_the_app_token(stand_in: SlackApiStandIn) -> None:
    stand_in.socket_url = "ws://127.0.0.1:1/link"
    assert await refused(client(stand_in).apps_connections_open(app_token="xoxb-bot")) == (
        "not_authed"
    )
    opened = await client(stand_in).apps_connections_open(app_token="xapp-1")
    assert opened["url"] == stand_in.socket_url


async def test_block_kit_limits_and_text_with_blocks(stand_in: SlackApiStandIn) -> None:
    web = client(stand_in)
    assert await refused(web.chat_postMessage(channel="D1", text="x", blocks=[SECTION] * 51)) == (
        "invalid_blocks"
    )
    no_text = web.api_call("chat.postMessage", json={"channel": "D1", "blocks": [SECTION]})
    assert await refused(no_text) == "invalid_blocks"
    long = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
    assert await refused(web.chat_postMessage(channel="D1", text="x", blocks=[long])) == (
        "invalid_blocks"
    )
    home = {"type": "home", "blocks": [SECTION] * 101}
    assert await refused(web.views_publish(user_id="U1", view=home)) == "invalid_blocks"
    assert (await web.chat_postMessage(channel="D1", text="x", blocks=[SECTION]))["ok"]
