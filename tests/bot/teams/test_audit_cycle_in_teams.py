"""The whole audit cycle in Teams, through the Agents SDK's JWT validator and the connector
stand-in: everyone installs qabot, the month's allocation reaches each person as a card, the
worker ticks the checklist, the auditor records the audit (once with an answer missing), the
worker reflects, the moderator moderates, and the action is done and confirmed — every press an
`adaptiveCard/action` invoke answered with the refreshed card, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass, field
from typing import Any

import pytest
from real_messages import CASES
from real_messages import PEOPLE as COUNCIL
from sqlalchemy import select
from teams_harness import CLIENT_SECRET, MONDAY, Teams
from teams_standins import Call

from handlers.case_audit.cycle import (
    ACTION_CONFIRM,
    ACTION_DONE,
    CHECKLIST_TICK,
    OPEN_MODERATION,
    OPEN_RECORD,
    RECORD,
    RECORD_MODERATION,
    SAVE_REFLECTION,
    run_allocation,
)
from handlers.programme.schema import CaseAudit
from storage.case_audit import audits
from storage.models import (
    Action,
    AuditRecord,
    ChecklistTick,
    Moderation,
    OutboxMessage,
    Person,
    Reflection,
)
from storage.people import CaseRecord, PersonRecord, Roster, apply_roster

CARD = "application/vnd.microsoft.card.adaptive"


@dataclass
class Walk:
    """People in Teams, each with their own 1:1 chat, pressing what their cards show."""

    teams: Teams
    ids: itertools.count[int] = field(default_factory=itertools.count)
    last_invoke: dict[str, Any] = field(default_factory=dict)

    @staticmethod
    def chat(staff_id: str) -> str:
        return f"a:chat-{staff_id}"

    @staticmethod
    def member(staff_id: str) -> str:
        return f"29:member-{staff_id}"

    @staticmethod
    def aad(staff_id: str) -> str:
        return f"00000000-0000-4000-8000-0000000000{staff_id[1:]}"

    def as_person(self, name: str, staff_id: str, **changes: Any) -> dict[str, Any]:
        activity = self.teams.activity(name, id=f"f:{name}-{next(self.ids)}", **changes)
        activity["from"] = {"id": self.member(staff_id), "name": staff_id,
                            "aadObjectId": self.aad(staff_id)}  # fmt: skip
        activity["conversation"] = {**activity["conversation"], "id": self.chat(staff_id)}
        return activity

    async def install(self, staff_id: str) -> None:
        self.teams.connector.members[self.member(staff_id)] = {
            "id": self.member(staff_id),
            "userPrincipalName": f"{staff_id}@COUNCIL.example",  # any case
        }
        status, _ = await self.teams.post(self.as_person("install", staff_id))
        assert status == 202

    def posts_to(self, staff_id: str) -> list[Call]:
        """The cards posted into a person's chat, oldest first."""
        return [
            c
            for c in self.teams.connector.calls
            if c.method == "POST" and c.path.endswith(f"/{self.chat(staff_id)}/activities")
        ]

    def latest(self, staff_id: str) -> tuple[str, dict[str, Any]]:
        call = self.posts_to(staff_id)[-1]
        return call.activity_id, card_of(call)

    async def sent(self, key: str) -> tuple[str, dict[str, Any]]:
        """The activity id and card of the message qabot queued under `key`, as posted."""
        async with self.teams.qabot.deps.sessions() as session:
            activity_id = await session.scalar(
                select(OutboxMessage.platform_message_id).where(
                    OutboxMessage.idempotency_key == key
                )
            )
        [call] = [c for c in self.teams.connector.calls if c.activity_id == activity_id]
        return str(activity_id), card_of(call)

    async def press(
        self, staff_id: str, on: tuple[str, dict[str, Any]], verb: str, **typed: str
    ) -> dict[str, Any]:
        """Press the card's `verb` button as Teams sends it: its data, and each input's value
        when the action gathers the card's inputs; `typed` is what the person changed."""
        activity_id, card = on
        [action] = [a for a in walk(card) if a.get("verb") == verb]
        data = dict(action.get("data", {}))
        if action.get("associatedInputs") == "auto":
            data |= {i["id"]: str(i.get("value", "")) for i in walk(card) if "id" in i}
        data |= typed
        value = {"action": {"type": "Action.Execute", "verb": verb, "data": data}}
        invoke = self.as_person("card_action", staff_id, replyToId=activity_id, value=value)
        self.last_invoke = invoke
        status, answer = await self.teams.post(invoke)
        assert status == 200, answer
        assert answer["statusCode"] == 200
        return dict(answer)


