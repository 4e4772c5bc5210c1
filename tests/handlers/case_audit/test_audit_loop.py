"""The learning loop: what an audit found reaches the worker, their line manager, the moderator,
the auditor and the QA team; a moderated grade counts; the family's voice; checklist items that
apply; the wording that carries it. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import pytest
from sqlalchemy import select

from handlers.case_audit import messages
from handlers.case_audit.actions import latest_snooze
from handlers.case_audit.cycle import (
    NOT_APPLICABLE,
    OPEN_MODERATION,
    OPEN_NOT_APPLICABLE,
    OPEN_RECORD,
    RECORD,
    RECORD_MODERATION,
    SAVE_REFLECTION,
    run_allocation,
)
from handlers.case_audit.messages import done_count
from handlers.core.calendar import Calendar
from handlers.core.deps import Deps
from handlers.core.inbound import handle_event
from handlers.core.router import Inbound, Reply
from handlers.home.qa_team import team_view
from handlers.programme.schema import CaseAudit, Programme, load_programme
from message_templates.wording import Wording
from scheduler.clock import VirtualClock
from storage import Sessions
from storage.case_audit import audits
from storage.case_audit.audits import AllocationView
from storage.models import Action, AuditRecord, ChecklistTick, Moderation, OutboxMessage
from tests.handlers.case_audit.test_audit_cycle import (
    MONDAY,
    PROGRAMME,
    build_council,
    form_problems,
    kept,
    problem,
    reflection,
    router,
    rows,
)

PRESETS = ("default", "camden", "durham", "hammersmith-fulham", "haringey", "shropshire")
FINDINGS = {
    "grade": "Good",
    "grade_reason": "The plan is reviewed and the child's voice is clear",
    "strengths": "Warm, regular direct work with the child",
    "worries": "School isn't part of the network yet",
    "action_1": "Invite school to the next core group",
    "action_1_due": "2027-02-26",
}


async def send(deps: Deps, staff_id: str, kind: str, name: str, value: str, **fields: str) -> Reply:
    """One event as a platform would deliver it (its id short, whatever was typed)."""
    digest = hashlib.sha256(repr((staff_id, name, value, sorted(fields.items()))).encode())
    event = Inbound(platform="sandbox", event_id=digest.hexdigest()[:32], staff_id=staff_id,
                    kind=kind, name=name, value=value, fields=tuple(fields.items()))  # type: ignore[arg-type]  # fmt: skip
    reply = await handle_event(deps, router(deps), event)
    assert reply is not None
    return reply


def programme_with(**changes: Any) -> Programme:
    """The default programme with its case audit changed."""
    activities = [
        a.model_copy(update=changes) if isinstance(a, CaseAudit) else a
        for a in PROGRAMME.activities
    ]
    return PROGRAMME.model_copy(update={"activities": activities})


def make_deps(sessions: Sessions, programme: Programme = PROGRAMME) -> Deps:
    return Deps(
        sessions=sessions,
        wording=Wording(),
        clock=VirtualClock(MONDAY),
        programme=programme,
        calendar=Calendar.from_programme(programme),
        case_link="https://lcs.council.example/case/{case_ref}",
    )


@pytest.fixture
async def deps(sessions: Sessions) -> Deps:
    await build_council(sessions)
    return make_deps(sessions)


async def allocate(deps: Deps) -> list[AllocationView]:
    [activity] = deps.programme.of_kind(CaseAudit)
    async with deps.sessions.begin() as session:
        result = await run_allocation(deps, session, activity, 2027, 1)
    async with deps.sessions() as session:
        return await audits.allocations(session, round_id=result.round_id)


async def tom(deps: Deps) -> AllocationView:
    """Tom Okafor's CP case (S05; line manager Dana Hughes, S03)."""
    return next(v for v in await allocate(deps) if v.practitioner.staff_id == "S05")


async def outbox(deps: Deps) -> dict[str, OutboxMessage]:
    return {m.idempotency_key: m for m in await rows(deps, OutboxMessage)}


async def record(deps: Deps, view: AllocationView, **fields: str) -> None:
    reply = await send(deps, view.auditor.staff_id, "form", RECORD, str(view.id),
                       **(FINDINGS | fields))  # fmt: skip
    assert reply.message is not None and reply.message.kind == "audit_recorded", reply


