"""Naming a themed round's theme ahead, in chat, on SQLite and PostgreSQL: `theme 2027-03 …` from
the QA team is kept, stops the "no theme" warning, and the scheduler's own allocation of the
round audits it; anyone else, an unknown theme, a month that is not themed or a round already
made gets a clear line and nothing is kept.

The default programme's case audit, with March a themed month (themed_months) and one theme
defined with its synonyms. March's window opens on Monday 1 March 2027: the scheduler allocates
it five working days before (Monday 22 February), and the QA team hears on 17 February.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from chat import say
from sqlalchemy import select

from handlers.capabilities import reminder_sources
from handlers.case_audit.allocation.late import allocate_due
from handlers.case_audit.allocation.rounds import make_plan
from handlers.core.calendar import Calendar
from handlers.core.deps import Deps
from handlers.programme.schema import AuditorRule, CaseAudit, Programme, Theme, load_programme
from handlers.reminders.snooze import Reminders
from message_templates.markup import to_plain
from message_templates.wording import Wording
from scheduler.clock import VirtualClock
from storage import Sessions
from storage.case_audit import audits
from storage.case_audit import themes as named_themes
from storage.models import AuditLogEntry, AuditRound, NamedTheme, OutboxMessage
from storage.people import CaseRecord, PersonRecord, Roster, apply_roster

NOW = dt.datetime(2027, 2, 1, 10, 0, tzinfo=dt.UTC)  # Monday 1 February 2027
BASE = load_programme("default")
DOMESTIC_ABUSE = Theme(name="domestic abuse", tags=["domestic abuse", "domestic violence", "dv"])
PEOPLE = [
    ("Q01", "Quinn Reed", "qa_manager", "QA", None),
    ("M01", "Dana Hughes", "team_manager", "Team A", None),
    ("M02", "Sam Patel", "team_manager", "Team B", None),
    ("P01", "Tom Okafor", "practitioner", "Team A", "M01"),
    ("P02", "Priya Shah", "practitioner", "Team A", "M01"),
    ("P03", "Leah Moss", "practitioner", "Team B", "M02"),
    ("P04", "Ann Other", "practitioner", "Team B", "M02"),
]
CASES = [
    ("C-000101", "P01", ("domestic violence",)),
    ("C-000102", "P02", ()),
    ("C-000103", "P03", ("neglect",)),
    ("C-000104", "P04", ()),
]
NOT_PERMITTED = (
    "Sorry, only a QA manager or QA officer can name the theme of a themed round. "
    "Please ask one of them, and they can do it for you."
)


def programme(**fields: Any) -> Programme:
    (audit,) = BASE.of_kind(CaseAudit)
    themed = audit.model_copy(update={
        "auditors": [AuditorRule(role="team_manager", cases=2)],
        "themed_months": [3], "themes": [DOMESTIC_ABUSE], **fields,
    })  # fmt: skip
    others = [a for a in BASE.activities if not isinstance(a, CaseAudit)]
    return BASE.model_copy(update={"activities": [themed, *others]})


@pytest.fixture
async def deps(sessions: Sessions) -> Deps:
    people = tuple(
        PersonRecord(sid, name, f"{sid.lower()}@council.example", role, team, "Children", boss)
        for sid, name, role, team, boss in PEOPLE
    )
    cases = tuple(CaseRecord(ref, w, "CIN", dt.date(2026, 9, 1), tags) for ref, w, tags in CASES)
    async with sessions.begin() as session:
        await apply_roster(session, Roster(people, cases), now=NOW, actor="test")
    program = programme()
    return Deps(sessions=sessions, wording=Wording(), clock=VirtualClock(NOW), programme=program,
                calendar=Calendar.from_programme(program))  # fmt: skip


async def kept(deps: Deps) -> list[tuple[str, str, str]]:
    async with deps.sessions() as session:
        rows = await session.scalars(select(NamedTheme).order_by(NamedTheme.id))
        return [(r.activity, r.period, r.theme) for r in rows]


async def warnings_on(deps: Deps, day: dt.date) -> list[str]:
    """The QA manager's digest items about themed rounds, from that day's sweep."""
    await Reminders(deps, reminder_sources()).sweep(
        dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC)
    )
    async with deps.sessions() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.recipient == "person:Q01")
        )
        found = []
        for row in rows:
            meta = row.payload["meta"]
            kinds = [i["meta"].get("type") for i in meta.get("items", [{"meta": meta}])]
            if "allocation.theme_needed" in kinds:
                found.append(to_plain(row.payload["text"]))
    return found


async def test_the_qa_team_names_a_theme_in_chat_and_it_is_kept(deps: Deps) -> None:
    reply = await say(deps, "Q01", "theme 2027-03 Domestic Abuse")
    text = to_plain(reply.text)
    assert reply.kind == "round_theme"
    assert (
        "Thanks, Quinn: March 2027's case file audit with the worker will audit domestic abuse"
        in text
    )
    assert "tagged 'domestic abuse' or 'domestic violence' or 'dv'" in text
    assert "I'll allocate it on Monday 22 February" in text
    assert "1 open case is in its group today." in text
    assert await kept(deps) == [("case_audit", "2027-03", "domestic abuse")]
    # naming again replaces it, and says so; a tag on an open case is a theme too
    again = to_plain((await say(deps, "Q01", "theme 2027-03 neglect")).text)
    assert "will audit neglect (tagged 'neglect'), in place of domestic abuse" in again
    assert await kept(deps) == [("case_audit", "2027-03", "neglect")]
    async with deps.sessions() as session:
        logged = list(await session.scalars(
            select(AuditLogEntry).where(AuditLogEntry.action == "round.theme_named")
        ))  # fmt: skip
        named = await named_themes.named_themes(session, {"2027-03"})
    assert [(e.actor, e.subject, e.detail) for e in logged] == [
        ("Q01", "case_audit:2027-03", {"theme": "domestic abuse"}),
        ("Q01", "case_audit:2027-03", {"theme": "neglect"}),
    ]
    assert named[("case_audit", "2027-03")].named_by == "Quinn Reed"


async def test_theme_alone_lists_the_themed_rounds_with_the_theme_named(deps: Deps) -> None:
    before = to_plain((await say(deps, "Q01", "theme")).text)
    assert "no theme named yet; to be allocated on Monday 22 February" in before
    assert "like theme 2027-03 neglect" in before
    await say(deps, "Q01", "theme 2027-03 domestic abuse")
    after = to_plain((await say(deps, "Q01", "theme")).text)
    assert "March 2027, case file audit with the worker: domestic abuse (tagged" in after
    assert "named by Quinn Reed; to be allocated on Monday 22 February" in after


async def test_naming_the_theme_stops_the_warning_ahead(deps: Deps) -> None:
    [warned] = await warnings_on(deps, dt.date(2027, 2, 17))
    assert "no theme is named for it yet" in warned
    assert "type theme 2027-03 and the theme here" in warned
    await say(deps, "Q01", "theme 2027-03 domestic abuse")
    # the allocation day would warn again if it were still unnamed
    assert await warnings_on(deps, dt.date(2027, 2, 22)) == [warned]


async def test_a_theme_with_no_open_case_is_kept_and_still_warned_about(deps: Deps) -> None:
    """A defined theme with no case today is kept (cases may yet come); the warning ahead then
    says the group is empty rather than that no theme is named."""
    program = programme(themes=[DOMESTIC_ABUSE, Theme(name="pre-birth", tags=["unborn"])])
    deps = Deps(sessions=deps.sessions, wording=deps.wording, clock=deps.clock,
                programme=program, calendar=deps.calendar)  # fmt: skip
    text = to_plain((await say(deps, "Q01", "theme 2027-03 pre-birth")).text)
    assert "No open case is in its group today, so as it stands the round would be held" in text
    [warned] = await warnings_on(deps, dt.date(2027, 2, 17))
    assert "no open case is in its theme, pre-birth" in warned


async def test_the_schedulers_allocation_audits_the_theme_named_ahead(deps: Deps) -> None:
    await say(deps, "Q01", "theme 2027-03 domestic abuse")
    allocation_day = dt.datetime(2027, 2, 22, 10, 0, tzinfo=dt.UTC)
    deps.clock.set(allocation_day)  # type: ignore[attr-defined]
    assert await allocate_due(deps, allocation_day) == 1
    async with deps.sessions() as session:
        made = await audits.find_round(session, "case_audit", "2027-03")
        assert made is not None
        views = await audits.allocations(session, round_id=made.id)
        told = list(await session.scalars(
            select(OutboxMessage).where(OutboxMessage.message_type == "audit_allocated")
        ))  # fmt: skip
    assert made.theme == "domestic abuse"
    assert [v.case_ref for v in views] == ["C-000101"]
    assert "This round is themed: domestic abuse." in to_plain(told[0].payload["text"])
    # once made, its theme is fixed: naming another changes nothing
    text = (await say(deps, "Q01", "theme 2027-03 neglect")).text
    assert "already allocated, auditing 'domestic abuse'" in text
    assert "Nothing was changed." in text
    assert await kept(deps) == [("case_audit", "2027-03", "domestic abuse")]


async def test_a_theme_given_at_the_command_line_wins_and_the_summary_says_so(deps: Deps) -> None:
    """`qabot allocate --theme` and the theme named ahead are decided in one place: the one
    given wins, the round's notes say which it replaced; without one the named theme is used."""
    await say(deps, "Q01", "theme 2027-03 domestic abuse")
    (audit,) = deps.programme.of_kind(CaseAudit)
    async with deps.sessions() as session:
        named = await make_plan(deps, session, audit, 2027, 3)
        given = await make_plan(deps, session, audit, 2027, 3, "neglect")
    assert named.theme == "domestic abuse" and named.notes == []
    assert [p.case_ref for p in named.pairs] == ["C-000101"]
    assert given.theme == "neglect" and [p.case_ref for p in given.pairs] == ["C-000103"]
    assert "the theme named ahead, 'domestic abuse', gave way to 'neglect'" in given.notes