def card_of(call: Call) -> dict[str, Any]:
    assert call.body is not None
    [attachment] = call.body["attachments"]
    assert attachment["contentType"] == CARD
    return dict(attachment["content"])


def walk(node: Any) -> list[dict[str, Any]]:
    """Every element of a card that has an input id or an action verb."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if node.get("type") == "Action.Execute" or str(node.get("type", "")).startswith("Input."):
            found.append(node)
        for child in node.values():
            found += walk(child)
    elif isinstance(node, list):
        for child in node:
            found += walk(child)
    return found


def assert_sent_back(answer: dict[str, Any], *, field: str, says: str) -> None:
    """The invoke's answer is the form again, the problem right below the field at fault."""
    assert answer["type"] == CARD
    body = answer["value"]["body"]
    at = next(i for i, e in enumerate(body) if e.get("id") == field)
    below = body[at + 1]
    assert below["type"] == "TextBlock" and below["color"] == "Attention", below
    assert says in below["text"], below


def text_of(card: dict[str, Any]) -> str:
    return str(card.get("fallbackText", "")) + " " + str(card.get("body", ""))


async def _council(teams: Teams) -> None:
    people = tuple(
        PersonRecord(sid, name, f"{sid.lower()}@council.example", role, team, "Children", boss)
        for sid, name, role, team, boss in COUNCIL
    )
    cases = tuple(CaseRecord(ref, worker, kind, MONDAY.date()) for ref, worker, kind in CASES)
    async with teams.qabot.deps.sessions.begin() as session:
        await apply_roster(session, Roster(people, cases), now=MONDAY, actor="test")


