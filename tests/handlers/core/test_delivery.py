"""Each message goes to the platform that reaches its recipient: people where qabot knows them,
channel posts to every platform where their role is bound."""

from __future__ import annotations

import datetime as dt
import logging
import random

import pytest
from sqlalchemy import select

from handlers.case_audit.cycle import run_allocation
from handlers.core.calendar import Calendar
from handlers.core.delivery import (
    Draft,
    addressed,
    channel_copies,
    enqueue,
    enqueue_many,
    person_platform,
)
from handlers.core.deps import Deps
from handlers.programme.schema import CaseAudit, load_programme
from message_templates.model import Message
from message_templates.wording import Wording
from scheduler.clock import VirtualClock
from scheduler.dispatcher import Dispatcher, DispatchPolicy
from scheduler.jobs import drain_outbox
from scheduler.ratelimit import RateLimiter
from storage import Sessions
from storage.case_audit import audits
from storage.channels import bind
from storage.models import OutboxMessage
from storage.people import CaseRecord, PersonRecord, Roster, apply_roster
from tests.scheduler.fakes import FakeTime, RecordingPlatform

MONDAY = dt.datetime(2027, 1, 4, 10, 0, tzinfo=dt.UTC)
PROGRAMME = load_programme("default")
ACTIVITY: CaseAudit = PROGRAMME.of_kind(CaseAudit)[0]
NOTE = Message(kind="note", text="A note")


# --- the rule -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("platforms", "known_on", "expected"),
    [
        (("slack", "teams"), {"slack"}, "slack"),
        (("slack", "teams"), {"teams"}, "teams"),
        (("slack", "teams"), {"slack", "teams"}, "slack"),
        (("teams", "slack"), {"slack", "teams"}, "teams"),
        (("slack", "teams"), set(), "slack"),  # nobody knows them: the first, by email
        (("teams", "slack"), set(), "teams"),
        (("teams",), {"slack"}, "teams"),
        (("slack", "sandbox"), set(), "sandbox"),  # the sandbox knows everyone
        (("slack", "sandbox"), {"slack"}, "slack"),
        (("sandbox", "slack"), {"slack"}, "sandbox"),
        (("sandbox",), set(), "sandbox"),
    ],
)
def test_a_person_is_reached_on_the_first_platform_that_knows_them(
    platforms: tuple[str, ...], known_on: set[str], expected: str
) -> None:
    assert person_platform(platforms, known_on) == expected


def test_a_channel_post_goes_to_each_platform_where_its_role_is_bound() -> None:
    both = ("slack", "teams")
    assert channel_copies("k", both, {"slack", "teams"}) == [("slack", "k"), ("teams", "k@teams")]
    assert channel_copies("k", both, {"teams"}) == [("teams", "k@teams")]
    assert channel_copies("k", both, {"slack"}) == [("slack", "k")]
    assert channel_copies("k", both, set()) == []
    assert channel_copies("k", ("teams", "slack"), {"slack", "teams"}) == [
        ("teams", "k"),
        ("slack", "k@slack"),
    ]
    # the sandbox has every role without a binding
    assert channel_copies("k", ("sandbox",), set()) == [("sandbox", "k")]
    assert channel_copies("k", ("slack", "sandbox"), set()) == [("sandbox", "k@sandbox")]


# --- through the database -----------------------------------------------------------------


def person(
    staff_id: str,
    role: str,
    team: str,
    manager: str | None,
    slack_user_id: str | None = None,
    teams_user_id: str | None = None,
) -> PersonRecord:
    email = f"{staff_id.lower()}@council.example"
    return PersonRecord(staff_id, f"Person {staff_id}", email, role, team, "Children", manager,
                        slack_user_id=slack_user_id, teams_user_id=teams_user_id)  # fmt: skip


async def roster(
    sessions: Sessions, people: tuple[PersonRecord, ...], cases: tuple[CaseRecord, ...] = ()
) -> None:
    async with sessions.begin() as session:
        await apply_roster(session, Roster(people, cases), now=MONDAY, actor="test")


