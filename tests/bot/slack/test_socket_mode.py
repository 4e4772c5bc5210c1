"""Socket Mode (SLACK_APP_TOKEN): qabot connects to the WebSocket that apps.connections.open
names on QABOT_SLACK_API_URL, and Slack's real envelopes are acknowledged by envelope id, the
same listeners answering them as over HTTP."""

from __future__ import annotations

from slack_socket_standin import socket_reference
from slack_walk import Walk
from sqlalchemy import func, select

from storage.models import InboundEvent


async def count(walk: Walk) -> int:
    async with walk.council.qabot.deps.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(InboundEvent)) or 0)


def dm_to_qabot(text: str, user_id: str, event_id: str) -> dict[str, object]:
    """The Events API payload of Slack's real Socket Mode envelope, as a DM to qabot."""
    payload = socket_reference("sdk__socket_mode_envelope_3_events_api.json")["payload"]
    payload["event"].update(text=text, user=user_id, channel="D0S06", channel_type="im")
    payload["event_id"] = event_id
    return dict(payload)


async def test_qabot_connects_through_the_configured_web_api_with_its_app_token(
    socket_walk: Walk,
) -> None:
    (opened,) = socket_walk.slack.called("apps.connections.open")
    assert opened == {}
    assert socket_walk.socket is not None and socket_walk.socket.connections == 1


async def test_a_slash_command_envelope_is_acknowledged_and_answered(socket_walk: Walk) -> None:
    assert socket_walk.socket is not None
    command = socket_reference("sdk__socket_mode_envelope_0_slash_commands.json")["payload"]
    command.update(command="/qa", text="help", user_id="U0S06", channel_id="D0S06",
                   channel_name="directmessage")  # fmt: skip
    ack = await socket_walk.socket.send("slash_commands", command)
    assert set(ack) == {"envelope_id"}, "acknowledged at once, nothing said in the ack"
    await socket_walk.council.qabot.slack.settle()  # type: ignore[union-attr]
    replies = [c for c in socket_walk.slack.called("chat.postMessage") if c["channel"] == "D0S06"]
    assert len(replies) == 1


async def test_a_retried_event_envelope_is_acknowledged_and_handled_once(
    socket_walk: Walk,
) -> None:
    socket = socket_walk.socket
    assert socket is not None
    body = dm_to_qabot("help", "U0S06", "EvSocket1")
    first = await socket.send("events_api", body)
    again = await socket.send("events_api", body, retry_attempt=1)
    assert first["envelope_id"] != again["envelope_id"]
    await socket_walk.council.qabot.slack.settle()  # type: ignore[union-attr]
    replies = [c for c in socket_walk.slack.called("chat.postMessage") if c["channel"] == "D0S06"]
    assert len(replies) == 1
    assert await count(socket_walk) == 1


async def test_an_interactive_envelope_from_a_stranger_is_acknowledged(socket_walk: Walk) -> None:
    assert socket_walk.socket is not None
    payload = socket_reference("sdk__socket_mode_envelope_4_interactive.json")["payload"]
    ack = await socket_walk.socket.send("interactive", payload)
    assert "envelope_id" in ack
    await socket_walk.council.qabot.slack.settle()  # type: ignore[union-attr]
    told = socket_walk.slack.called("chat.postMessage")
    assert told and "roster" in told[-1]["text"]
    assert await count(socket_walk) == 0
