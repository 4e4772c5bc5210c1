"""Delivery to Slack through the real slack_sdk client and the Web API stand-in."""

from __future__ import annotations

import datetime as dt

from slack_api_standin import Failure
from slack_council import PEOPLE, QA_CHANNEL, Council, VirtualTime, allocate, start_qabot
from sqlalchemy import select

from bot.app import stop
from bot.slack.directory import UNFOUND_KIND
from message_templates.model import Button, Message, Section
from storage.models import ConversationRef, OutboxMessage, Person
from storage.outbox import enqueue


async def rows(council: Council) -> list[OutboxMessage]:
    async with council.qabot.deps.sessions() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def test_allocation_dms_each_person_and_the_qa_team_its_summary(council: Council) -> None:
    """The round's summary names people, so it goes to the QA team's DMs, not their channel."""
    await allocate(council)
    sent = await rows(council)
    assert sent and {r.status for r in sent} == {"sent"}
    posts = council.slack.called("chat.postMessage")
    assert len(posts) == len(sent)
    for post in posts:
        assert post["text"] and post["blocks"], "text is always set with blocks"
    summaries = [r for r in sent if r.idempotency_key.startswith("allocation.summary:")]
    assert summaries and all(r.recipient.startswith("person:") for r in summaries)
    assert not any(r.recipient == "channel:qa-team" for r in sent)
    assert not any(p["channel"] == QA_CHANNEL for p in posts)
    dms = {r.platform_conversation for r in sent if r.recipient.startswith("person:")}
    assert all(channel and channel.startswith("D") for channel in dms)


async def test_people_are_found_by_email_once_and_their_dm_kept(council: Council) -> None:
    await allocate(council)
    looked_up = [c["email"] for c in council.slack.called("users.lookupByEmail")]
    assert len(looked_up) == len(set(looked_up))
    assert all(email.split("@")[0].upper() in {p[0] for p in PEOPLE if p[5] is None}
               for email in looked_up)  # fmt: skip
    opened = [c["users"] for c in council.slack.called("conversations.open")]
    assert len(opened) == len(set(opened))
    async with council.qabot.deps.sessions() as session:
        found = dict((await session.execute(select(Person.staff_id, Person.slack_user_id))).all())
        kept = list(await session.scalars(select(ConversationRef)))
    assert all(found[e.split("@")[0].upper()] == f"U1{e.split('@')[0].upper()}" for e in looked_up)
    assert {r.address for r in kept} == {f"person:{u.removeprefix('U1').removeprefix('U0')}"
                                         for u in opened}  # fmt: skip


async def test_a_restarted_qabot_reuses_the_kept_dm(
    council: Council, migrated_sqlite_url: str
) -> None:
    await allocate(council)
    opened = len(council.slack.called("conversations.open"))
    looked_up = len(council.slack.called("users.lookupByEmail"))
    again = await start_qabot(migrated_sqlite_url, council.slack, VirtualTime())
    person = next(r for r in await rows(council) if r.recipient.startswith("person:"))
    platform = again.dispatcher._platforms["slack"]
    result = await platform.send(person.recipient, Message(kind="note", text="Hello"))
    assert result.conversation == person.platform_conversation
    assert len(council.slack.called("conversations.open")) == opened
    assert len(council.slack.called("users.lookupByEmail")) == looked_up
    await stop(again)


async def test_messages_to_one_person_are_paced_a_second_apart(council: Council) -> None:
    await allocate(council)
    per_channel: dict[str, int] = {}
    for post in council.slack.called("chat.postMessage"):
        per_channel[post["channel"]] = per_channel.get(post["channel"], 0) + 1
    extra = sum(n - 1 for n in per_channel.values())
    assert sum(council.time.slept) >= extra * 1.0 - 1e-9


async def test_a_429_waits_out_retry_after_without_counting_an_attempt(council: Council) -> None:
    council.slack.fail_next("chat.postMessage", Failure(status=429, retry_after=30))
    await allocate(council)
    waiting = [r for r in await rows(council) if r.status == "pending"]
    assert len(waiting) >= 1
    limited = next(r for r in waiting if r.last_error == "slack_rate_limited")
    expected = council.clock.now() + dt.timedelta(seconds=30)
    assert limited.next_attempt_at.replace(tzinfo=dt.UTC) == expected
    assert limited.attempts == 0


async def note_to(council: Council, staff_id: str, key: str) -> None:
    now = council.clock.now()
    async with council.qabot.deps.sessions.begin() as session:
        note = Message(kind="note", text="Hello")
        await enqueue(session, key=key, recipient=f"person:{staff_id}", platform="slack",
                      message=note, not_before=now, now=now)  # fmt: skip
    await council.deliver()


async def test_people_slack_cannot_find_are_listed_to_the_qa_team_once(council: Council) -> None:
    council.slack.users.pop("s05@council.example")
    await allocate(council)
    await council.deliver()
    parked = [r for r in await rows(council) if r.status == "parked"]
    assert parked and all(r.recipient == "person:S05" for r in parked)
    assert all(r.last_error == "slack_person_not_found:users_not_found" for r in parked)
    assert [r for r in await rows(council) if r.message_type == "parked_alert"] == []
    (listed,) = [r for r in await rows(council) if r.message_type == UNFOUND_KIND]
    assert listed.recipient == "channel:qa-team" and listed.status == "sent"
    assert "s05@council.example" in str(listed.payload)

    # more messages for the same person: parked with the reason, no new list, no new look-up
    lookups = len(council.slack.called("users.lookupByEmail"))
    await note_to(council, "S05", "note:again")
    assert len(council.slack.called("users.lookupByEmail")) == lookups
    assert len([r for r in await rows(council) if r.message_type == UNFOUND_KIND]) == 1
    again = next(r for r in await rows(council) if r.idempotency_key == "note:again")
    assert again.status == "parked" and again.last_error.startswith("slack_person_not_found")

    # the list grows: the QA team hears once more, with both
    async with council.qabot.deps.sessions.begin() as session:
        team = (await session.scalars(select(Person.team_id).limit(1))).one()
        session.add(Person(staff_id="S09", name="New Starter", email="s09@elsewhere.example",
                           role="practitioner", team_id=team))  # fmt: skip
    await note_to(council, "S09", "note:s09")
    await council.deliver()
    lists = [r for r in await rows(council) if r.message_type == UNFOUND_KIND]
    assert len(lists) == 2
    assert all(e in str(lists[1].payload) for e in ("s05@council.example", "s09@elsewhere"))


async def test_a_long_digest_goes_as_several_messages_within_block_kits_limits(
    council: Council,
) -> None:
    sections = tuple(
        Section(title=f"Item {n}", text="Due soon. " * 30, buttons=(Button("Open", f"open.{n}"),))
        for n in range(30)
    )
    digest = Message(kind="digest", title="Your QA today", text="Here's today.", sections=sections)
    platform = council.qabot.dispatcher._platforms["slack"]
    sent = await platform.send("person:S06", digest)
    posts = [c for c in council.slack.called("chat.postMessage") if c["channel"] == "D0S06"]
    assert len(posts) >= 2
    assert all(p["text"] and 0 < len(p["blocks"]) <= 50 for p in posts)
    shown = " ".join(str(p["blocks"]) for p in posts)
    assert all(f"Item {n}" in shown for n in range(30)), "nothing dropped"
    assert council.slack.posted[sent.message_id] is posts[0]