def draft(key: str, recipient: str) -> Draft:
    return Draft(key, recipient, NOTE, MONDAY)


async def test_addressed_looks_people_and_channels_up_for_a_whole_batch(
    sessions: Sessions,
) -> None:
    await roster(sessions, (
        person("S1", "team_manager", "A", None, slack_user_id="U1"),
        person("S2", "practitioner", "A", "S1", teams_user_id="29:two"),
        person("S3", "practitioner", "A", "S1", slack_user_id="U3", teams_user_id="29:three"),
        person("S4", "practitioner", "A", "S1"),
    ))  # fmt: skip
    async with sessions.begin() as session:
        await bind(session, "teams", "qa-team", "19:qa@thread.tacv2", MONDAY)
        await bind(session, "slack", "all-staff", "C01", MONDAY)
        await bind(session, "teams", "all-staff", "19:all@thread.tacv2", MONDAY)
    drafts = [draft(f"dm:{n}", f"person:S{n}") for n in range(1, 6)] + [
        draft("post:qa", "channel:qa-team"),
        draft("post:all", "channel:all-staff"),
        draft("post:managers", "channel:managers"),
    ]
    async with sessions() as session:
        both = await addressed(session, ("slack", "teams"), drafts)
        teams_first = await addressed(session, ("teams", "slack"), drafts)
        sandbox = await addressed(session, ("sandbox",), drafts)
    assert [(o.key, o.recipient, o.platform) for o in both] == [
        ("dm:1", "person:S1", "slack"),
        ("dm:2", "person:S2", "teams"),
        ("dm:3", "person:S3", "slack"),
        ("dm:4", "person:S4", "slack"),  # known nowhere: the first platform looks them up
        ("dm:5", "person:S5", "slack"),  # not on the roster at all: the same
        ("post:qa@teams", "channel:qa-team", "teams"),
        ("post:all", "channel:all-staff", "slack"),
        ("post:all@teams", "channel:all-staff", "teams"),
    ]
    assert [(o.key, o.platform) for o in teams_first] == [
        ("dm:1", "slack"),
        ("dm:2", "teams"),
        ("dm:3", "teams"),
        ("dm:4", "teams"),
        ("dm:5", "teams"),
        ("post:qa", "teams"),
        ("post:all", "teams"),
        ("post:all@slack", "slack"),
    ]
    assert {o.platform for o in sandbox} == {"sandbox"}
    assert [o.key for o in sandbox] == [d.key for d in drafts]


async def test_an_unbound_role_is_logged_without_the_body_and_a_later_binding_adds_its_copy(
    sessions: Sessions, caplog: pytest.LogCaptureFixture
) -> None:
    deps = Deps(sessions, Wording(), VirtualClock(MONDAY), PROGRAMME, platforms=("slack", "teams"))
    secret = Message(kind="note", text="Body text never logged")
    async with sessions.begin() as session:
        await bind(session, "teams", "qa-team", "19:qa@thread.tacv2", MONDAY)
    with caplog.at_level(logging.INFO, logger="handlers.core.delivery"):
        async with sessions.begin() as session:
            assert await enqueue(deps, session, key="post", recipient="channel:qa-team",
                                 message=secret, not_before=MONDAY, now=MONDAY) == 1  # fmt: skip
    assert "no slack channel bound for role qa-team" in caplog.text
    assert "Body text" not in caplog.text
    async with sessions.begin() as session:
        await bind(session, "slack", "qa-team", "C01", MONDAY)
    async with sessions.begin() as session:
        again = [Draft("post", "channel:qa-team", secret, MONDAY)]
        assert await enqueue_many(deps, session, again, now=MONDAY) == 1
        assert await enqueue_many(deps, session, again, now=MONDAY) == 0
        stored = (await session.execute(select(OutboxMessage.idempotency_key,
                                               OutboxMessage.platform))).all()  # fmt: skip
    assert sorted(stored) == [("post", "slack"), ("post@teams", "teams")]


# --- the real handlers and the real dispatcher --------------------------------------------

