"""The dispatcher's Teams platform: cards to stored conversations, updates in place, 429s waited,
and people qabot cannot reach parked with the reason, not retried."""

from __future__ import annotations

from sqlalchemy import select
from teams_harness import MONDAY, Teams

from message_templates.model import Message
from storage.models import OutboxMessage
from storage.outbox import enqueue, update_in_place

NOTE = Message(kind="note", title="A note", text="Your audit is **due** on Friday.", fallback="Due")


async def queue(teams: Teams, key: str, staff_id: str) -> None:
    async with teams.qabot.deps.sessions.begin() as session:
        await enqueue(
            session,
            key=key,
            recipient=f"person:{staff_id}",
            platform="teams",
            message=NOTE,
            not_before=MONDAY,
            now=MONDAY,
        )


async def row(teams: Teams, key: str) -> OutboxMessage:
    async with teams.qabot.deps.sessions() as session:
        found = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.idempotency_key == key)
        )
    assert found is not None
    return found


async def deliver(teams: Teams) -> None:
    await teams.qabot.dispatcher.run_once(MONDAY)


async def test_a_card_goes_to_the_stored_conversation_and_is_updated_in_place(
    teams: Teams,
) -> None:
    await teams.install_tom()
    await queue(teams, "note:1", "S05")
    await deliver(teams)
    sent = await row(teams, "note:1")
    assert sent.status == "sent" and sent.platform_message_id
    post = teams.connector.sent()[-1]
    assert post.path == "/teams/v3/conversations/a:1AbCdEfGhIjKlMnOpQrStUvWxYz2AbCdEf/activities"
    assert post.body is not None and post.body["summary"] == "Due"
    async with teams.qabot.deps.sessions.begin() as session:
        changed = Message(kind="note", title="A note", text="Done, thank you.", fallback="Done")
        await update_in_place(session, "note:1", changed, MONDAY)
    await deliver(teams)
    put = teams.connector.sent()[-1]
    assert put.method == "PUT"
    assert put.path.endswith(f"/activities/{sent.platform_message_id}")
    assert put.body is not None and put.body["summary"] == "Done"
    assert len(teams.idp.issued) == 1  # one app token, reused from msal's cache


async def test_a_person_without_qabot_installed_is_parked_naming_why(teams: Teams) -> None:
    await queue(teams, "note:2", "S03")
    await deliver(teams)
    parked = await row(teams, "note:2")
    assert parked.status == "parked"
    assert parked.last_error is not None and "not installed" in parked.last_error
    assert teams.connector.calls == []


async def test_a_429_waits_its_retry_after(teams: Teams) -> None:
    await teams.install_tom()
    teams.connector.script.append((429, {"Retry-After": "7"}))
    await queue(teams, "note:3", "S05")
    await deliver(teams)
    waiting = await row(teams, "note:3")
    assert waiting.status == "pending" and waiting.attempts == 0
    assert (waiting.next_attempt_at - MONDAY).total_seconds() == 7


async def test_a_403_is_parked_not_retried(teams: Teams) -> None:
    await teams.install_tom()
    teams.connector.script.append((403, {}))
    await queue(teams, "note:4", "S05")
    await deliver(teams)
    parked = await row(teams, "note:4")
    assert parked.status == "parked" and "403" in (parked.last_error or "")
