"""The programme's `track_grades` in the QA team's My QA, through the real router on SQLite and
PostgreSQL: with Shropshire's tracking of Inadequate actions, an audit from an earlier month
stays in view while its action is open and drops off once the action is closed; a programme
that tracks no grade shows only the month's Inadequate audits; one that tracks more grades
shows those too, each with its grade."""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy import select

from handlers.capabilities import build_router
from handlers.case_audit.cycle import ACTION_CONFIRM, ACTION_DONE, RECORD
from handlers.core.calendar import Calendar
from handlers.core.deps import Deps
from handlers.core.inbound import handle_event
from handlers.core.router import Inbound
from handlers.programme.schema import ActionActivity, CaseAudit, Programme, load_programme
from message_templates.model import Message
from message_templates.wording import Wording
from scheduler.clock import VirtualClock
from storage import Sessions
from storage.case_audit import audits
from storage.models import Action, AuditRound
from storage.people import CaseRecord, PersonRecord, Roster, apply_roster

SHROPSHIRE = load_programme("shropshire")
AUDIT: CaseAudit = SHROPSHIRE.of_kind(CaseAudit)[0]
DECEMBER = dt.datetime(2026, 12, 14, 10, 0, tzinfo=dt.UTC)
JANUARY = dt.datetime(2027, 1, 11, 10, 0, tzinfo=dt.UTC)
PEOPLE = [  # staff id, name, role, team, line manager
    ("S01", "Helen Clarke", "head_of_service", "Leadership", None),
    ("S03", "Dana Hughes", "team_manager", "Team A", "S01"),
    ("S04", "Marcus Reid", "team_manager", "Team B", "S01"),
    ("S05", "Tom Okafor", "practitioner", "Team A", "S03"),
    ("S07", "Priya Shah", "practitioner", "Team B", "S04"),
    ("S08", "Ruth Adeyemi", "qa_manager", "QA", "S01"),
]
# December's round: Marcus audits Tom's case, Dana Priya's
PAIRS = [("S04", "S05", "C-000101"), ("S03", "S07", "C-000103")]
EVENTS = itertools.count()


def tracking(grades: list[str]) -> Programme:
    """Shropshire with its action activity's `track_grades` set to `grades`."""
    activities = [
        a.model_copy(update={"track_grades": grades}) if isinstance(a, ActionActivity) else a
        for a in SHROPSHIRE.activities
    ]
    return SHROPSHIRE.model_copy(update={"activities": activities})


async def council(sessions: Sessions, programme: Programme) -> Deps:
    people = tuple(
        PersonRecord(sid, name, f"{sid.lower()}@council.example", role, team, "Children", boss)
        for sid, name, role, team, boss in PEOPLE
    )
    cases = tuple(CaseRecord(ref, worker, "CIN", dt.date(2026, 9, 1)) for _, worker, ref in PAIRS)
    due = dt.date(2026, 12, 23)
    async with sessions.begin() as session:
        await apply_roster(session, Roster(people, cases), now=DECEMBER, actor="test")
        new = AuditRound(activity=AUDIT.id, period="2026-12", window_start=DECEMBER.date(),
                         window_end=due, seed=1, created_at=DECEMBER)  # fmt: skip
        assert await audits.create_round(session, new)
        rows = [audits.NewAllocation(a, w, ref, "test") for a, w, ref in PAIRS]
        await audits.add_allocations(session, new.id, rows, due_on=due, now=DECEMBER)
    return Deps(sessions=sessions, wording=Wording(), clock=VirtualClock(DECEMBER),
                programme=programme, calendar=Calendar.from_programme(programme))  # fmt: skip


async def send(deps: Deps, staff_id: str, kind: str, name: str = "", value: str = "",
               text: str = "", **fields: str) -> Message:  # fmt: skip
    inbound = Inbound("sandbox", f"e{next(EVENTS)}", staff_id, kind, name, value, text,  # type: ignore[arg-type]
                      fields=tuple(fields.items()))  # fmt: skip
    reply = await handle_event(deps, build_router(deps), inbound)
    assert reply is not None and reply.message is not None
    return reply.message