def says_the_findings(text: str, grade: str = "Good") -> bool:
    wanted = (f"Grade: {grade}", FINDINGS["grade_reason"], FINDINGS["strengths"],
              FINDINGS["worries"], FINDINGS["action_1"])  # fmt: skip
    return all(part in text for part in wanted)


async def moderate(deps: Deps, view: AllocationView, **fields: str) -> Moderation:
    [moderation] = await rows(deps, Moderation)
    moderator = await _staff_id(deps, moderation.moderator_id)
    reply = await send(deps, moderator, "form", RECORD_MODERATION, str(moderation.id), **fields)
    assert reply.message is not None and reply.message.kind == "moderation_saved", reply
    return moderation


async def _staff_id(deps: Deps, person_id: int) -> str:
    from storage.models import Person

    async with deps.sessions() as session:
        staff_id: str = await session.scalar(select(Person.staff_id).where(Person.id == person_id))
    return staff_id


# What the audit found reaches the people it is for


async def test_the_worker_gets_the_record_with_the_request_to_reflect(deps: Deps) -> None:
    view = await tom(deps)
    await record(deps, view)
    asked = (await outbox(deps))[f"reflection.requested:{view.id}:S05"]
    assert asked.recipient == "person:S05"
    assert says_the_findings(asked.payload["text"])
    # the reminder's form, opened again, carries the findings too
    reply = await send(deps, "S05", "action", "reflection.open", str(view.id))
    assert reply.message is not None and says_the_findings(reply.message.text)


async def test_the_line_manager_gets_the_record_for_supervision_in_a_dm(deps: Deps) -> None:
    view = await tom(deps)
    await record(deps, view)
    found = await outbox(deps)
    copy = found[f"audit.findings.manager:{view.id}"]
    assert copy.recipient == "person:S03" and copy.message_type == "audit_findings"
    assert says_the_findings(copy.payload["text"])
    # nothing from the case in any channel
    channel = [m for m in found.values() if m.recipient.startswith("channel:")]
    assert not any(view.case_ref in json.dumps(m.payload) for m in channel)
    # with the reflections once shared, in the supervision view
    await send(deps, "S05", "form", SAVE_REFLECTION, str(view.id), **reflection("shared"))
    from handlers.case_audit.supervision import Supervision

    async with deps.sessions() as session:
        event = Inbound("sandbox", "sup", "S03", "text", text="reflections")
        reply = await Supervision(deps).reflections(session, event)
    assert reply.message is not None
    assert says_the_findings(reply.message.text) and "shared learned" in reply.message.text


async def test_an_inadequate_record_goes_to_the_manager_once_with_its_findings(deps: Deps) -> None:
    view = await tom(deps)
    await record(deps, view, grade="Inadequate")
    found = await outbox(deps)
    assert f"audit.findings.manager:{view.id}" not in found
    notice = found[f"audit.inadequate.manager:{view.id}"]
    assert notice.recipient == "person:S03"
    assert says_the_findings(notice.payload["text"], grade="Inadequate")


async def test_the_moderator_sees_the_whole_record_and_may_raise_actions(deps: Deps) -> None:
    view = await tom(deps)
    await record(deps, view, grade="Outstanding")
    [moderation] = await rows(deps, Moderation)
    moderator = await _staff_id(deps, moderation.moderator_id)
    opened = await send(deps, moderator, "action", OPEN_MODERATION, str(moderation.id))
    assert opened.message is not None and opened.message.form is not None
    assert says_the_findings(opened.message.text, grade="Outstanding")
    assert "action_1" in [f.id for f in opened.message.form.fields]
    # an unreadable action date: nothing saved
    bad = await send(deps, moderator, "form", RECORD_MODERATION, str(moderation.id), agree="yes",
                     comments="Well evidenced", action_1="Share with the team",
                     action_1_due="someday")  # fmt: skip
    assert bad.message is not None and bad.message.kind == "moderation_form"
    assert bad.message.form is not None and bad.message.form.problem.startswith("One thing")
    assert list(form_problems(bad)) == ["action_1_due"]
    assert "couldn't read 'someday'" in form_problems(bad)["action_1_due"]
    assert {"comments": "Well evidenced", "action_1": "Share with the team",
            "action_1_due": "someday"}.items() <= kept(bad).items()  # fmt: skip
    assert (await rows(deps, Moderation))[0].completed_at is None
    assert not [a for a in await rows(deps, Action) if a.description.startswith("Share")]
    due = (MONDAY.date() + dt.timedelta(days=30)).isoformat()
    await moderate(deps, view, agree="yes", comments="Well evidenced",
                   action_1="Share the direct work at the team meeting",
                   action_1_owner="S03", action_1_due=due)  # fmt: skip
    raised = [a for a in await rows(deps, Action) if a.description.startswith("Share")]
    assert len(raised) == 1 and raised[0].source == "audit" and raised[0].due_on.isoformat() == due
    assert f"action.raised:{raised[0].id}" in await outbox(deps)
    assert (await outbox(deps))[f"action.raised:{raised[0].id}"].recipient == "person:S03"


