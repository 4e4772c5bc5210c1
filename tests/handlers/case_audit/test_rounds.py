"""Running rounds against the database: one case a month, coverage by audits done."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import select, update

from handlers.capabilities import build_router, reminder_sources
from handlers.case_audit.allocation.late import ROUND_ALLOCATE_LATE, ROUND_SKIP, allocate_due
from handlers.case_audit.allocation.rounds import make_plan, run_allocation
from handlers.case_audit.ids import STALLED_DECIDE, STALLED_OPEN
from handlers.case_audit.moderation import request_moderation
from handlers.core.calendar import Calendar
from handlers.core.deps import Deps
from handlers.core.inbound import handle_event
from handlers.core.router import Inbound, Reply
from handlers.programme.schema import (
    AuditorRule,
    CaseAudit,
    Programme,
    Theme,
    ThemedRound,
    load_programme,
)
from handlers.reminders.snooze import Reminders
from message_templates.markup import to_plain
from message_templates.wording import Wording
from scheduler.clock import VirtualClock
from storage import Sessions
from storage.case_audit import audits
from storage.case_audit.audits import AllocationView
from storage.case_audit.records import RecordRef
from storage.models import (
    Allocation,
    AuditRecord,
    AuditRound,
    Moderation,
    OutboxMessage,
    Person,
)
from storage.people import CaseRecord, PersonRecord, Roster, apply_roster

NOW = dt.datetime(2027, 1, 4, 10, 0, tzinfo=dt.UTC)
BASE = load_programme("default")
AUDIT: CaseAudit = BASE.of_kind(CaseAudit)[0]
# two team managers from two lines, four workers with two cases each
PEOPLE = [
    ("S01", "team_manager", "Team A", None),
    ("S02", "team_manager", "Team B", None),
    ("S03", "practitioner", "Team A", "S01"),
    ("S04", "practitioner", "Team A", "S01"),
    ("S05", "practitioner", "Team B", "S02"),
    ("S06", "practitioner", "Team B", "S02"),
    ("S07", "qa_manager", "QA", None),
]
CASES = [(f"C-{n}{worker}", worker) for n in (1, 2) for worker in ("S03", "S04", "S05", "S06")]
TAGGED = {"C-1S03": ("domestic violence",)}
CASE_REF = re.compile(r"C-\d[A-Z]\d\d")


def activity(**fields: Any) -> CaseAudit:
    auditors = [AuditorRule(role="team_manager", cases=2)]
    return AUDIT.model_copy(update={"auditors": auditors, **fields})


def programme(*activities: CaseAudit) -> Programme:
    others = [a for a in BASE.activities if not isinstance(a, CaseAudit)]
    return BASE.model_copy(update={"activities": [*activities, *others]})


@pytest.fixture
async def sessions(sqlite_sessions: Sessions) -> Sessions:
    people = tuple(
        PersonRecord(sid, f"Person {sid}", f"{sid.lower()}@council.example", role, team,
                     "Children", boss)
        for sid, role, team, boss in PEOPLE
    )  # fmt: skip
    cases = tuple(
        CaseRecord(ref, worker, "CIN", dt.date(2026, 9, 1), TAGGED.get(ref, ()))
        for ref, worker in CASES
    )
    async with sqlite_sessions.begin() as session:
        await apply_roster(session, Roster(people, cases), now=NOW, actor="test")
    return sqlite_sessions


def deps_for(sessions: Sessions, program: Programme, now: dt.datetime = NOW) -> Deps:
    return Deps(
        sessions=sessions,
        wording=Wording(),
        clock=VirtualClock(now),
        programme=program,
        calendar=Calendar.from_programme(program),
    )


async def test_a_case_is_never_in_two_rounds_of_the_same_month(sessions: Sessions) -> None:
    first, second = activity(id="monthly"), activity(id="themed_look", title="Themed look")
    deps = deps_for(sessions, programme(first, second))
    async with sessions.begin() as session:
        one = await run_allocation(deps, session, first, 2027, 1)
        two = await run_allocation(deps, session, second, 2027, 1)
    assert one.plan is not None and two.plan is not None
    taken = {p.case_ref for p in one.plan.pairs}
    assert taken and not taken & {p.case_ref for p in two.plan.pairs}
    # the next month, the cases are free again for either round
    async with sessions() as session:
        plan = await make_plan(deps, session, second, 2027, 2)
    assert taken & {p.case_ref for p in plan.pairs}


async def test_coverage_counts_audits_recorded_not_audits_allocated(sessions: Sessions) -> None:
    audit = activity(coverage_months=1)
    deps = deps_for(sessions, programme(audit))
    async with sessions.begin() as session:
        january = await run_allocation(deps, session, audit, 2027, 1)
    assert january.plan is not None and len(january.plan.pairs) == 4
    recorded = {"S03", "S05"}
    async with sessions.begin() as session:
        views = await audits.allocations(session, round_id=january.round_id)
        done = [v.id for v in views if v.practitioner.staff_id in recorded]
        await session.execute(
            update(Allocation).where(Allocation.id.in_(done)).values(status="recorded")
        )
    later = deps_for(sessions, programme(audit), dt.datetime(2027, 2, 1, 10, tzinfo=dt.UTC))
    async with sessions() as session:
        plan = await make_plan(later, session, audit, 2027, 2)
    assert len(plan.pairs) == 4
    due = {p.practitioner_id for p in plan.pairs if "(due: every 1 month)" in p.reason}
    assert due == {"S04", "S06"}, [p.reason for p in plan.pairs]


async def theme_warnings_on(deps: Deps, day: dt.date) -> list[dict[str, Any]]:
    """The QA manager's digest items about themed rounds, from that day's sweep."""
    await Reminders(deps, reminder_sources()).sweep(
        dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC)
    )
    async with deps.sessions() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.recipient == "person:S07")
        )
        items = [(row, item) for row in rows for item in row.payload["meta"]["items"]]
    return [
        {"day": row.idempotency_key, "text": to_plain(row.payload["text"]), **item["meta"]}
        for row, item in items
        if item["meta"].get("type") == "allocation.theme_needed"
    ]


@pytest.mark.parametrize(
    ("themed", "words"),
    [
        ({"themed_months": [3]}, "no theme is named for it yet"),
        (
            {"themed_rounds": [ThemedRound(month=3, theme="neglect")]},
            "no open case is in its theme",
        ),
    ],
)
async def test_the_qa_team_is_told_ahead_when_a_themed_round_cannot_run(
    sessions: Sessions, themed: dict[str, Any], words: str
) -> None:
    """March's window opens on the 1st: it is allocated five working days before (22 February),
    and the QA team hears three working days before that, in their digest."""
    audit = activity(**themed)
    deps = deps_for(sessions, programme(audit))
    assert await theme_warnings_on(deps, dt.date(2027, 2, 16)) == []
    found = await theme_warnings_on(deps, dt.date(2027, 2, 17))
    assert [(w["activity"], w["period"]) for w in found] == [("case_audit", "2027-03")]
    assert words in found[0]["text"]
    assert "qabot allocate --period 2027-03 --activity case_audit --theme" in found[0]["text"]
    assert len(await theme_warnings_on(deps, dt.date(2027, 2, 18))) == 1  # no new one


async def test_a_themed_round_with_a_group_to_audit_warns_no_one(sessions: Sessions) -> None:
    synonyms = Theme(name="domestic abuse", tags=["domestic abuse", "domestic violence"])
    audit = activity(
        themes=[synonyms], themed_rounds=[ThemedRound(month=3, theme="Domestic abuse")]
    )
    deps = deps_for(sessions, programme(audit))
    assert await theme_warnings_on(deps, dt.date(2027, 2, 17)) == []
    async with sessions.begin() as session:
        made = await run_allocation(deps, session, audit, 2027, 3)
    assert made.plan is not None
    assert [p.case_ref for p in made.plan.pairs] == ["C-1S03"]
    # the auditor's and the worker's messages name the theme
    async with sessions() as session:
        rows = list(await session.scalars(select(OutboxMessage)))
    told = {row.message_type: to_plain(row.payload["text"]) for row in rows}
    for kind in ("audit_allocated", "audit_notified"):
        assert "This round is themed: domestic abuse." in told[kind]


async def test_camden_moderation_quotas_are_met_and_every_outlier_still_moderated(
    sqlite_sessions: Sessions,
) -> None:
    """§5.2.2: operational heads of service "complete four moderations a month" and the head of
    QA one; those numbers are met from audits beyond the sample (here the sample is only every
    Outstanding and Inadequate), and an Outstanding or Inadequate is moderated even once every
    number is reached."""
    camden = load_programme("camden")
    (base,) = camden.of_kind(CaseAudit)
    assert base.moderation is not None
    heads = [r for r in base.auditors if r.role == "head_of_service"]
    audit = base.model_copy(update={
        "auditors": [AuditorRule(role="team_manager", cases=5), *heads],
        "moderation": base.moderation.model_copy(update={"share_of_rest": 0.0}),
    })  # fmt: skip
    program = camden.model_copy(update={"activities": [audit]})
    people = [("H1", "head_of_service", "Lead", "Children", None),
              ("H2", "head_of_service", "Lead", "Children", None),
              ("H3", "head_of_service", "Lead", "Children", None),
              ("HQ", "head_of_service", "QA Lead", "Quality Assurance", None)]  # fmt: skip
    people += [(f"T{t}", "team_manager", f"Team {t}", "Children", None) for t in range(4)]
    people += [(f"P{n:02d}", "practitioner", f"Team {n % 4}", "Children", f"T{n % 4}")
               for n in range(18)]  # fmt: skip
    roster = Roster(
        tuple(PersonRecord(sid, f"Person {sid}", f"{sid.lower()}@council.example", role, team,
                           service, boss) for sid, role, team, service, boss in people),
        tuple(CaseRecord(f"C-{n:02d}", f"P{n:02d}", "CIN", dt.date(2026, 9, 1))
              for n in range(18)),
    )  # fmt: skip
    async with sqlite_sessions.begin() as session:
        await apply_roster(session, roster, now=NOW, actor="test")
    deps = deps_for(sqlite_sessions, program)
    async with sqlite_sessions.begin() as session:
        made = await run_allocation(deps, session, audit, 2027, 1)
        views = await audits.allocations(session, round_id=made.round_id)
    assert len(views) == 18
    grades = ["Good"] * 16 + ["Inadequate", "Outstanding"]
    asked: dict[str, str | None] = {}
    for view, grade in zip(views, grades, strict=True):
        async with sqlite_sessions.begin() as session:
            record = AuditRecord(allocation_id=view.id, grade=grade, grade_reason="-",
                                 recorded_by_id=view.auditor.id, recorded_at=NOW)  # fmt: skip
            session.add(record)
            await session.flush()
            ref = RecordRef(record.id, view.id, grade)
            found = await request_moderation(deps, session, view, audit, ref, NOW)
            moderator = await session.get(Moderation, found) if found else None
            owner = await session.get(Person, moderator.moderator_id) if moderator else None
            asked[f"{view.case_ref}:{grade}"] = owner.staff_id if owner else None
    counts = Counter(who for who in asked.values() if who is not None)
    # 4 + 4 + 4 + 1 from the first thirteen Good audits, then only the two outliers
    assert sum(counts.values()) == 15
    assert all(counts[h] >= 4 for h in ("H1", "H2", "H3")) and counts["HQ"] >= 1
    goods = [who for key, who in asked.items() if key.endswith(":Good")]
    assert goods[:13].count(None) == 0 and goods[13:] == [None, None, None]
    assert None not in [who for key, who in asked.items() if not key.endswith(":Good")]


async def press(deps: Deps, staff_id: str, name: str, value: str) -> Reply:
    event = Inbound(platform="sandbox", event_id=f"{staff_id}-{name}-{value}",
                    staff_id=staff_id, kind="action", name=name, value=value)  # fmt: skip
    reply = await handle_event(deps, build_router(deps), event)
    assert reply is not None
    return reply


async def test_a_round_that_would_start_too_late_is_asked_about_not_allocated(
    sessions: Sessions,
) -> None:
    """qabot started on Wednesday 24 November: November's window ends on Friday the 26th, so
    the QA team is asked; December's round, whose notice starts that day, runs as usual."""
    deps = deps_for(sessions, programme(activity()), dt.datetime(2027, 11, 24, 8, tzinfo=dt.UTC))
    assert await allocate_due(deps, deps.clock.now()) == 1
    assert await allocate_due(deps, deps.clock.now()) == 0
    async with sessions() as session:
        rounds = {r.period for r in await session.scalars(select(AuditRound))}
        asked = list(await session.scalars(select(OutboxMessage).where(
            OutboxMessage.message_type == "late_round")))  # fmt: skip
    assert rounds == {"2027-12"}
    assert [(m.recipient, m.idempotency_key) for m in asked] == [
        ("channel:qa-team", "round.late:case_audit:2027-11")
    ]
    text = to_plain(asked[0].payload["text"])
    assert "window ends Friday 26 November, 2 working days from now" in text
    assert not CASE_REF.search(json.dumps(asked[0].payload))
    value = "case_audit:2027-11"
    refused = await press(deps, "S03", ROUND_ALLOCATE_LATE, value)
    assert refused.message is not None and refused.message.kind == "user_error"
    answered = await press(deps, "S07", ROUND_ALLOCATE_LATE, value)
    assert answered.message is not None and "due Wednesday 8 December" in to_plain(
        answered.message.text
    )
    async with sessions() as session:
        made = await audits.find_round(session, "case_audit", "2027-11")
        assert made is not None
        views = await audits.allocations(session, round_id=made.id)
    assert views and {v.due_on for v in views} == {dt.date(2027, 12, 8)}
    again = await press(deps, "S07", ROUND_SKIP, value)
    assert again.message is not None and "already decided" in to_plain(again.message.text)


