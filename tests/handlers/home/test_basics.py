"""First flows through the real inbound pipeline: dedupe, router, wording and outbox."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from handlers.core.deps import Deps
from handlers.core.inbound import handle_event
from handlers.core.parsing import MAX_TEXT
from handlers.core.router import Inbound, Reply, Router
from handlers.errors import UserError
from handlers.home.basics import Basics, likeliest, parse_away
from handlers.programme.schema import load_programme
from message_templates.model import Message
from message_templates.wording import Wording
from scheduler.clock import VirtualClock
from storage import Sessions
from storage.models import OutboxMessage, Person, Service, Team

NOW = dt.datetime(2027, 1, 11, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
async def deps(sessions: Sessions) -> Deps:
    return await _deps_on(sessions, NOW)


async def _deps_on(sessions: Sessions, now: dt.datetime, *, fresh: bool = True) -> Deps:
    """Deps whose clock reads `now`; a fresh database is given its two people first."""
    if fresh:
        await _add_people(sessions)
    return Deps(
        sessions=sessions,
        wording=Wording(),
        clock=VirtualClock(now),
        programme=load_programme("default"),
    )


async def _add_people(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        service = Service(name="Assessment")
        team = Team(name="Assessment 1", service=service)
        session.add(
            Person(
                staff_id="S0101",
                name="Sam Okafor",
                email="sam@council.example",
                role="practitioner",
                team=team,
            )
        )
        session.add(
            Person(
                staff_id="S0102",
                name="Ex Worker",
                email="ex@council.example",
                role="practitioner",
                team=team,
                active=False,
            )
        )


def _router(deps: Deps, *extra: tuple[tuple[str, str], object]) -> Router:
    basics = Basics(deps)
    return Router(
        [*basics.routes(), *extra],  # type: ignore[list-item]
        fallback=basics.unknown,
        problem=lambda text: deps.wording.compose("user_error", {"problem": text}),
        apology=lambda: deps.wording.compose("apology", {}),
    )


def _event(event_id: str, kind: str = "text", **rest: str) -> Inbound:
    return Inbound(platform="sandbox", event_id=event_id, staff_id="S0101", kind=kind, **rest)  # type: ignore[arg-type]


async def _outbox(deps: Deps) -> list[OutboxMessage]:
    async with deps.sessions() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def _person(deps: Deps, staff_id: str = "S0101") -> Person:
    async with deps.sessions() as session:
        person = await session.scalar(select(Person).where(Person.staff_id == staff_id))
    assert person is not None
    return person


async def test_welcome_is_said_once(deps: Deps) -> None:
    router = _router(deps)
    await handle_event(deps, router, _event("hello-1", "hello"))
    await handle_event(deps, router, _event("hello-2", "hello"))
    rows = await _outbox(deps)
    assert [r.message_type for r in rows] == ["welcome"]
    assert rows[0].recipient == "person:S0101"
    assert (await _person(deps)).welcomed_at == NOW


async def test_help_reply_goes_through_the_outbox_once_per_event_id(deps: Deps) -> None:
    router = _router(deps)
    first = await handle_event(deps, router, _event("e1", text="help"))
    again = await handle_event(deps, router, _event("e1", text="help"))
    assert first is not None and first.message is not None
    assert first.message.kind == "help"
    assert again is None
    rows = await _outbox(deps)
    assert [(r.idempotency_key, r.message_type) for r in rows] == [("reply:sandbox:e1", "help")]


async def test_my_qa_with_nothing_allocated(deps: Deps) -> None:
    reply = await handle_event(deps, _router(deps), _event("e2", text="My QA"))
    assert reply is not None and reply.message is not None
    assert reply.message.kind == "my_qa"
    assert "nothing on your QA list" in reply.message.text


async def test_away_and_back(deps: Deps) -> None:
    router = _router(deps)
    reply = await handle_event(deps, router, _event("e3", text="away until 18/01/2027"))
    assert reply is not None and reply.message is not None
    assert reply.message.kind == "away_set"
    assert (await _person(deps)).away_until == dt.date(2027, 1, 18)
    await handle_event(deps, router, _event("e4", "action", name="away.back"))
    assert (await _person(deps)).away_until is None


async def test_a_bad_date_is_answered_politely_and_changes_nothing(deps: Deps) -> None:
    reply = await handle_event(deps, _router(deps), _event("e5", text="away until next tuesday"))
    assert reply is not None and reply.message is not None
    assert reply.message.kind == "user_error"
    assert "04/01/2027" in reply.message.text
    assert (await _person(deps)).away_until is None


async def test_a_leaver_is_told_politely(deps: Deps) -> None:
    event = Inbound(platform="sandbox", event_id="e6", staff_id="S0102", kind="text", text="help")
    reply = await handle_event(deps, _router(deps), event)
    assert reply is not None and reply.message is not None
    assert reply.message.kind == "user_error"


async def test_an_unexpected_failure_is_logged_once_and_apologised_for(
    deps: Deps, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(session: object, event: Inbound) -> Reply:
        async with deps.sessions() as other:
            assert other is not None
        raise RuntimeError("boom")

    router = _router(deps, (("command", "explode"), broken))
    reply = await handle_event(deps, router, _event("e7", text="explode now"))
    assert reply is not None and reply.message is not None
    assert reply.message.kind == "apology"
    failures = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(failures) == 1 and "e7" in failures[0].getMessage()


def test_away_dates_are_iso_or_uk_only() -> None:
    today = dt.date(2027, 1, 11)
    assert parse_away("away until 2027-02-01", today) == dt.date(2027, 2, 1)
    assert parse_away("away until 01/02/2027", today) == dt.date(2027, 2, 1)
    for text in ("away until 02-01-2027", "away until 2027-01-11", "away until 2029-01-01", "away"):
        with pytest.raises(UserError):
            parse_away(text, today)


async def _said(deps: Deps, text: str, event_id: str = "e8") -> Message:
    reply = await handle_event(deps, _router(deps), _event(event_id, text=text))
    assert reply is not None and reply.message is not None
    return reply.message


async def test_unknown_words_are_not_caught_and_the_likeliest_commands_offered(deps: Deps) -> None:
    message = await _said(deps, "awya until 25/01/2027")
    assert message.kind == "not_caught"
    assert "I didn't catch that" in message.text
    lines = [line for line in message.text.splitlines() if line.startswith("- ")]
    assert lines[0].startswith("- **away until 25/01/2027**")  # two weeks on from today
    assert 2 <= len(lines) <= 3
    assert "reflections" not in message.text  # a practitioner has no team's reflections to read
    assert [b.action for b in message.buttons] == ["help.show"]


async def test_the_meeting_command_is_in_help_and_offered_for_a_slip(deps: Deps) -> None:
    """Help names "meeting", in its words and in the line a notification shows; a slip in
    typing it is answered with it and a working day to meet on."""
    helped = await _said(deps, "help")
    assert "**meeting C-000123 on 02/03/2027 at 10:00** – when you and" in helped.text
    assert "meeting C-000123 on 02/03/2027 at 10:00" in helped.fallback
    message = await _said(deps, "meting C-000123 on 21/01/2027 at 10:00", "e11")
    assert message.kind == "not_caught"
    lines = [line for line in message.text.splitlines() if line.startswith("- ")]
    assert lines[0] == (  # today is Monday 11 January: five working days on
        "- **meeting C-000123 on 18/01/2027 at 10:00** – set when you and the other person "
        "meet for an audit"
    )


async def test_a_blank_message_gets_a_kind_line(deps: Deps) -> None:
    message = await _said(deps, "   ")
    assert message.kind == "not_caught"
    assert "That message was empty, Sam" in message.text


async def test_an_over_long_message_is_not_read_whatever_it_starts_with(deps: Deps) -> None:
    at_limit = await _said(deps, "help" + " " * (MAX_TEXT - 4), "e9")
    assert at_limit.kind == "help"
    message = await _said(deps, "away until 25/01/2027 " + "x" * MAX_TEXT, "e10")
    assert message.kind == "not_caught"
    assert "too long for me to read" in message.text and "2,000 characters" in message.text
    assert (await _person(deps)).away_until is None


def test_the_likeliest_commands_read_most_like_what_was_typed() -> None:
    commands = ["my qa", "away", "back", "reflections", "help"]
    assert likeliest("hlep", commands) == ["help", "my qa"]
    assert likeliest("bakc", commands)[0] == "back"
    assert likeliest("reflection", commands)[0] == "reflections"
    assert likeliest("my q", commands)[0] == "my qa"
    assert likeliest("what is this", commands) == ["my qa", "help"]


async def test_away_in_another_year_is_confirmed_with_its_year(sessions: Sessions) -> None:
    """Either side of a year end: a day next year shows its year, a day this year does not."""
    deps = await _deps_on(sessions, dt.datetime(2027, 12, 30, 10, tzinfo=dt.UTC))
    message = await _said(deps, "away until 04/01/2028")
    assert "**Tuesday 4 January 2028**" in message.text
    deps = await _deps_on(sessions, dt.datetime(2028, 1, 3, 10, tzinfo=dt.UTC), fresh=False)
    message = await _said(deps, "away until 04/01/2028", "e11")
    assert "**Tuesday 4 January**." in message.text
