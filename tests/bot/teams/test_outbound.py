"""Proactive delivery in Teams through the real app, msal and the loopback connector: 1:1
conversations opened when none is stored, people qabot cannot reach listed once to the QA team,
gone conversations created again once, channel posts as new threads (never naming a case)."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from sqlalchemy import func, select, update
from teams_harness import APP_ID, MONDAY, TENANT_ID, TOM_AAD, Teams

from handlers.core.delivery import enqueue, release_held
from message_templates.model import Message
from scheduler.clock import VirtualClock
from storage import channels
from storage.models import Case, ConversationRef, HeldPost, OutboxMessage, Person
from storage.outbox import update_in_place

NOTE = Message(kind="note", title="A note", text="Your audit is **due** on Friday.", fallback="Due")
DANA_AAD = "0d4e5f60-7182-4394-a5b6-c7d8e9f0a1b2"
HELEN_AAD = "1e2f3a4b-5c6d-4e7f-8091-a2b3c4d5e6f7"
QA_CHANNEL = "19:qa-team@thread.tacv2"
TOM_CONVERSATION = "a:1AbCdEfGhIjKlMnOpQrStUvWxYz2AbCdEf"


async def queue(teams: Teams, key: str, recipient: str, message: Message = NOTE) -> None:
    async with teams.qabot.deps.sessions.begin() as session:
        await enqueue(
            teams.qabot.deps, session, key=key, recipient=recipient, message=message,
            not_before=MONDAY,
        )  # fmt: skip


async def deliver(teams: Teams, at: dt.datetime = MONDAY) -> None:
    clock = teams.qabot.deps.clock
    assert isinstance(clock, VirtualClock)
    clock.set(at)
    while await teams.qabot.dispatcher.run_once(at):
        pass


async def rows(teams: Teams, prefix: str = "") -> list[OutboxMessage]:
    async with teams.qabot.deps.sessions() as session:
        found = await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.idempotency_key.startswith(prefix))
            .order_by(OutboxMessage.id)
        )
        return list(found)


async def give_teams_ids(teams: Teams, **ids: str) -> None:
    async with teams.qabot.deps.sessions.begin() as session:
        for staff_id, aad in ids.items():
            await session.execute(
                update(Person).where(Person.staff_id == staff_id).values(teams_user_id=aad)
            )


async def bind(teams: Teams, role: str, channel: str) -> None:
    async with teams.qabot.deps.sessions.begin() as session:
        await channels.bind(session, "teams", role, channel, MONDAY)
        await release_held(session, "teams", role, MONDAY)


async def test_a_conversation_is_opened_for_someone_known_but_never_messaged(
    teams_on_each_database: Teams,
) -> None:
    teams = teams_on_each_database
    await teams.install_tom()  # the tenant's serviceUrl is known from Tom's install
    await give_teams_ids(teams, S03=DANA_AAD)
    await queue(teams, "note:1", "person:S03")
    await queue(teams, "note:2", "person:S03")
    await deliver(teams)
    created = [c for c in teams.connector.calls if c.path == "/teams/v3/conversations"]
    assert len(created) == 1  # stored after the first, reused for the second
    assert created[0].body == {
        "bot": {"id": f"28:{APP_ID}"},
        "members": [{"id": DANA_AAD}],
        "isGroup": False,
        "tenantId": TENANT_ID,
        "channelData": {"tenant": {"id": TENANT_ID}},
    }
    opened = teams.connector.created[DANA_AAD]
    posts = [c.path for c in teams.connector.sent() if c.path.endswith("/activities")]
    assert posts[-2:] == [f"/teams/v3/conversations/{opened}/activities"] * 2
    assert all(r.status == "sent" for r in await rows(teams, "note:"))
    async with teams.qabot.deps.sessions() as session:
        stored = await session.scalar(
            select(ConversationRef.reference).where(ConversationRef.address == f"user:{DANA_AAD}")
        )
    assert stored is not None and stored["conversationId"] == opened
    assert stored["serviceUrl"] == teams.connector.url


async def test_people_qabot_cannot_reach_are_parked_and_listed_to_the_qa_team_once(
    teams_on_each_database: Teams,
) -> None:
    teams = teams_on_each_database
    await teams.install_tom()
    await bind(teams, "qa-team", QA_CHANNEL)
    await give_teams_ids(teams, S03=DANA_AAD)
    teams.connector.block(DANA_AAD)  # never installed: creating her conversation is refused
    for n in range(3):  # Helen has no Teams user id at all
        await queue(teams, f"note:dana:{n}", "person:S03")
        await queue(teams, f"note:helen:{n}", "person:S01")
    await deliver(teams)
    notes = await rows(teams, "note:")
    assert {r.status for r in notes} == {"parked"}
    assert all(r.attempts == 1 for r in notes)  # not retried
    assert await rows(teams, "parked:") == []  # no alert per message
    [listed] = await rows(teams, "teams.unreachable:")
    assert listed.recipient == "channel:qa-team" and listed.status == "pending"
    assert listed.payload["meta"]["people"] == ["S03", "S01"]  # by name: Dana, Helen
    await deliver(teams, MONDAY + dt.timedelta(minutes=6))
    [post] = [c for c in teams.connector.sent() if c.body and c.body.get("isGroup")]
    assert post.body is not None
    assert post.body["channelData"]["channel"]["id"] == QA_CHANNEL
    card = str(post.body["activity"])
    assert "Dana Hughes" in card and "Helen Clarke" in card and "setup polic" in card
    # the next day, more messages to them: parked again, but no second list
    tuesday = MONDAY + dt.timedelta(days=1)
    await queue(teams, "note:dana:later", "person:S03")
    await deliver(teams, tuesday)
    assert len(await rows(teams, "teams.unreachable:")) == 1


async def test_someone_added_later_the_same_day_joins_the_list(
    teams_on_each_database: Teams,
) -> None:
    teams = teams_on_each_database
    await teams.install_tom()
    await bind(teams, "qa-team", QA_CHANNEL)
    await queue(teams, "note:helen", "person:S01")
    await deliver(teams)
    await deliver(teams, MONDAY + dt.timedelta(minutes=6))  # the list goes
    teams.connector.script.append((403, {}))  # Tom blocks qabot
    await queue(teams, "note:tom", "person:S05")
    await deliver(teams, MONDAY + dt.timedelta(minutes=8))
    [listed] = await rows(teams, "teams.unreachable:")
    assert sorted(listed.payload["meta"]["people"]) == ["S01", "S05"]
    await deliver(teams, MONDAY + dt.timedelta(minutes=9))
    put = teams.connector.sent()[-1]  # the day's list, updated in place
    assert put.method == "PUT" and "Tom Okafor" in str(put.body)


async def test_a_gone_conversation_is_created_again_once(teams: Teams) -> None:
    await teams.install_tom()
    teams.connector.gone.add(TOM_CONVERSATION)
    await queue(teams, "note:1", "person:S05")
    await deliver(teams)
    [sent] = await rows(teams, "note:")
    assert sent.status == "sent"
    again = teams.connector.created[TOM_AAD]
    assert teams.connector.sent()[-1].path == f"/teams/v3/conversations/{again}/activities"
    async with teams.qabot.deps.sessions() as session:
        stored = await session.scalar(
            select(ConversationRef.reference).where(ConversationRef.address == f"user:{TOM_AAD}")
        )
    assert stored is not None and stored["conversationId"] == again


async def test_a_conversation_gone_twice_is_parked(teams: Teams) -> None:
    await teams.install_tom()
    teams.connector.gone.add(TOM_CONVERSATION)
    teams.connector.always_gone = True
    await queue(teams, "note:1", "person:S05")
    await deliver(teams)
    [parked] = await rows(teams, "note:")
    assert parked.status == "parked" and "404" in (parked.last_error or "")
    creates = [c for c in teams.connector.calls if c.path == "/teams/v3/conversations"]
    assert len(creates) == 1
    assert len(await rows(teams, "parked:")) == 1  # an ordinary failure: alerted


async def test_a_channel_post_starts_a_thread_in_the_bound_channel(
    teams_on_each_database: Teams,
) -> None:
    teams = teams_on_each_database
    await teams.install_tom()
    await bind(teams, "practice-week", "19:practice@thread.tacv2")
    post = Message(kind="note", title="Practice week", text="Practice week starts Monday.")
    await queue(teams, "pw:1", "channel:practice-week", post)
    await deliver(teams)
    [sent] = await rows(teams, "pw:")
    call = teams.connector.sent()[-1]
    assert call.path == "/teams/v3/conversations" and call.body is not None
    assert call.body["isGroup"] is True and call.body["tenantId"] == TENANT_ID
    assert call.body["channelData"]["channel"]["id"] == "19:practice@thread.tacv2"
    assert call.body["activity"]["attachments"][0]["content"]["type"] == "AdaptiveCard"
    assert sent.status == "sent"
    assert (sent.platform_conversation or "").startswith("19:practice@thread.tacv2;messageid=")
    async with teams.qabot.deps.sessions.begin() as session:
        await update_in_place(session, "pw:1", Message(kind="note", text="Moved."), MONDAY)
    await deliver(teams)
    put = teams.connector.sent()[-1]
    assert put.method == "PUT"
    assert put.path.startswith("/teams/v3/conversations/19:practice@thread.tacv2;messageid=")
    assert put.path.endswith(f"/activities/{sent.platform_message_id}")


async def test_a_post_for_an_unbound_role_is_held_and_the_qa_team_told_once(
    teams: Teams,
) -> None:
    await teams.install_tom()
    await bind(teams, "qa-team", QA_CHANNEL)
    for n in range(3):
        await queue(teams, f"pw:{n}", "channel:practice-week", NOTE)
    async with teams.qabot.deps.sessions() as session:
        held = await session.scalar(select(func.count(HeldPost.id)))
    assert held == 3 and await rows(teams, "pw:") == []
    [told] = await rows(teams, "channel.unbound:")
    assert told.idempotency_key == "channel.unbound:teams:practice-week"
    await deliver(teams)
    to_qa = [c for c in teams.connector.sent() if c.body and c.body.get("isGroup")]
    assert len(to_qa) == 1 and "practice-week" in str(to_qa[0].body)
    await bind(teams, "practice-week", "19:practice@thread.tacv2")
    await deliver(teams)
    assert [r.status for r in await rows(teams, "pw:")] == ["sent"] * 3


async def test_a_channel_post_naming_a_case_is_never_sent(teams: Teams) -> None:
    await teams.install_tom()
    await bind(teams, "all-staff", "19:all@thread.tacv2")
    async with teams.qabot.deps.sessions.begin() as session:
        tom = await session.scalar(select(Person.id).where(Person.staff_id == "S05"))
        assert tom is not None
        session.add(
            Case(case_ref="C-000123", practitioner_id=tom, case_type="CIN", opened_on=MONDAY.date())
        )
    leaky = Message(kind="note", text="Well done on the audit of c-000123!")
    await queue(teams, "all:1", "channel:all-staff", leaky)
    await deliver(teams)
    [parked] = await rows(teams, "all:")
    assert parked.status == "parked" and "case reference" in (parked.last_error or "")
    assert not [c for c in teams.connector.sent() if c.body and c.body.get("isGroup")]


async def test_app_tokens_come_from_msal_once_and_are_never_logged(
    teams: Teams, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await teams.install_tom()
    for n in range(20):
        await queue(teams, f"note:{n}", "person:S05")
    await deliver(teams)
    assert len([c for c in teams.connector.sent() if c.path.endswith("/activities")]) >= 20
    assert len(teams.idp.issued) == 1  # msal's cache, not a token per message
    assert "app-token-" not in caplog.text
    assert "test-secret-not-for-logs" not in caplog.text
