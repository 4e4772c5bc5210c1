"""A person installs qabot in Teams, is welcomed, asks for help and presses a card's button:
every activity signed like the Bot Connector's, every reply through the connector stand-in."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from teams_harness import TOM_AAD, Teams

from storage.channels import bindings
from storage.models import OutboxMessage, Person


async def installed(teams: Teams) -> None:
    await teams.install_tom()


async def test_install_matches_by_email_keeps_the_aad_id_and_welcomes_once(
    teams_on_each_database: Teams,
) -> None:
    teams = teams_on_each_database
    await installed(teams)
    status, _ = await teams.post(teams.activity("install", id="f:install-again"))
    assert status == 202
    async with teams.qabot.deps.sessions() as session:
        tom = await session.scalar(select(Person).where(Person.staff_id == "S05"))
    assert tom is not None and tom.teams_user_id == TOM_AAD
    welcome = [c for c in teams.connector.sent() if c.method == "POST"]
    assert len(welcome) == 1
    body = welcome[0].body
    assert body is not None and welcome[0].path.endswith("/activities")
    card = body["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["content"]["version"] == "1.5" and body["summary"]
    assert welcome[0].authorization == "Bearer app-token-1"
    assert teams.idp.requests[0]["grant_type"] == "client_credentials"
    assert teams.idp.requests[0]["scope"] == "https://api.botframework.com/.default"


async def test_someone_not_in_the_staff_list_is_told_politely(teams: Teams) -> None:
    teams.connector.members["29:1AbCdEfGhIjKlMnOpQrStUvWxYz"] = {
        "email": "visitor@elsewhere.example"
    }
    status, _ = await teams.post(teams.activity("install"))
    assert status == 202
    [reply] = teams.connector.sent()
    assert reply.body is not None and "couldn't match" in reply.body["text"]
    _, _, references = await teams.counts()
    assert references == 1  # reachable once the roster is corrected


async def test_a_text_command_with_the_mention_stripped_is_answered(teams: Teams) -> None:
    await installed(teams)
    status, _ = await teams.post(teams.activity("message"))
    assert status == 202
    posted = [c for c in teams.connector.sent() if c.method == "POST"]
    assert len(posted) == 2  # the welcome, then help
    help_card = posted[1].body
    assert (
        help_card is not None
        and "help" in help_card["attachments"][0]["content"]["fallbackText"].lower()
    )
    # a retry of the same activity records nothing twice
    await teams.post(teams.activity("message"))
    assert len([c for c in teams.connector.sent() if c.method == "POST"]) == 2


async def test_a_card_action_is_answered_with_the_card_and_a_retry_changes_nothing(
    teams_on_each_database: Teams,
) -> None:
    teams = teams_on_each_database
    await installed(teams)
    welcome = teams.connector.sent()[0]
    assert welcome.body is not None
    verbs = _verbs(welcome.body["attachments"][0]["content"])
    assert "help.show" in verbs
    status, answer = await teams.post(teams.activity("card_action"))
    assert status == 200
    assert answer["statusCode"] == 200
    assert answer["type"] == "application/vnd.microsoft.card.adaptive"
    assert answer["value"]["type"] == "AdaptiveCard"
    sent = len(teams.connector.sent())
    assert sent == 2  # the help message
    status, again = await teams.post(teams.activity("card_action"))
    assert status == 200 and again == answer
    assert len(teams.connector.sent()) == sent


async def test_uninstall_forgets_the_conversation_and_later_messages_are_parked(
    teams: Teams,
) -> None:
    await installed(teams)
    status, _ = await teams.post(teams.activity("uninstall"))
    assert status == 202
    _, _, references = await teams.counts()
    assert references == 0


def _verbs(node: object) -> set[str]:
    if isinstance(node, dict):
        found = {node["verb"]} if node.get("type") == "Action.Execute" else set()
        return found.union(*(_verbs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_verbs(v) for v in node))
    return set()


async def test_at_qabot_post_role_here_in_a_channel_binds_it_there(teams: Teams) -> None:
    await installed(teams)
    async with teams.qabot.deps.sessions.begin() as session:
        await session.execute(
            update(Person).where(Person.staff_id == "S05").values(role="qa_manager")
        )
    in_channel = {
        "conversationType": "channel",
        "id": "19:pw@thread.tacv2;messageid=1704362400009",
        "tenantId": "1a2b3c4d-5e6f-4789-a0b1-c2d3e4f5a6b7",
    }
    said = "<at>qabot</at> post practice-week here"
    status, _ = await teams.post(teams.activity("message", id="m:dm", text=said))
    assert status == 202
    status, _ = await teams.post(
        teams.activity("message", id="m:channel", text=said, conversation=in_channel)
    )
    assert status == 202
    async with teams.qabot.deps.sessions() as session:
        found = await bindings(session)
    assert [(b.platform, b.role, b.channel_id) for b in found] == [
        ("teams", "practice-week", "19:pw@thread.tacv2")
    ]


@pytest.mark.parametrize(
    ("said", "kind"),
    [
        ("help", "help"),
        ("My QA", "my_qa"),
        ("away until 2027-01-11", "away_set"),
        ("back", "back"),
        ("reflections", "supervision_reflections"),
    ],
)
async def test_each_text_command_is_answered_in_the_chat(
    teams: Teams, said: str, kind: str
) -> None:
    """Typed in the 1:1 chat (HTML and a mention around it, as Teams sends it)."""
    await installed(teams)
    async with teams.qabot.deps.sessions.begin() as session:  # Tom supervises, for reflections
        await session.execute(
            update(Person).where(Person.staff_id == "S05").values(role="team_manager")
        )
    status, _ = await teams.post(teams.activity("message", id=f"m:{kind}", text=f"<p>{said}</p>"))
    assert status == 202
    async with teams.qabot.deps.sessions() as session:
        kinds = list(
            await session.scalars(
                select(OutboxMessage.message_type).where(
                    OutboxMessage.idempotency_key == f"reply:teams:m:{kind}"
                )
            )
        )
    assert kinds == [kind]
    reply = teams.connector.sent()[-1]
    assert reply.path.endswith("/a:1AbCdEfGhIjKlMnOpQrStUvWxYz2AbCdEf/activities")


async def test_with_entra_refusing_qabot_a_token_an_activity_is_still_taken_in(
    teams: Teams,
) -> None:
    """The SDK's turn wants a connector client; without a token it runs all the same, and what
    qabot would say waits in its outbox for the dispatcher to retry."""
    teams.idp.refusing = True
    status, _ = await teams.post(teams.activity("install"))
    assert status == 202
    assert teams.idp.requests and teams.connector.calls == []
    _, _, references = await teams.counts()
    assert references == 1