async def test_the_moderators_comments_reach_the_auditor_and_the_qa_team(deps: Deps) -> None:
    view = await tom(deps)
    await record(deps, view, grade="Outstanding")
    moderation = await moderate(deps, view, agree="no", grade="Good",
                                comments="Strong work; the plan review is late")  # fmt: skip
    told = (await outbox(deps))[f"moderation.recorded:{moderation.id}"]
    assert told.recipient == f"person:{view.auditor.staff_id}"
    assert "Strong work; the plan review is late" in told.payload["text"]
    async with deps.sessions() as session:
        team = await team_view(deps, session, MONDAY.date())
    [note] = team["moderations"]
    assert note["comments"] == "Strong work; the plan review is late"
    assert (note["case_ref"], note["auditor_grade"], note["moderated_grade"]) == (
        view.case_ref, "Outstanding", "Good",
    )  # fmt: skip
    shown = Wording().compose("my_qa", {"name": "Ruth", "role": "qa_manager", "items": [],
                                        "team": team})  # fmt: skip
    assert "Strong work; the plan review is late" in shown.text


async def test_a_grade_moderated_to_inadequate_counts_with_its_follow_up(deps: Deps) -> None:
    view = await tom(deps)
    # Outstanding is always moderated
    await record(deps, view, grade="Outstanding")
    [action] = await rows(deps, Action)
    assert not action.flagged
    await moderate(deps, view, agree="no", grade="Inadequate", comments="Drift, no review")
    [stored] = await rows(deps, AuditRecord)
    assert stored.grade == "Inadequate"
    [moderation] = await rows(deps, Moderation)
    assert (moderation.auditor_grade, moderation.moderated_grade) == ("Outstanding", "Inadequate")
    [action] = await rows(deps, Action)
    assert action.flagged
    async with deps.sessions() as session:
        assert await latest_snooze(session, action.id) == action.due_on
    found = await outbox(deps)
    notice = found[f"audit.inadequate.manager:{view.id}"]
    assert notice.recipient == "person:S03" and "moderated it to" in notice.payload["text"]
    qa = found[f"audit.inadequate.qa_team:{view.id}"]
    assert qa.recipient == "channel:qa-team" and view.case_ref not in json.dumps(qa.payload)


# The family's voice


async def test_where_the_auditor_talks_with_the_family_the_record_asks_what_they_said(
    sessions: Sessions,
) -> None:
    await build_council(sessions)
    deps = make_deps(sessions, programme_with(with_family=True))
    view = await tom(deps)
    allocated = (await outbox(deps))[f"audit.allocated:{view.id}"]
    assert "Talk with the parents" in allocated.payload["text"]
    form = await send(deps, view.auditor.staff_id, "action", OPEN_RECORD, str(view.id))
    assert form.message is not None and form.message.form is not None
    assert {"family_said", "family_not_why"} <= {f.id for f in form.message.form.fields}
    missing = await send(deps, view.auditor.staff_id, "form", RECORD, str(view.id), **FINDINGS)
    assert missing.message is not None and missing.message.kind == "audit_record_form"
    assert list(form_problems(missing)) == ["family_said"]
    assert "say what the family told you" in form_problems(missing)["family_said"]
    assert FINDINGS.items() <= kept(missing).items()
    assert await rows(deps, AuditRecord) == []
    await record(deps, view, family_said="Mum says the visits help")
    [stored] = await rows(deps, AuditRecord)
    assert stored.family_said == "Mum says the visits help"
    asked = (await outbox(deps))[f"reflection.requested:{view.id}:S05"]
    assert "What the family said:** Mum says the visits help" in asked.payload["text"]


