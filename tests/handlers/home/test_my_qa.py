"""My QA through the real router, on SQLite and PostgreSQL: reflections and moderations asked
of a person are listed with their due date and a button to the form, until they are answered."""

from __future__ import annotations

import datetime as dt

import pytest

from handlers.case_audit.cycle import (
    OPEN_MODERATION,
    OPEN_REFLECTION,
    RECORD_MODERATION,
    SAVE_REFLECTION,
    AuditCycle,
)
from handlers.core.deps import Deps
from handlers.core.inbound import handle_event
from handlers.core.router import EventKind, Inbound, Router
from handlers.home.basics import Basics
from handlers.programme.schema import CaseAudit
from message_templates.model import Message
from scheduler.clock import VirtualClock
from storage import Sessions
from tests.handlers.case_audit.test_request_reminders import (
    AUDIT,
    PROGRAMME,
    allocation_id,
    answers,
    make_deps,
    moderation,
)


@pytest.fixture
async def deps(sessions: Sessions) -> Deps:
    """S04's audit of S05's case C-000101 recorded (Outstanding) on Monday 11 January 2027."""
    return await make_deps(sessions)


async def send(deps: Deps, staff_id: str, kind: EventKind, name: str, value: str = "",
               text: str = "", **fields: str) -> Message:  # fmt: skip
    basics, cycle = Basics(deps), AuditCycle(deps)
    router = Router([*basics.routes(), *cycle.routes()], fallback=basics.unknown,
                    problem=lambda words: deps.wording.compose("user_error", {"problem": words}),
                    apology=lambda: deps.wording.compose("apology", {}))  # fmt: skip
    event_id = f"{staff_id}:{kind}:{name}:{value}:{text}"
    event = Inbound("sandbox", event_id, staff_id, kind, name, value, text,
                    fields=tuple(fields.items()))  # fmt: skip
    reply = await handle_event(deps, router, event)
    assert reply is not None and reply.message is not None
    return reply.message


async def my_qa(deps: Deps, staff_id: str, asked: int = 1) -> Message:
    message = await send(deps, staff_id, "text", "", str(asked), text="my qa")
    assert message.kind == "my_qa"
    return message


def opens(message: Message) -> list[tuple[str, str, str]]:
    return [(b.action, b.value, b.label) for b in message.buttons]


async def test_the_worker_sees_the_reflection_asked_of_them_until_they_share_it(
    deps: Deps,
) -> None:
    allocation = str(await allocation_id(deps))
    before = await my_qa(deps, "S05")
    assert (
        "Add your reflections on the audit of **C-000101** with Marcus Reid – ideally by "
        "Monday 18 January" in before.text
    )
    assert opens(before) == [(OPEN_REFLECTION, allocation, "Reflect on C-000101")]
    form = await send(deps, "S05", "action", OPEN_REFLECTION, allocation)
    assert form.kind == "reflection_form"
    saved = await send(deps, "S05", "form", SAVE_REFLECTION, allocation, **answers("Calmer"))
    assert saved.kind == "reflection_saved"
    after = await my_qa(deps, "S05", asked=2)
    assert "reflections" not in after.text and opens(after) == []
    # the audit itself is still listed, as done rather than under way
    assert "**C-000101** was audited with Marcus Reid (recorded, thank you)" in after.text
    assert "being audited" not in after.text and "being audited" not in before.text
    # a month after it was due (28 January) it has left the list
    clock = deps.clock
    assert isinstance(clock, VirtualClock)
    clock.set(dt.datetime(2027, 2, 28, 10, 0, tzinfo=dt.UTC))
    assert "C-000101" in (await my_qa(deps, "S05", asked=3)).text
    clock.set(dt.datetime(2027, 3, 1, 10, 0, tzinfo=dt.UTC))
    assert "C-000101" not in (await my_qa(deps, "S05", asked=4)).text


async def test_the_moderator_sees_the_moderation_asked_of_them_until_it_is_saved(
    deps: Deps,
) -> None:
    moderation_id, moderator = await moderation(deps)
    before = await my_qa(deps, moderator)
    assert (
        "Take a second look at Marcus Reid's audit of **C-000101** (graded Outstanding) – by "
        "Monday 25 January" in before.text
    )
    assert opens(before) == [(OPEN_MODERATION, str(moderation_id), "Moderate C-000101")]
    form = await send(deps, moderator, "action", OPEN_MODERATION, str(moderation_id))
    assert form.kind == "moderation_form"
    done = await send(deps, moderator, "form", RECORD_MODERATION, str(moderation_id),
                      agree="yes", comments="The evidence supports Outstanding")  # fmt: skip
    assert done.kind == "moderation_saved"
    after = await my_qa(deps, moderator, asked=2)
    assert "C-000101" not in after.text and opens(after) == []


async def test_nobody_else_is_asked(deps: Deps) -> None:
    _, moderator = await moderation(deps)
    for staff_id in {"S01", "S02", "S03", "S04", "S07"} - {moderator}:
        message = await my_qa(deps, staff_id)
        assert "reflections" not in message.text and "second look" not in message.text
        assert opens(message) == []


async def test_an_auditor_who_reflects_sees_their_own_request(sessions: Sessions) -> None:
    reflection = AUDIT.reflection.model_copy(update={"auditor_reflects": True})
    audit = AUDIT.model_copy(update={"reflection": reflection})
    others = [a for a in PROGRAMME.activities if not isinstance(a, CaseAudit)]
    deps = await make_deps(sessions, PROGRAMME.model_copy(update={"activities": [audit, *others]}))
    allocation = str(await allocation_id(deps))
    message = await my_qa(deps, "S04")
    assert "reflections on the audit of **C-000101** with Tom Okafor" in message.text
    assert opens(message) == [(OPEN_REFLECTION, allocation, "Reflect on C-000101")]
    await send(deps, "S04", "form", SAVE_REFLECTION, allocation, **answers("As auditor"))
    assert opens(await my_qa(deps, "S04", asked=2)) == []
    assert opens(await my_qa(deps, "S05", asked=2)) != []  # the worker's is their own
