"""Channels: qabot joins a public channel it is bound to (conversations.join); in a private
one the person binding it is told to /invite qabot; a channel bound from the command line is
joined on the first post."""

from __future__ import annotations

from slack_council import Council, reference
from slack_signing import as_command

from bot.slack.edge import INVITE
from message_templates.model import Message
from storage import channels


def bind_here(council: Council, channel: str, hook: str) -> dict[str, str]:
    fields = reference("bolt__test_slash_command__slash_command_body.parsed.json")
    fields.update(command="/qa", text="post practice-week here", user_id="U0S08",
                  trigger_id=f"111.222.{channel}", channel_id=channel, channel_name="pw",
                  response_url=council.slack.hook_url(hook))  # fmt: skip
    return fields


async def test_binding_a_public_channel_joins_it(council: Council) -> None:
    council.slack.outside.add("C0PW")
    assert (await council.post(*as_command(bind_here(council, "C0PW", "pw")))).status == 200
    assert council.slack.called("conversations.join") == [{"channel": "C0PW"}]
    assert council.slack.hooks == []


async def test_binding_a_private_channel_asks_for_an_invite(council: Council) -> None:
    council.slack.private.add("G0PRIV")
    assert (await council.post(*as_command(bind_here(council, "G0PRIV", "priv")))).status == 200
    assert council.slack.called("conversations.join") == [{"channel": "G0PRIV"}]
    assert [h["text"] for h in council.slack.hooks] == [INVITE]
    assert council.slack.hooks[0]["response_type"] == "ephemeral"


async def test_a_channel_bound_from_the_command_line_is_joined_on_the_first_post(
    council: Council,
) -> None:
    council.slack.outside.add("C0ALL")
    async with council.qabot.deps.sessions.begin() as session:
        await channels.bind(session, "slack", "all-staff", "C0ALL", council.clock.now())
    platform = council.qabot.dispatcher._platforms["slack"]
    sent = await platform.send("channel:all-staff", Message(kind="note", text="Practice week"))
    assert sent.conversation == "C0ALL"
    assert [c["channel"] for c in council.slack.called("conversations.join")] == ["C0ALL"]