async def test_a_reason_the_family_was_not_spoken_to_will_do(sessions: Sessions) -> None:
    await build_council(sessions)
    deps = make_deps(sessions, programme_with(with_family=True))
    view = await tom(deps)
    await record(deps, view, family_not_why="The family declined a conversation")
    [stored] = await rows(deps, AuditRecord)
    assert (stored.family_said, stored.family_not_why) == ("", "The family declined a conversation")


async def test_without_the_family_the_form_does_not_ask(deps: Deps) -> None:
    view = await tom(deps)
    form = await send(deps, view.auditor.staff_id, "action", OPEN_RECORD, str(view.id))
    assert form.message is not None and form.message.form is not None
    assert "family_said" not in {f.id for f in form.message.form.fields}


def test_family_prompts_go_to_the_auditor_not_the_worker() -> None:
    for name in ("haringey", "camden"):
        for audit in load_programme(name).of_kind(CaseAudit):
            assert audit.with_family
            assert not any("family" in p.id for p in audit.reflection.prompts), name


# Checklist items that apply


def cla_only() -> Programme:
    [audit] = PROGRAMME.of_kind(CaseAudit)
    photo = audit.checklist[0].model_copy(
        update={"id": "photo", "text": "The file includes a recent photo", "case_types": ["CLA"]}
    )
    return programme_with(checklist=[*audit.checklist, photo])


async def test_an_item_for_other_case_types_is_not_shown_and_holds_nothing_open(
    sessions: Sessions,
) -> None:
    await build_council(sessions)
    deps = make_deps(sessions, cla_only())
    [activity] = deps.programme.of_kind(CaseAudit)
    views = await allocate(deps)
    cp = next(v for v in views if v.case_type == "CP")
    cla = next(v for v in views if v.case_type == "CLA")
    found = await outbox(deps)
    shown = {e["id"] for e in found[f"audit.notified:{cp.id}"].payload["checklist"]}
    assert "photo" not in shown and len(shown) == len(activity.checklist) - 1
    assert "photo" in {e["id"] for e in found[f"audit.notified:{cla.id}"].payload["checklist"]}
    others = frozenset(i.id for i in activity.checklist if i.id != "photo")
    assert done_count(AllocationView(**{**cp.__dict__, "ticked": others}), activity) == len(
        activity.checklist
    )
    assert done_count(AllocationView(**{**cla.__dict__, "ticked": others}), activity) < len(
        activity.checklist
    )


async def test_a_worker_marks_an_item_not_applicable_with_a_reason(deps: Deps) -> None:
    view = await tom(deps)
    [activity] = deps.programme.of_kind(CaseAudit)
    item = activity.checklist[0].id
    opened = await send(deps, "S05", "action", OPEN_NOT_APPLICABLE, str(view.id))
    assert opened.message is not None and opened.message.form is not None
    assert item in [c.value for c in opened.message.form.fields[0].choices]
    # no reason: the form again, the choice kept, nothing stored
    again = await send(deps, "S05", "form", NOT_APPLICABLE, str(view.id), item=item, reason="")
    assert again.message is not None and again.message.kind == "checklist_not_applicable"
    assert "why it doesn't apply" in again.message.text
    assert again.message.form is not None and again.message.form.fields[0].value == item
    assert await rows(deps, ChecklistTick) == []
    # someone else may not
    assert "Only Tom" in problem(
        await send(deps, "S06", "form", NOT_APPLICABLE, str(view.id), item=item, reason="x")
    )
    saved = await send(deps, "S05", "form", NOT_APPLICABLE, str(view.id), item=item,
                       reason="No school: the child is under two")  # fmt: skip
    assert saved.message is not None and saved.message.kind == "checklist_not_applicable_saved"
    [tick] = await rows(deps, ChecklistTick)
    assert (tick.item, tick.done, tick.not_applicable) == (
        item, True, "No school: the child is under two",
    )  # fmt: skip
    async with deps.sessions() as session:
        stored = await audits.allocation(session, view.id)
    assert stored is not None and stored.not_applicable == frozenset({item})
    checklist = (await outbox(deps))[f"audit.notified:{view.id}"]
    [entry] = [e for e in checklist.payload["checklist"] if e["id"] == item]
    assert entry["done"] and "(not applicable)" in entry["text"]
    # saving the checklist as shown (the item stays checked) keeps it settled
    shown = ",".join(i.id for i in activity.checklist[:3])
    await send(deps, "S05", "form", "checklist.tick", str(view.id), done=shown)
    async with deps.sessions() as session:
        stored = await audits.allocation(session, view.id)
    assert stored is not None and item in stored.not_applicable and len(stored.ticked) == 3
    # unticking it makes it an ordinary item again, open
    await send(deps, "S05", "action", "checklist.tick", f"{view.id}:{item}")
    async with deps.sessions() as session:
        stored = await audits.allocation(session, view.id)
    assert stored is not None and item not in stored.ticked | stored.not_applicable


