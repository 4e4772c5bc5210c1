"""Installs in personal scope: who is who, the welcome, the QA team told once of a stranger,
references kept across a restart and forgotten on uninstall."""

from __future__ import annotations

from aiohttp.test_utils import TestServer
from sqlalchemy import select
from teams_harness import MONDAY, TOM_AAD, Teams

from bot.app import build, stop
from handlers.core.delivery import enqueue
from message_templates.model import Message
from scheduler.clock import VirtualClock
from storage.channels import bind
from storage.models import OutboxMessage, Person
from storage.people import PersonRecord, Roster, apply_roster

TOM_MEMBER = "29:1AbCdEfGhIjKlMnOpQrStUvWxYz"
OTHER_ACCOUNT = "0e0e0e0e-aaaa-4bbb-8ccc-000000000001"
STRANGER = {"id": TOM_MEMBER, "name": "Sam Visitor", "email": "Sam.Visitor@Agency.example",
            "userPrincipalName": "sam.visitor@agency.example"}  # fmt: skip


def welcomes(teams: Teams) -> list[str]:
    return [
        str(c.body["attachments"][0]["content"]["fallbackText"])
        for c in teams.connector.sent()
        if c.method == "POST" and c.body and c.body.get("attachments")
    ]


async def teams_user_id(teams: Teams, staff_id: str) -> str | None:
    async with teams.qabot.deps.sessions() as session:
        return await session.scalar(select(Person.teams_user_id).where(Person.staff_id == staff_id))


async def test_an_admin_policy_install_sends_two_events_and_tom_is_welcomed_once(
    teams_on_each_database: Teams,
) -> None:
    teams = teams_on_each_database
    teams.connector.members[TOM_MEMBER] = {"id": TOM_MEMBER, "email": "TOM.OKAFOR@council.example"}
    for name in ("installation_add", "install"):
        status, _ = await teams.post(teams.activity(name))
        assert status == 202
    assert len(welcomes(teams)) == 1 and "Hi Tom" in welcomes(teams)[0]
    assert await teams_user_id(teams, "S05") == TOM_AAD  # matched by email, any case
    lookups = [c.path for c in teams.connector.calls if c.method == "GET"]
    assert lookups and lookups[0].endswith(f"/members/{TOM_MEMBER}")
    assert (await teams.counts())[2] == 1


async def test_a_teams_user_id_in_the_staff_list_wins_over_the_email(teams: Teams) -> None:
    """The staff list says Tom's Teams account is another one: this account is not Tom."""
    tom = PersonRecord("S05", "Tom Okafor", "tom.okafor@council.example", "practitioner",
                       "Team A", "Children", "S03", teams_user_id=OTHER_ACCOUNT)  # fmt: skip
    async with teams.qabot.deps.sessions.begin() as session:
        await apply_roster(session, Roster((tom,), ()), now=MONDAY, actor="test")
    teams.connector.members[TOM_MEMBER] = {"id": TOM_MEMBER, "email": "tom.okafor@council.example"}
    status, _ = await teams.post(teams.activity("install"))
    assert status == 202
    assert welcomes(teams) == []
    [reply] = teams.connector.sent()
    assert reply.body is not None and "couldn't match" in reply.body["text"]
    assert await teams_user_id(teams, "S05") == OTHER_ACCOUNT


async def test_a_stranger_is_told_politely_and_the_qa_team_hears_once(teams: Teams) -> None:
    async with teams.qabot.deps.sessions.begin() as session:
        await bind(session, "teams", "qa-team", "19:qa@thread.tacv2", MONDAY)
    teams.connector.members[TOM_MEMBER] = STRANGER
    for name, changes in (("installation_add", {}), ("install", {}), ("message", {})):
        status, _ = await teams.post(teams.activity(name, **changes))
        assert status == 202
    replies = [c.body["text"] for c in teams.connector.sent() if c.body and "text" in c.body]
    assert any("couldn't match" in text for text in replies)
    async with teams.qabot.deps.sessions() as session:
        notices = (
            await session.execute(
                select(OutboxMessage.recipient, OutboxMessage.payload).where(
                    OutboxMessage.idempotency_key.startswith("unmatched:")
                )
            )
        ).all()
    assert len(notices) == 1
    recipient, payload = notices[0]
    assert recipient == "channel:qa-team"
    fallback = Message.from_dict(payload).fallback
    assert "Sam Visitor" in fallback and "Sam.Visitor@Agency.example" in fallback
    assert "sam.visitor@agency.example" not in fallback  # the same address once


async def test_once_the_staff_list_is_corrected_their_next_message_is_answered(
    teams: Teams,
) -> None:
    teams.connector.members[TOM_MEMBER] = STRANGER
    await teams.post(teams.activity("install"))
    sam = PersonRecord("S09", "Sam Visitor", "sam.visitor@agency.example", "practitioner",
                       "Team A", "Children", "S03")  # fmt: skip
    async with teams.qabot.deps.sessions.begin() as session:
        await apply_roster(session, Roster((sam,), ()), now=MONDAY, actor="test")
    status, _ = await teams.post(teams.activity("message"))
    assert status == 202
    assert await teams_user_id(teams, "S09") == TOM_AAD
    help_card = teams.connector.sent()[-1].body
    assert (
        help_card is not None
        and "help" in help_card["attachments"][0]["content"]["fallbackText"].lower()
    )


async def test_a_reference_survives_a_restart_and_an_uninstall_forgets_it(
    teams_on_each_database: Teams,
) -> None:
    teams = teams_on_each_database
    await teams.install_tom()
    restarted = build(teams.settings, clock=VirtualClock(MONDAY))
    async with TestServer(restarted.web):  # started and stopped as qabot run does
        async with restarted.deps.sessions.begin() as session:
            await enqueue(restarted.deps, session, key="after-restart", recipient="person:S05",
                          message=Message(kind="note", title="Hello", text="Still here"),
                          not_before=MONDAY)  # fmt: skip
        await restarted.dispatcher.run_once(MONDAY)
        last = teams.connector.sent()[-1]
        assert last.path.endswith("/a:1AbCdEfGhIjKlMnOpQrStUvWxYz2AbCdEf/activities")
        status, _ = await teams.post(teams.activity("uninstall"))
        assert status == 202
        assert (await teams.counts())[2] == 0
        async with restarted.deps.sessions.begin() as session:
            await enqueue(restarted.deps, session, key="after-uninstall", recipient="person:S05",
                          message=Message(kind="note", title="Hello", text="Gone"),
                          not_before=MONDAY)  # fmt: skip
        sent = len(teams.connector.sent())
        await restarted.dispatcher.run_once(MONDAY)
        assert len(teams.connector.sent()) == sent  # parked: not installed for Tom any more
    await stop(restarted)