COUNCIL = (
    person("S01", "head_of_service", "Leadership", None),
    person("S02", "service_manager", "Leadership", "S01", slack_user_id="U02"),
    person("S03", "team_manager", "Team A", "S02", slack_user_id="U03"),
    person("S04", "team_manager", "Team B", "S02", teams_user_id="29:four"),
    person("S05", "practitioner", "Team A", "S03", teams_user_id="29:five"),
    person("S06", "practitioner", "Team A", "S03", slack_user_id="U06"),
    person("S07", "practitioner", "Team B", "S04", teams_user_id="29:seven"),
    person("S08", "qa_manager", "QA", "S01", slack_user_id="U08", teams_user_id="29:eight"),
)
CASES = (
    CaseRecord("C-000101", "S05", "CP", dt.date(2026, 9, 1)),
    CaseRecord("C-000102", "S06", "CIN", dt.date(2026, 9, 1)),
    CaseRecord("C-000103", "S07", "CLA", dt.date(2026, 9, 1)),
)
SLACK_PEOPLE = {"person:S01", "person:S02", "person:S03", "person:S06", "person:S08"}
TEAMS_PEOPLE = {"person:S04", "person:S05", "person:S07"}


@pytest.mark.parametrize(
    ("bound", "posted_on"),
    [({"slack", "teams"}, {"slack", "teams"}), ({"teams"}, {"teams"}), (set(), set())],
)
async def test_a_round_reaches_each_person_on_their_platform_and_each_bound_channel(
    sessions: Sessions, bound: set[str], posted_on: set[str]
) -> None:
    # no one holds a QA-team role: the round's summary (counts, no names) goes to the channel
    without_qa_team = tuple(p for p in COUNCIL if p.role != "qa_manager")
    await roster(sessions, without_qa_team, CASES)
    async with sessions.begin() as session:
        for platform in sorted(bound):
            await bind(session, platform, PROGRAMME.qa_channel, f"{platform}-qa", MONDAY)
    clock = VirtualClock(MONDAY)
    deps = Deps(sessions, Wording(), clock, PROGRAMME, Calendar.from_programme(PROGRAMME),
                platforms=("slack", "teams"), qa_channel=PROGRAMME.qa_channel)  # fmt: skip
    slack, teams = RecordingPlatform("slack"), RecordingPlatform("teams")
    fake_time = FakeTime()
    dispatcher = Dispatcher(sessions, [slack, teams], clock=clock,
                            limiter=RateLimiter(monotonic=fake_time.monotonic,
                                                sleep=fake_time.sleep),
                            policy=DispatchPolicy(qa_platform="slack"),
                            rng=random.Random(7))  # fmt: skip

    async with sessions.begin() as session:
        result = await run_allocation(deps, session, ACTIVITY, 2027, 1)
    await drain_outbox(dispatcher, clock)

    async with sessions() as session:
        views = await audits.allocations(session, round_id=result.round_id)
    assert views, "the council should get at least one audit"
    on_slack = {recipient for recipient, _ in slack.sent}
    on_teams = {recipient for recipient, _ in teams.sent}
    dm_slack = {r for r in on_slack if r.startswith("person:")}
    dm_teams = {r for r in on_teams if r.startswith("person:")}
    assert dm_slack <= SLACK_PEOPLE
    assert dm_teams <= TEAMS_PEOPLE
    # every auditor and practitioner heard, each on their own platform only
    told = {f"person:{v.auditor.staff_id}" for v in views} | {
        f"person:{v.practitioner.staff_id}" for v in views
    }
    assert told <= dm_slack | dm_teams
    assert dm_slack and dm_teams
    channel = f"channel:{PROGRAMME.qa_channel}"
    assert {name for name, sent in (("slack", on_slack), ("teams", on_teams))
            if channel in sent} == posted_on  # fmt: skip
    assert sum(r == channel for r, _ in [*slack.sent, *teams.sent]) == len(posted_on)
    async with sessions() as session:
        pending = await session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.status != "sent").limit(1)
        )
    assert pending is None
