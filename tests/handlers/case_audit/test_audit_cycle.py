"""The audit cycle on a small council built through storage: allocation to moderation."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.case_audit.cycle import (
    CHECKLIST_TICK,
    OPEN_MODERATION,
    OPEN_RECORD,
    RECORD,
    RECORD_MODERATION,
    SAVE_REFLECTION,
    AuditCycle,
    agreement_rate,
    allocate_due,
    can_read_reflections,
    is_sampled,
    read_reflections,
    reflections_for_supervision,
    run_allocation,
)
from handlers.case_audit.moderation import (
    block_end,
    is_moderation_period,
    moderation_due,
    pick_moderator,
)
from handlers.case_audit.supervision import Supervision
from handlers.core.calendar import Calendar
from handlers.core.deps import Deps
from handlers.core.inbound import handle_event
from handlers.core.router import Inbound, Reply, Router
from handlers.programme.schema import AuditorRule, CaseAudit, ModerationRule, load_programme
from message_templates.wording import Wording
from scheduler.clock import VirtualClock
from storage import Sessions
from storage.case_audit import audits
from storage.case_audit import people as audit_people
from storage.case_audit.audits import AllocationView
from storage.models import (
    Action,
    Allocation,
    AuditLogEntry,
    AuditRecord,
    AuditRound,
    ChecklistTick,
    Moderation,
    OutboxMessage,
    Person,
    Reflection,
    Team,
)
from storage.people import CaseRecord, PersonRecord, Roster, apply_roster

MONDAY = dt.datetime(2027, 1, 4, 10, 0, tzinfo=dt.UTC)
PROGRAMME = load_programme("default")
ACTIVITY: CaseAudit = PROGRAMME.of_kind(CaseAudit)[0]
PEOPLE = [
    ("S01", "Helen Clarke", "head_of_service", "Leadership", None),
    ("S02", "Sam Moss", "service_manager", "Leadership", "S01"),
    ("S03", "Dana Hughes", "team_manager", "Team A", "S01"),
    ("S04", "Marcus Reid", "team_manager", "Team B", "S01"),
    ("S05", "Tom Okafor", "practitioner", "Team A", "S03"),
    ("S06", "Leah Brown", "practitioner", "Team A", "S03"),
    ("S07", "Priya Shah", "practitioner", "Team B", "S04"),
    ("S08", "Ruth Adeyemi", "qa_manager", "QA", "S01"),
    ("S09", "Ann Other", "practitioner", "Team B", "S04"),
]
CASES = [("C-000101", "S05", "CP"), ("C-000102", "S06", "CIN"), ("C-000103", "S07", "CLA")]


async def build_council(sessions: Sessions) -> None:
    """Nine staff in one service, three open cases; S09 holds none."""
    people = tuple(
        PersonRecord(sid, name, f"{sid.lower()}@council.example", role, team, "Children", manager)
        for sid, name, role, team, manager in PEOPLE
    )
    cases = tuple(CaseRecord(ref, worker, kind, dt.date(2026, 9, 1)) for ref, worker, kind in CASES)
    async with sessions.begin() as session:
        await apply_roster(session, Roster(people, cases), now=MONDAY, actor="test")


@pytest.fixture
async def deps(sqlite_sessions: Sessions) -> Deps:
    await build_council(sqlite_sessions)
    return Deps(
        sessions=sqlite_sessions,
        wording=Wording(),
        clock=VirtualClock(MONDAY),
        programme=PROGRAMME,
        calendar=Calendar.from_programme(PROGRAMME),
        case_link="https://lcs.council.example/case/{case_ref}",
    )


def router(deps: Deps) -> Router:
    cycle = AuditCycle(deps)

    async def unknown(session: AsyncSession, event: Inbound) -> Reply:
        raise AssertionError(f"no route for {event.kind} {event.name}")

    return Router(
        cycle.routes(),
        fallback=unknown,
        problem=lambda text: deps.wording.compose("user_error", {"problem": text}),
        apology=lambda: deps.wording.compose("apology", {}),
    )


async def allocate(deps: Deps) -> list[AllocationView]:
    async with deps.sessions.begin() as session:
        result = await run_allocation(deps, session, ACTIVITY, 2027, 1)
    async with deps.sessions() as session:
        return await audits.allocations(session, round_id=result.round_id)


async def send(deps: Deps, staff_id: str, kind: str, name: str, value: str, **fields: str) -> Reply:
    event = Inbound(
        platform="sandbox",
        event_id=f"{staff_id}-{name}-{value}-{sorted(fields.items())}",
        staff_id=staff_id,
        kind=kind,  # type: ignore[arg-type]
        name=name,
        value=value,
        fields=tuple(fields.items()),
        source_key=f"audit.notified:{value.partition(':')[0]}" if name == CHECKLIST_TICK else "",
    )
    reply = await handle_event(deps, router(deps), event)
    assert reply is not None
    return reply


async def rows(deps: Deps, model: type[Any]) -> list[Any]:
    async with deps.sessions() as session:
        return list(await session.scalars(select(model).order_by(model.id)))


def problem(reply: Reply) -> str:
    assert reply.message is not None and reply.message.kind == "user_error", reply
    return reply.message.text


def form_problems(reply: Reply) -> dict[str, str]:
    """The form that came back: every field's problem by field id (a form sent from a test
    has no message it came from, so it comes back as a new message)."""
    assert reply.message is not None and reply.message.form is not None, reply
    assert "Nothing has been saved yet" in reply.message.form.problem
    return {f.id: f.error for f in reply.message.form.fields if f.error}


def kept(reply: Reply) -> dict[str, str]:
    assert reply.message is not None and reply.message.form is not None
    return {f.id: f.value for f in reply.message.form.fields}


# Allocation


async def test_allocation_run_is_idempotent(deps: Deps) -> None:
    views = await allocate(deps)
    assert len(views) == 3 and {v.due_on for v in views} == {dt.date(2027, 1, 28)}
    outbox = await rows(deps, OutboxMessage)
    async with deps.sessions.begin() as session:
        again = await run_allocation(deps, session, ACTIVITY, 2027, 1)
    assert not again.created and again.allocations == 3 and again.plan is None
    assert len(await rows(deps, AuditRound)) == 1
    assert len(await rows(deps, Allocation)) == 3
    assert [m.id for m in await rows(deps, OutboxMessage)] == [m.id for m in outbox]


async def test_case_refs_go_only_in_dms_to_the_people_involved(deps: Deps) -> None:
    views = await allocate(deps)
    by_key = {m.idempotency_key: m for m in await rows(deps, OutboxMessage)}
    assert len(by_key) == 2 * len(views) + 1  # and the QA manager's summary
    for view in views:
        allocated = by_key[f"audit.allocated:{view.id}"]
        notified = by_key[f"audit.notified:{view.id}"]
        assert allocated.recipient == f"person:{view.auditor.staff_id}"
        assert notified.recipient == f"person:{view.practitioner.staff_id}"
        assert view.case_ref in allocated.payload["text"]
        assert f"/case/{view.case_ref}" in allocated.payload["text"]
        assert allocated.payload["buttons"][0]["action"] == OPEN_RECORD
        assert notified.payload["checklist_action"] == CHECKLIST_TICK
        assert notified.payload["checklist_value"] == str(view.id)
        assert len(notified.payload["checklist"]) == len(ACTIVITY.checklist)
        assert view.auditor.id != view.practitioner.manager_id
    summary = by_key["allocation.summary:case_audit:2027-01:S08"]
    assert summary.recipient == "person:S08"
    text = json.dumps(summary.payload)
    assert "**3** cases allocated" in summary.payload["text"]
    assert not any(ref in text for ref, _, _ in CASES)


async def test_allocations_wait_for_working_hours(deps: Deps) -> None:
    deps.clock.set(dt.datetime(2027, 1, 9, 22, 0, tzinfo=dt.UTC))  # type: ignore[attr-defined]
    await allocate(deps)
    times = {m.next_attempt_at for m in await rows(deps, OutboxMessage)}
    assert times == {dt.datetime(2027, 1, 11, 9, 0, tzinfo=dt.UTC)}


async def test_dry_run_writes_nothing(deps: Deps) -> None:
    async with deps.sessions.begin() as session:
        result = await run_allocation(deps, session, ACTIVITY, 2027, 1, dry_run=True)
    assert result.plan is not None and len(result.plan.pairs) == 3 and result.round_id is None
    assert [u.practitioner_id for u in result.plan.uncovered] == ["S09"]
    assert await rows(deps, AuditRound) == [] and await rows(deps, OutboxMessage) == []


async def test_allocate_due_opens_each_round_once_just_before_its_window(deps: Deps) -> None:
    # inside December's window only, with more than a working week of it left
    december = dt.datetime(2026, 12, 14, 10, tzinfo=dt.UTC)
    assert await allocate_due(deps, december) == 1
    assert [r.period for r in await rows(deps, AuditRound)] == ["2026-12"]
    before_january = dt.datetime(2026, 12, 29, 10, tzinfo=dt.UTC)  # 5 working days to 4 Jan
    assert await allocate_due(deps, before_january) == 1
    assert await allocate_due(deps, before_january) == 0
    assert [r.period for r in await rows(deps, AuditRound)] == ["2026-12", "2027-01"]


# Checklist


async def test_tick_updates_in_place_records_who_and_when_and_a_retry_changes_nothing(
    deps: Deps,
) -> None:
    view = (await allocate(deps))[0]
    worker = view.practitioner.staff_id
    reply = await send(deps, worker, "action", CHECKLIST_TICK, f"{view.id}:chronology")
    assert reply.update is not None and reply.message is None
    assert reply.update.checklist[0].done is True
    retry = Inbound("sandbox", f"{worker}-{CHECKLIST_TICK}-{view.id}:chronology-[]", worker,
                    "action", CHECKLIST_TICK, f"{view.id}:chronology")  # fmt: skip
    assert await handle_event(deps, router(deps), retry) is None
    [tick] = await rows(deps, ChecklistTick)
    assert (tick.item, tick.done, tick.by_id, tick.at) == (
        "chronology",
        True,
        view.practitioner.id,
        MONDAY,
    )
    [notified] = [
        m
        for m in await rows(deps, OutboxMessage)
        if m.idempotency_key == f"audit.notified:{view.id}"
    ]
    assert notified.revision == 1 and notified.payload["checklist"][0]["done"] is True


async def test_whole_checklist_submission_sets_exactly_what_is_ticked(deps: Deps) -> None:
    view = (await allocate(deps))[0]
    worker = view.practitioner.staff_id
    await send(deps, worker, "action", CHECKLIST_TICK, str(view.id), done="chronology,plan")
    await send(deps, worker, "action", CHECKLIST_TICK, str(view.id), done="plan,seen_alone")
    ticks = {t.item: t.done for t in await rows(deps, ChecklistTick)}
    assert ticks == {"chronology": False, "plan": True, "seen_alone": True}


async def test_only_the_practitioner_may_tick(deps: Deps) -> None:
    view = (await allocate(deps))[0]
    reply = await send(deps, view.auditor.staff_id, "action", CHECKLIST_TICK, f"{view.id}:plan")
    assert "Only" in problem(reply)
    assert await rows(deps, ChecklistTick) == []


# Audit record


def answers(**extra: str) -> dict[str, str]:
    return {"grade": "Good", "grade_reason": "Clear plan, child's voice recorded"} | extra


async def test_record_form_offers_the_grades_and_shows_the_checklist(deps: Deps) -> None:
    view = (await allocate(deps))[0]
    reply = await send(deps, view.auditor.staff_id, "action", OPEN_RECORD, str(view.id))
    assert reply.message is not None and reply.message.form is not None
    form = reply.message.form
    assert form.action == RECORD and form.value == str(view.id)
    assert [c.value for c in form.fields[0].choices] == PROGRAMME.grades
    assert reply.message.facts[0].value == f"0 / {len(ACTIVITY.checklist)}"


async def test_every_problem_is_named_beside_its_field_what_was_typed_kept_nothing_stored(
    deps: Deps,
) -> None:
    view = (await allocate(deps))[0]
    typed = {"grade": "Good", "strengths": "A warm, clear plan", "action_1": "Update the plan",
             "action_1_due": "31/02/2027", "action_2": "Book supervision",
             "action_2_owner": "Nobody Known", "action_2_due": "2027-02-12",
             "action_3": "Visit school", "action_3_due": "2026-01-04"}  # fmt: skip
    reply = await send(deps, view.auditor.staff_id, "form", RECORD, str(view.id), **typed)
    errors = form_problems(reply)
    assert set(errors) == {"grade_reason", "action_1_due", "action_2_owner", "action_3_due"}
    assert "'31/02/2027'" in errors["action_1_due"]
    assert "isn't anyone I know" in errors["action_2_owner"]
    assert "passed" in errors["action_3_due"]
    assert reply.message is not None and reply.message.form is not None
    assert reply.message.form.problem.startswith("Four things to put right")
    values = kept(reply)
    assert all(values[name] == value for name, value in typed.items())
    assert await rows(deps, AuditRecord) == [] and await rows(deps, Action) == []
    assert {a.status for a in await rows(deps, Allocation)} == {"allocated"}


async def test_the_action_owner_is_picked_from_people_by_name_role_and_team(deps: Deps) -> None:
    view = (await allocate(deps))[0]
    reply = await send(deps, view.auditor.staff_id, "action", OPEN_RECORD, str(view.id))
    assert reply.message is not None and reply.message.form is not None
    owner = next(f for f in reply.message.form.fields if f.id == "action_1_owner")
    assert owner.kind == "person" and owner.value == view.practitioner.staff_id
    labels = {c.value: c.label for c in owner.choices}
    assert labels[view.practitioner.staff_id].startswith(f"{view.practitioner.name} — ")
    assert labels[view.practitioner.staff_id].endswith("Team A")  # the worker's team


async def test_inadequate_actions_are_flagged_and_the_practitioner_owns_them_by_default(
    deps: Deps,
) -> None:
    view = (await allocate(deps))[0]
    form = answers(grade="Inadequate", action_1="Update the chronology",
                   action_1_due="2027-02-12", action_2="Supervision on drift",
                   action_2_owner=view.auditor.staff_id, action_2_due="12/02/2027")  # fmt: skip
    reply = await send(deps, view.auditor.staff_id, "form", RECORD, str(view.id), **form)
    assert reply.message is not None and reply.message.kind == "audit_recorded"
    actions = await rows(deps, Action)
    assert [(a.owner_id, a.flagged, a.due_on) for a in actions] == [
        (view.practitioner.id, True, dt.date(2027, 2, 12)),
        (view.auditor.id, True, dt.date(2027, 2, 12)),
    ]
    [allocation] = [a for a in await rows(deps, Allocation) if a.id == view.id]
    assert allocation.status == "recorded"
    keys = {m.idempotency_key: m for m in await rows(deps, OutboxMessage)}
    asked = keys[f"reflection.requested:{view.id}:{view.practitioner.staff_id}"]
    assert asked.payload["form"]["action"] == SAVE_REFLECTION
    [moderation] = await rows(deps, Moderation)
    assert moderation.moderator_id not in (view.auditor.id, view.practitioner.manager_id)


async def test_good_actions_are_not_flagged(deps: Deps) -> None:
    view = (await allocate(deps))[0]
    form = answers(action_1="Share the plan with school", action_1_due="2027-02-12")
    await send(deps, view.auditor.staff_id, "form", RECORD, str(view.id), **form)
    assert [a.flagged for a in await rows(deps, Action)] == [False]


async def add_namesakes(deps: Deps, *people: tuple[str, str, str]) -> None:
    """More staff (staff id, name, team), in no role the audit cycle allocates."""
    async with deps.sessions.begin() as session:
        teams = {t.name: t for t in await session.scalars(select(Team))}
        for staff_id, name, team in people:
            email = f"{staff_id.lower()}@council.example"
            session.add(Person(staff_id=staff_id, name=name, email=email, role="other",
                               team=teams[team]))  # fmt: skip


async def test_an_owner_whose_name_is_shared_is_asked_for_by_staff_id(deps: Deps) -> None:
    view = (await allocate(deps))[0]
    await add_namesakes(deps, ("S11", "Jo Bell", "Team B"), ("S10", "Jo Bell", "Team A"))
    form = answers(action_1="Update the chronology", action_1_due="2027-02-12")
    reply = await send(deps, view.auditor.staff_id, "form", RECORD, str(view.id),
                       **form, action_1_owner="jo bell")  # fmt: skip
    assert (
        "could be 2 people: Jo Bell (Team A), staff id S10; Jo Bell (Team B), staff id S11"
        in (form_problems(reply)["action_1_owner"])
    )
    assert await rows(deps, Action) == []
    by_team = await send(deps, view.auditor.staff_id, "form", RECORD, str(view.id),
                         **form, action_1_owner="Jo Bell (Team B)")  # fmt: skip
    assert by_team.message is not None and by_team.message.kind == "audit_recorded"
    assert [a.owner_id for a in await rows(deps, Action)] == [await person_id(deps, "S11")]


async def test_an_owner_may_be_given_by_staff_id_in_any_case(deps: Deps) -> None:
    view = (await allocate(deps))[0]
    await add_namesakes(deps, ("S10", "Jo Bell", "Team A"), ("S11", "Jo Bell", "Team B"))
    form = answers(action_1="Update the chronology", action_1_due="2027-02-12")
    reply = await send(deps, view.auditor.staff_id, "form", RECORD, str(view.id),
                       **form, action_1_owner="s10")  # fmt: skip
    assert reply.message is not None and reply.message.kind == "audit_recorded"
    assert [a.owner_id for a in await rows(deps, Action)] == [await person_id(deps, "S10")]


async def test_an_unknown_owner_is_told_to_check_the_name_or_give_a_staff_id(deps: Deps) -> None:
    view = (await allocate(deps))[0]
    form = answers(action_1="Update the chronology", action_1_due="2027-02-12")
    reply = await send(deps, view.auditor.staff_id, "form", RECORD, str(view.id),
                       **form, action_1_owner="Nobody Known")  # fmt: skip
    assert "isn't anyone I know" in form_problems(reply)["action_1_owner"]


async def test_people_sharing_a_name_are_told_apart_by_team_then_staff_id(deps: Deps) -> None:
    await add_namesakes(deps, ("S10", "Tom Okafor", "Team B"), ("S12", "Ann Other", "Team B"))
    async with deps.sessions() as session:
        found = await audit_people.people_by_staff_id(session, ["S05", "S10", "S09", "S12", "S06"])
    assert {k: p.name for k, p in found.items()} == {
        "S05": "Tom Okafor (Team A)",
        "S10": "Tom Okafor (Team B)",
        "S09": "Ann Other (Team B, S09)",
        "S12": "Ann Other (Team B, S12)",
        "S06": "Leah Brown",
    }
    views = await allocate(deps)
    [tom] = [v.practitioner for v in views if v.practitioner.staff_id == "S05"]
    assert tom.name == "Tom Okafor (Team A)"
    reply = await send(deps, views[0].auditor.staff_id, "action", OPEN_RECORD, str(views[0].id))
    assert reply.message is not None and reply.message.title.startswith("Record the audit")


async def person_id(deps: Deps, staff_id: str) -> int:
    async with deps.sessions() as session:
        found = await audit_people.person_by_staff_id(session, staff_id)
    assert found is not None
    return found.id


# Reflection


async def record(deps: Deps, view: AllocationView, grade: str = "Good") -> None:
    reply = await send(
        deps, view.auditor.staff_id, "form", RECORD, str(view.id), **answers(grade=grade)
    )
    assert reply.message is not None and reply.message.kind == "audit_recorded"


def reflection(text: str) -> dict[str, str]:
    return {p.id: f"{text} {p.id}" for p in ACTIVITY.reflection.prompts}


async def test_reflections_are_stored_and_editable_only_for_a_while(deps: Deps) -> None:
    view = (await allocate(deps))[0]
    await record(deps, view)
    worker = view.practitioner.staff_id
    reply = await send(deps, worker, "form", SAVE_REFLECTION, str(view.id), **reflection("first"))
    assert reply.message is not None and reply.message.kind == "reflection_saved"
    await send(deps, worker, "form", SAVE_REFLECTION, str(view.id), **reflection("second"))
    stored = await rows(deps, Reflection)
    assert len(stored) == len(ACTIVITY.reflection.prompts)
    assert all(r.answer.startswith("second") for r in stored)
    deps.clock.advance(dt.timedelta(days=ACTIVITY.reflection.editable_days, hours=1))  # type: ignore[attr-defined]
    late = await send(deps, worker, "form", SAVE_REFLECTION, str(view.id), **reflection("late"))
    assert "can be changed for" in problem(late)
    other = await send(deps, "S09", "form", SAVE_REFLECTION, str(view.id), **reflection("x"))
    assert "Only the people in this audit" in problem(other)


async def test_reflections_are_visible_to_the_people_involved_and_qa_reads_are_logged(
    deps: Deps,
) -> None:
    view = next(v for v in await allocate(deps) if v.practitioner.staff_id == "S05")
    await record(deps, view)
    await send(deps, "S05", "form", SAVE_REFLECTION, str(view.id), **reflection("mine"))
    async with deps.sessions() as session:
        found = [await audit_people.person_by_staff_id(session, s) for s, *_ in PEOPLE]
    people = {p.staff_id: p for p in found if p is not None}
    readers = {sid for sid, p in people.items() if can_read_reflections(p, view)}
    assert readers == {"S05", "S03", "S08", view.auditor.staff_id}
    async with deps.sessions.begin() as session:
        seen = await read_reflections(deps, session, "S08", view.id)
        assert len(seen) == len(ACTIVITY.reflection.prompts)
        await read_reflections(deps, session, "S05", view.id)
        with pytest.raises(Exception, match="only shared"):
            await read_reflections(deps, session, "S07", view.id)
    logged = await rows(deps, AuditLogEntry)
    [entry] = [e for e in logged if e.action == "reflections.read"]
    assert (entry.actor, entry.subject) == ("S08", f"allocation:{view.id}")
    async with deps.sessions() as session:
        mine = await reflections_for_supervision(deps, session, "S03", since=dt.date(2027, 1, 1))
    assert {r.person_staff_id for r in mine} == {"S05"}


# Moderation


def test_moderation_samples_every_outstanding_and_inadequate_and_a_share_of_the_rest() -> None:
    rule = ModerationRule(moderators=["qa_manager"], share_of_rest=0.2)
    assert all(is_sampled(rule, g, i) for g in ("Outstanding", "Inadequate") for i in range(200))
    share = sum(is_sampled(rule, "Good", i) for i in range(2000)) / 2000
    assert 0.17 < share < 0.23
    assert [is_sampled(rule, "Good", i) for i in range(50)] == [
        is_sampled(rule, "Good", i) for i in range(50)
    ]
    assert not any(
        is_sampled(rule.model_copy(update={"share_of_rest": 0}), "Good", i) for i in range(200)
    )


async def test_moderation_is_independent_spread_and_its_outcome_goes_to_the_auditor(
    deps: Deps,
) -> None:
    views = await allocate(deps)
    for view in views[:2]:
        await record(deps, view, grade="Outstanding")
    moderations = await rows(deps, Moderation)
    assert len({m.moderator_id for m in moderations}) == 2
    first, view = moderations[0], views[0]
    [asked] = [
        m
        for m in await rows(deps, OutboxMessage)
        if m.idempotency_key == f"moderation.requested:{first.id}"
    ]
    moderation_due = deps.calendar.add_working_days(MONDAY.date(), 10)
    assert asked.payload["meta"]["due"] == moderation_due.isoformat() != view.due_on.isoformat()
    async with deps.sessions() as session:
        moderator = (await audit_people.people_by_id(session, [first.moderator_id]))[
            first.moderator_id
        ]
    opened = await send(deps, moderator.staff_id, "action", OPEN_MODERATION, str(first.id))
    assert opened.message is not None and opened.message.form is not None
    wrong = await send(deps, moderator.staff_id, "form", RECORD_MODERATION, str(first.id),
                       agree="no", comments="Evidence points lower")  # fmt: skip
    assert set(form_problems(wrong)) == {"grade"}
    assert "grade you'd give" in form_problems(wrong)["grade"]
    assert kept(wrong)["comments"] == "Evidence points lower"
    done = await send(deps, moderator.staff_id, "form", RECORD_MODERATION, str(first.id),
                      agree="no", grade="Good", comments="Evidence points to Good")  # fmt: skip
    assert done.message is not None and done.message.kind == "moderation_saved"
    stored = (await rows(deps, Moderation))[0]
    assert (stored.agrees, stored.moderated_grade) == (False, "Good")
    told = [
        m
        for m in await rows(deps, OutboxMessage)
        if m.idempotency_key == f"moderation.recorded:{first.id}"
    ]
    assert told[0].recipient == f"person:{view.auditor.staff_id}"
    assert agreement_rate([True, False, True, True]) == 0.75 and agreement_rate([]) is None


async def test_a_line_manager_reads_the_teams_reflections_in_chat(deps: Deps) -> None:
    view = next(v for v in await allocate(deps) if v.practitioner.staff_id == "S05")
    await record(deps, view)
    await send(deps, "S05", "form", SAVE_REFLECTION, str(view.id), **reflection("mine"))
    supervision = Supervision(deps)
    chat = Router(supervision.routes(), fallback=supervision.reflections,
                  problem=lambda text: deps.wording.compose("user_error", {"problem": text}),
                  apology=lambda: deps.wording.compose("apology", {}))  # fmt: skip

    async def ask(staff_id: str) -> str:
        event = Inbound("sandbox", f"ask-{staff_id}", staff_id, "text", text="reflections")
        reply = await handle_event(deps, chat, event)
        assert reply is not None and reply.message is not None
        assert reply.message.kind == "supervision_reflections"
        return reply.message.text

    manager_view = await ask("S03")
    assert view.case_ref in manager_view and "Tom Okafor" in manager_view
    assert "What did you learn from this audit" in manager_view and "mine" in manager_view
    # with what the audit found, for supervision
    assert "Grade: Good." in manager_view
    assert "nobody in your team" in await ask("S04")


async def test_moderators_are_asked_up_to_their_roles_monthly_number_first(deps: Deps) -> None:
    activity = ACTIVITY.model_copy(
        update={
            "auditors": [
                AuditorRule(role="team_manager"),
                AuditorRule(role="head_of_service", cases=0, moderations=2),
            ],
            "moderation": ModerationRule(moderators=["head_of_service", "qa_manager"]),
        }
    )
    view = (await allocate(deps))[0]
    month = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    today = MONDAY.date()
    async with deps.sessions.begin() as session:
        first = await pick_moderator(session, activity, view, today, month)
        assert first is not None and first.staff_id == "S01"
        session.add(AuditRecord(allocation_id=view.id, grade="Good", grade_reason="r",
                                recorded_by_id=view.auditor.id, recorded_at=MONDAY))  # fmt: skip
        await session.flush()
        record_id = (await session.scalars(select(AuditRecord.id))).one()
        for _ in range(2):
            session.add(Moderation(audit_record_id=record_id, moderator_id=first.id,
                                   requested_at=MONDAY, completed_at=MONDAY))  # fmt: skip
        await session.flush()
        then = await pick_moderator(session, activity, view, today, month)
        assert then is not None and then.staff_id == "S08"
        next_month = await pick_moderator(session, activity, view, today, MONDAY.replace(month=2))
        assert next_month is not None and next_month.staff_id == "S01"


def test_quarterly_moderation_covers_every_month_and_is_due_after_the_quarter() -> None:
    """Durham §4.3: moderation is quarterly; it covers audits from every month of the quarter."""
    quarterly = ModerationRule(moderators=["head_of_service"], every_months=3,
                               due_working_days=15)  # fmt: skip
    assert all(is_moderation_period(quarterly, f"2027-{m:02d}") for m in range(1, 13))
    calendar = Calendar.from_programme(PROGRAMME)
    for asked in (dt.date(2027, 1, 6), dt.date(2027, 2, 15), dt.date(2027, 3, 31)):
        at = dt.datetime.combine(asked, dt.time(10), tzinfo=dt.UTC)
        assert moderation_due(calendar, quarterly, at) == calendar.add_working_days(
            dt.date(2027, 3, 31), 15
        )
    december = dt.datetime(2027, 11, 2, 10, tzinfo=dt.UTC)
    assert block_end(quarterly, december.date()) == dt.date(2027, 12, 31)
    monthly = ModerationRule(moderators=["head_of_service"])
    assert moderation_due(calendar, monthly, december) == calendar.add_working_days(
        december.date(), 10
    )


async def test_someone_joining_an_audit_is_told_which_and_when(deps: Deps) -> None:
    psw = PersonRecord("S10", "Jo Park", "s10@council.example", "principal_social_worker",
                       "QA", "Children", "S01")  # fmt: skip
    async with deps.sessions.begin() as session:
        await apply_roster(session, Roster((psw,), ()), now=MONDAY, actor="test")
    activity = ACTIVITY.model_copy(update={"joins_one_audit": ["principal_social_worker"]})
    async with deps.sessions.begin() as session:
        result = await run_allocation(deps, session, activity, 2027, 1)
    assert result.plan is not None and len(result.plan.joins) == 1
    [note] = [m for m in await rows(deps, OutboxMessage) if m.message_type == "audit_joined"]
    assert note.recipient == "person:S10"
    assert note.payload["meta"]["case_ref"] == result.plan.joins[0].case_ref
    assert len(await rows(deps, Allocation)) == 3


async def test_each_services_lead_auditor_hears_who_audits_how_many(deps: Deps) -> None:
    activity = ACTIVITY.model_copy(update={"lead_auditor_role": "service_manager"})
    async with deps.sessions.begin() as session:
        result = await run_allocation(deps, session, activity, 2027, 1)
    assert result.plan is not None and result.plan.leads == {"Children": "S02"}
    [note] = [m for m in await rows(deps, OutboxMessage) if m.message_type == "audit_lead"]
    assert note.recipient == "person:S02"
    text = note.payload["text"]
    assert "Children" in text
    assert not any(case_ref in text for case_ref, _, _ in CASES)
    auditors = {p.auditor_id for p in result.plan.pairs}
    names = {name for sid, name, *_ in PEOPLE if sid in auditors}
    assert all(name in text for name in names)


async def test_a_recorded_audit_settles_its_earlier_messages_in_place(deps: Deps) -> None:
    """Cards that know they are done: the auditor's allocation and the worker's checklist
    lose their buttons and checklist and say what happened and when."""
    view = (await allocate(deps))[0]
    async with deps.sessions.begin() as session:  # what was queued has gone out
        await session.execute(
            update(OutboxMessage).values(status="sent", platform_message_id="m", sent_at=MONDAY)
        )
    reply = await send(deps, view.auditor.staff_id, "form", RECORD, str(view.id), **answers())
    assert reply.message is not None and reply.message.kind == "audit_recorded"
    stored = {m.idempotency_key: m for m in await rows(deps, OutboxMessage)}
    for key in (f"audit.allocated:{view.id}", f"audit.notified:{view.id}"):
        row = stored[key]
        assert not row.payload.get("buttons") and not row.payload.get("checklist"), key
        assert row.payload["footer"] == "✓ Audit recorded (Good) on Monday 4 January at 10:00."
        assert row.status == "pending" and row.platform_message_id == "m"  # an update in place
    untouched = [m for k, m in stored.items() if k.startswith("audit.allocated:")
                 and k != f"audit.allocated:{view.id}"]  # fmt: skip
    assert untouched and all("✓" not in m.payload.get("footer", "") for m in untouched)