async def record(deps: Deps, auditor: str, grade: str, action: str) -> None:
    """The auditor records December's audit with one action for the worker, due in January."""
    async with deps.sessions() as session:
        [view] = [v for v in await audits.allocations(session) if v.auditor.staff_id == auditor]
    reply = await send(deps, auditor, "form", RECORD, str(view.id), grade=grade,
                       grade_reason="What the file shows", action_1=action,
                       action_1_due="2027-01-26")  # fmt: skip
    assert reply.kind == "audit_recorded", reply.text


async def qa_view(deps: Deps) -> list[str]:
    """The lines of the QA manager's My QA under the graded audits' heading."""
    message = await send(deps, "S08", "text", text="my qa")
    assert message.kind == "my_qa"
    lines = message.text.splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith("**Graded Inadequate**"))
    end = next(n for n in range(start + 2, len(lines)) if not lines[n].startswith("- "))
    return lines[start:end]


async def action_id(deps: Deps, description: str) -> str:
    async with deps.sessions() as session:
        found = await session.scalar(select(Action.id).where(Action.description == description))
    assert found is not None
    return str(found)


async def test_shropshire_keeps_an_inadequate_audit_in_view_until_its_action_is_closed(
    sessions: Sessions,
) -> None:
    deps = await council(sessions, SHROPSHIRE)
    await record(deps, "S04", "Inadequate", "Update the chronology")
    deps.clock.set(JANUARY)  # type: ignore[attr-defined]
    assert await qa_view(deps) == [
        "**Graded Inadequate** (this month, and earlier ones until their actions are closed):",
        "",
        "- **C-000101** (Children), audited by Marcus Reid on Monday 14 December 2026: "
        "Update the chronology (Tom Okafor, by Tuesday 26 January).",
    ]
    # Tom says what was done; still open until Dana, his line manager, confirms it
    action = await action_id(deps, "Update the chronology")
    done = await send(deps, "S05", "form", ACTION_DONE, action, evidence="Chronology updated")
    assert done.kind == "action_done"
    assert "C-000101" in "\n".join(await qa_view(deps))
    confirmed = await send(deps, "S03", "action", ACTION_CONFIRM, action)
    assert confirmed.kind == "action_confirmed"
    assert await qa_view(deps) == [
        "**Graded Inadequate** (this month, and earlier ones until their actions are closed):",
        "",
        "- None.",
    ]


async def test_a_programme_tracking_no_grade_shows_only_the_months_inadequate_audits(
    sessions: Sessions,
) -> None:
    deps = await council(sessions, tracking([]))
    await record(deps, "S04", "Inadequate", "Update the chronology")
    assert await qa_view(deps) == [
        "**Graded Inadequate** this month:",
        "",
        "- **C-000101** (Children), audited by Marcus Reid on Monday 14 December: "
        "Update the chronology (Tom Okafor, by Tuesday 26 January 2027).",
    ]
    deps.clock.set(JANUARY)  # type: ignore[attr-defined]
    assert await qa_view(deps) == ["**Graded Inadequate** this month:", "", "- None."]


async def test_every_tracked_grade_is_followed_with_its_grade_shown(sessions: Sessions) -> None:
    deps = await council(sessions, tracking(["Good", "Inadequate"]))
    await record(deps, "S04", "Inadequate", "Update the chronology")
    await record(deps, "S03", "Good", "Share the plan with the family")
    deps.clock.set(JANUARY)  # type: ignore[attr-defined]
    assert await qa_view(deps) == [
        "**Graded Inadequate** this month, and audits graded Good, Inadequate until their "
        "actions are closed:",
        "",
        "- **C-000103** (Children, Good), audited by Dana Hughes on Monday 14 December 2026: "
        "Share the plan with the family (Priya Shah, by Tuesday 26 January).",
        "- **C-000101** (Children, Inadequate), audited by Marcus Reid on Monday 14 December 2026: "
        "Update the chronology (Tom Okafor, by Tuesday 26 January).",
    ]