# Wording


def test_the_checklist_reminder_gives_the_deadline_not_a_meeting_day() -> None:
    deps = make_deps(None, PROGRAMME)  # type: ignore[arg-type]
    view = _view()
    [activity] = PROGRAMME.of_kind(CaseAudit)
    reminder = messages.checklist_reminder(deps, view, activity)
    assert " is on " not in reminder.text and "by " in reminder.text
    notified = messages.notified(deps, view, activity)
    minutes = messages.checklist_minutes(activity, view.case_type)
    assert f"about {minutes} minutes" in notified.text
    fresh = messages.checklist_reminder(deps, view, activity)
    assert f"about {minutes} minutes" in fresh.text
    assert "ten minutes" not in fresh.text


def test_a_programmes_own_word_for_its_audits_is_used() -> None:
    programme = programme_with(called="learning conversation", focus_months=6)
    deps = make_deps(None, programme)  # type: ignore[arg-type]
    [activity] = programme.of_kind(CaseAudit)
    view = _view()
    allocated = messages.allocated(deps, view, activity)
    assert "learning conversation" in allocated.title
    assert "last 6 months" in allocated.text
    assert [b.label for b in allocated.buttons] == [
        "Record the learning conversation",
        "Set when you meet",
    ]
    form = messages.record_form(deps, view, activity, MONDAY.date())
    assert "learning conversation" in form.title and "last 6 months" in form.text
    assert "audit" not in messages.checklist_reminder(deps, view, activity).text
    plain = messages.allocated(make_deps(None), view, PROGRAMME.of_kind(CaseAudit)[0])  # type: ignore[arg-type]
    assert "last 6 months" not in plain.text and "learning conversation" not in plain.text


def _view() -> AllocationView:
    from storage.case_audit.people import PersonRef

    auditor = PersonRef(1, "S03", "Dana Hughes", "team_manager", 2, None)
    worker = PersonRef(2, "S05", "Tom Okafor", "practitioner", 1, None)
    return AllocationView(1, 1, "case_audit", "2027-01", "allocated", dt.date(2027, 1, 28),
                          "C-000101", "CP", auditor, worker)  # fmt: skip


@pytest.mark.parametrize("name", PRESETS)
def test_reflection_prompts_ask_what_the_worker_learned_not_the_auditors_fields(name: str) -> None:
    auditors_fields = {
        "What is working well?",
        "What are we worried about?",
        "What needs to happen?",
    }
    for audit in load_programme(name).of_kind(CaseAudit):
        texts = [p.text for p in audit.reflection.prompts]
        assert not auditors_fields & set(texts), name
        assert any(t.startswith("What did you learn from this") for t in texts), name


def test_the_presets_say_which_case_types_their_items_are_for() -> None:
    def item(preset: str, item_id: str) -> list[str] | None:
        audit = load_programme(preset).of_kind(CaseAudit)[0]
        return next(i.case_types for i in audit.checklist if i.id == item_id)

    assert item("durham", "photo") == ["CLA"]
    assert item("camden", "family_goals") == ["EH"]
    assert item("haringey", "pathway_plan") == ["CLA", "CL"]
    assert item("durham", "chronology") is None


def test_camden_calls_its_audits_learning_conversations() -> None:
    [audit] = load_programme("camden").of_kind(CaseAudit)
    assert audit.called == "learning conversation"
    assert load_programme("haringey").of_kind(CaseAudit)[0].focus_months == 6
    assert all(
        a.focus_months is None for p in PRESETS if p != "haringey"
        for a in load_programme(p).of_kind(CaseAudit)
    )  # fmt: skip