async def test_the_audit_cycle_in_teams(
    teams_on_each_database: Teams, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    teams = teams_on_each_database
    deps = teams.qabot.deps
    people = Walk(teams)
    await _council(teams)
    for staff_id, *_ in COUNCIL:
        await people.install(staff_id)
        assert "Hello from qabot" in text_of(people.latest(staff_id)[1])

    # the month's allocation: a card to each auditor and worker, in their own chat
    activity = deps.programme.of_kind(CaseAudit)[0]
    async with deps.sessions.begin() as session:
        await run_allocation(deps, session, activity, 2027, 1)
    await teams.qabot.deliver()
    # (no manager audits anyone below them, so not every worker's case is audited this month:
    # the walk follows the first worker who has one)
    async with deps.sessions() as session:
        audit = min(await audits.allocations(session), key=lambda v: v.practitioner.staff_id)
    auditor, worker = audit.auditor.staff_id, audit.practitioner.staff_id
    notified = await people.sent(f"audit.notified:{audit.id}")
    assert people.posts_to(worker)[-1].activity_id == notified[0]

    # the worker ticks one checklist item: the invoke's answer is the card with it ticked, in place
    toggles = [i["id"] for i in walk(notified[1]) if i.get("type") == "Input.Toggle"]
    puts = len([c for c in teams.connector.calls if c.method == "PUT"])
    answer = await people.press(worker, notified, CHECKLIST_TICK, **{toggles[0]: "true"})
    assert answer["type"] == CARD
    ticked = {i["id"]: i["value"] for i in walk(answer["value"]) if i.get("type") == "Input.Toggle"}
    assert ticked[toggles[0]] == "true" and ticked[toggles[1]] == "false"
    assert len([c for c in teams.connector.calls if c.method == "PUT"]) == puts  # not PUT too
    calls = len(teams.connector.calls)
    status, retried = await teams.post(people.last_invoke)  # Teams sends the same invoke again
    assert status == 200 and retried == answer
    assert len(teams.connector.calls) == calls
    async with deps.sessions() as session:
        assert len(list(await session.scalars(select(ChecklistTick)))) == 1

    # the auditor opens the record form from their card and sends it with an answer missing
    allocated = await people.sent(f"audit.allocated:{audit.id}")
    await people.press(auditor, allocated, OPEN_RECORD)
    form = people.latest(auditor)
    assert any(i.get("id") == "grade" for i in walk(form[1]))
    posted = len(people.posts_to(auditor))
    answer = await people.press(auditor, form, RECORD, grade="Inadequate", grade_reason="",
                                strengths="Knows the family well")  # fmt: skip
    assert_sent_back(answer, field="grade_reason", says="Please fill this in")
    kept = {i["id"]: i.get("value") for i in walk(answer["value"]) if "id" in i}
    assert kept["grade"] == "Inadequate" and kept["strengths"] == "Knows the family well"
    assert len(people.posts_to(auditor)) == posted  # on the card, not a message of its own
    async with deps.sessions() as session:
        assert await session.scalar(select(AuditRecord.id)) is None  # nothing stored
    await people.press(
        auditor, form, RECORD, grade="Inadequate", grade_reason="Drift since October",
        action_1="Update the chronology", action_1_due="2027-01-12",
    )  # fmt: skip
    async with deps.sessions() as session:
        record = await session.scalar(select(AuditRecord))
        assert record is not None and record.grade == "Inadequate"

    # the worker's reflection, asked for once the audit is recorded: its form is in the card
    reflection_request = await people.sent(f"reflection.requested:{audit.id}:{worker}")
    prompts = {p.id: f"My answer to {p.id}" for p in activity.reflection.prompts}
    first, *others = prompts
    answer = await people.press(worker, reflection_request, SAVE_REFLECTION,
                                **{name: prompts[name] for name in others})  # fmt: skip
    assert_sent_back(answer, field=first, says="Please fill this in")
    async with deps.sessions() as session:
        assert await session.scalar(select(Reflection.id)) is None
    await people.press(worker, reflection_request, SAVE_REFLECTION, **prompts)
    async with deps.sessions() as session:
        assert await session.scalar(select(Reflection.id)) is not None

    # the moderation of an Inadequate audit
    async with deps.sessions() as session:
        moderation = await session.scalar(select(Moderation))
        assert moderation is not None
        moderator = await session.scalar(
            select(Person.staff_id).where(Person.id == moderation.moderator_id)
        )
    assert moderator is not None
    moderation_request = people.latest(moderator)
    await people.press(moderator, moderation_request, OPEN_MODERATION)
    moderation_form = people.latest(moderator)
    answer = await people.press(moderator, moderation_form, RECORD_MODERATION, agree="no",
                                comments="The evidence points lower")  # fmt: skip
    assert_sent_back(answer, field="grade", says="choose the grade")
    await people.press(moderator, moderation_form, RECORD_MODERATION,
                       agree="yes", comments="A fair grade")  # fmt: skip
    async with deps.sessions() as session:
        moderated = await session.get(Moderation, moderation.id)
        assert moderated is not None and moderated.completed_at is not None and moderated.agrees

    # the action: its owner says what was done, their line manager confirms it
    async with deps.sessions() as session:
        action = await session.scalar(select(Action))
        assert action is not None
        owner = await session.scalar(select(Person).where(Person.id == action.owner_id))
    assert owner is not None
    raised = next(
        (c.activity_id, card_of(c))
        for c in reversed(people.posts_to(owner.staff_id))
        if any(a.get("verb") == ACTION_DONE for a in walk(card_of(c)))
    )
    await people.press(owner.staff_id, raised, ACTION_DONE)
    await people.press(owner.staff_id, people.latest(owner.staff_id), ACTION_DONE,
                       evidence="Chronology brought up to date on 6 January")  # fmt: skip
    async with deps.sessions() as session:
        manager = await session.scalar(select(Person.staff_id).where(Person.id == owner.manager_id))
    assert manager is not None
    await people.press(manager, people.latest(manager), ACTION_CONFIRM)
    async with deps.sessions() as session:
        done = await session.get(Action, action.id)
        assert done is not None and done.status == "done"

    # nothing anyone wrote, no token and no secret in the log: at any level from the Teams
    # edge, the SDK and msal; from INFO up elsewhere (a database driver's debug shows SQL)
    teams_side = ("bot", "microsoft_agents", "msal", "urllib3", "aiohttp")
    for record in caplog.records:
        if record.levelno < logging.INFO and not record.name.startswith(teams_side):
            continue
        said = record.getMessage()
        for secret in (CLIENT_SECRET, "eyJ", "app-token-", "Drift since October", "My answer to"):
            assert secret not in said, (record.name, said)