async def test_a_late_round_skipped_is_never_asked_about_again(sessions: Sessions) -> None:
    deps = deps_for(sessions, programme(activity()), dt.datetime(2027, 11, 24, 8, tzinfo=dt.UTC))
    await allocate_due(deps, deps.clock.now())
    skipped = await press(deps, "S07", ROUND_SKIP, "case_audit:2027-11")
    assert skipped.message is not None and "is skipped" in to_plain(skipped.message.text)
    async with sessions() as session:
        made = await audits.find_round(session, "case_audit", "2027-11")
        assert made is not None and await audits.count_allocations(session, made.id) == 0
    later = deps_for(sessions, programme(activity()), dt.datetime(2027, 11, 25, 8, tzinfo=dt.UTC))
    assert await allocate_due(later, later.clock.now()) == 0


async def test_an_audit_unrecorded_after_its_escalation_goes_to_the_qa_team_to_decide(
    sessions: Sessions,
) -> None:
    """Due 28 January, escalated five working days on; ten working days on (11 February) the QA
    team hears, once, and reassigns one, closes one with a reason, and gives one more time."""
    audit = activity()
    deps = deps_for(sessions, programme(audit))
    async with sessions.begin() as session:
        made = await run_allocation(deps, session, audit, 2027, 1)
        views = await audits.allocations(session, round_id=made.round_id)
    assert len(views) == 4 and {v.due_on for v in views} == {dt.date(2027, 1, 28)}

    async def stalled_items(day: dt.date) -> list[dict[str, Any]]:
        await Reminders(deps, reminder_sources()).sweep(
            dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC)
        )
        async with sessions() as session:
            rows = await session.scalars(select(OutboxMessage).where(
                OutboxMessage.recipient == "person:S07",
                OutboxMessage.idempotency_key == f"reminders:S07:{day.isoformat()}"))  # fmt: skip
            return [i["meta"] for row in rows for i in row.payload["meta"]["items"]
                    if i["meta"].get("type") == "audit.stalled"]  # fmt: skip

    assert await stalled_items(dt.date(2027, 2, 10)) == []
    offered = await stalled_items(dt.date(2027, 2, 11))
    assert sorted(m["allocation_id"] for m in offered) == sorted(v.id for v in views)
    assert await stalled_items(dt.date(2027, 2, 12)) == []  # once per due date

    assert isinstance(deps.clock, VirtualClock)
    deps.clock.set(dt.datetime(2027, 2, 11, 10, tzinfo=dt.UTC))
    by_worker = {v.practitioner.staff_id: v for v in views}
    moved, closed, extended = by_worker["S03"], by_worker["S05"], by_worker["S06"]
    refused = await press(deps, "S03", STALLED_OPEN, str(moved.id))
    assert refused.message is not None and refused.message.kind == "user_error"
    form = await press(deps, "S07", STALLED_OPEN, str(moved.id))
    assert form.message is not None and form.message.form is not None

    async def decide(view: AllocationView, **fields: str) -> Reply:
        event = Inbound(platform="sandbox", event_id=f"decide-{view.id}-{sorted(fields.items())}",
                        staff_id="S07", kind="form", name=STALLED_DECIDE, value=str(view.id),
                        fields=tuple(fields.items()))  # fmt: skip
        reply = await handle_event(deps, build_router(deps), event)
        assert reply is not None and reply.message is not None
        return reply

    # S01 manages S03: not independent; nothing changes and what was typed is kept
    again = await decide(moved, decision="reassign", auditor="S01")
    assert again.message is not None and again.message.form is not None
    assert "can't audit this worker's case" in to_plain(again.message.text)
    assert [f.value for f in again.message.form.fields][:2] == ["reassign", "S01"]
    done = await decide(moved, decision="reassign", auditor="S07")  # the QA manager takes it
    assert done.message is not None and "now audits" in to_plain(done.message.text)
    blank = await decide(closed, decision="close", reason="  ")
    assert blank.message is not None and "Please say why" in to_plain(blank.message.text)
    await decide(closed, decision="close", reason="The case closed before the audit")
    await decide(extended, decision="extend")
    async with sessions() as session:
        after = {v.id: v for v in await audits.allocations(session, round_id=made.round_id)}
        sent = list(await session.scalars(select(OutboxMessage).where(
            OutboxMessage.idempotency_key == f"audit.allocated:{moved.id}:S07")))  # fmt: skip
    new_due = dt.date(2027, 2, 25)  # ten working days from 11 February
    assert after[moved.id].auditor.staff_id == "S07" and after[moved.id].due_on == new_due
    assert after[closed.id].status == "closed"
    assert after[extended.id].due_on == new_due and after[extended.id].status == "allocated"
    assert len(sent) == 1 and sent[0].recipient == "person:S07"
    async with sessions() as session:  # S07 had not met qabot: the hello comes first, with it
        hello = await session.scalar(select(OutboxMessage).where(
            OutboxMessage.idempotency_key == "welcome:S07"))  # fmt: skip
    assert hello is not None and hello.message_type == "welcome" and hello.id < sent[0].id
    assert hello.next_attempt_at == sent[0].next_attempt_at