@pytest.mark.parametrize(
    ("staff_id", "text", "answer"),
    [
        ("P01", "theme 2027-03 neglect", NOT_PERMITTED),
        ("M01", "theme", NOT_PERMITTED),
        (
            "Q01",
            "theme 2027-03 fostering",
            "I don't know the theme 'fostering'. You can name a theme in the programme "
            "(domestic abuse) or a tag on open cases (domestic violence, neglect).",
        ),
        (
            "Q01",
            "theme 2027-04 neglect",
            "April 2027's round isn't a themed round, so it has no theme to name. "
            "Themed rounds coming up: March 2027.",
        ),
        (
            "Q01",
            "theme 2026-03 neglect",
            "March 2026's round has passed, so it has no theme to name.",
        ),
        ("Q01", "theme March neglect", "Start with the round's month, like: theme 2027-03 neglect"),
        ("Q01", "theme 2027-13 neglect", "Start with the round's month, like: theme 2027-03"),
        ("Q01", "theme 2027-03", "Add the theme after the month, like: theme 2027-03 neglect"),
    ],
)
async def test_a_refusal_says_what_is_possible_and_keeps_nothing(
    deps: Deps, staff_id: str, text: str, answer: str
) -> None:
    reply = await say(deps, staff_id, text)
    assert reply.kind == "user_error"
    assert answer in to_plain(reply.text)
    assert await kept(deps) == []
    async with deps.sessions() as session:
        assert await session.scalar(select(AuditRound.id)) is None


async def test_help_tells_the_qa_team_how_to_name_a_theme(deps: Deps) -> None:
    assert "theme 2027-03 neglect" in to_plain((await say(deps, "Q01", "help")).text)
    assert "name the theme" not in to_plain((await say(deps, "P01", "help")).text)
