"""The simulation runs production's sweeps, router, outbox and dispatcher on a virtual clock:
its output is ordered and repeatable, keeps working hours and the noise budget, and shows
non-responders nudged then escalated while responders hear no more."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from handlers.case_audit.ids import ACTION_DONE, CHECKLIST_TICK, RECORD
from handlers.core.calendar import Calendar
from handlers.errors import UserError
from handlers.programme.schema import load_programme
from handlers.roster.demo import build_demo_council
from message_templates.model import Message
from scheduler._simulation_output import REMINDER_TYPES, spec_line, spec_type
from scheduler.clock import VirtualClock
from scheduler.simulation import (
    Behaviour,
    Council,
    Delivery,
    RecordingPlatform,
    SimulationResult,
    run_simulation,
)

PROGRAMME = load_programme("default")
CALENDAR = Calendar.from_programme(PROGRAMME)
ZONE = ZoneInfo(PROGRAMME.timezone)
START, END = dt.date(2027, 1, 1), dt.date(2027, 2, 12)  # January's audits are due on the 28th
PEOPLE = 80
MOSTLY_ON_TIME = Behaviour()


def simulate(
    behaviour: Behaviour = MOSTLY_ON_TIME, seed: int = 1, end: dt.date = END
) -> SimulationResult:
    return asyncio.run(
        run_simulation(PROGRAMME, START, end, council=Council(demo_people=PEOPLE),
                       seed=seed, behaviour=behaviour)
    )  # fmt: skip


@pytest.fixture(scope="module")
def mostly() -> SimulationResult:
    """The default behaviour: most on time, some late, a few never."""
    return simulate()


@pytest.fixture(scope="module")
def silent() -> SimulationResult:
    """Nobody ever responds."""
    return simulate(Behaviour(respond_rate=0.0, late_rate=0.0))


def items(delivery: Delivery) -> list[tuple[str | None, dict[str, Any]]]:
    """Every reminder a message carries (a gathered one carries several), with its meta."""
    listed = delivery.meta.get("items") or [{"kind": delivery.kind, "meta": delivery.meta}]
    return [(spec_type(item["kind"]), item["meta"]) for item in listed]


def managers() -> dict[str, str | None]:
    roster = build_demo_council(PEOPLE, 1, START)
    return {p.staff_id: p.manager_staff_id for p in roster.people}


def test_lines_are_json_objects_in_time_order(mostly: SimulationResult) -> None:
    lines = [json.loads(json.dumps(line)) for line in mostly.lines()]
    moments = [dt.datetime.fromisoformat(line["at"]) for line in lines]
    assert lines and moments == sorted(moments)
    assert all(m.utcoffset() is not None for m in moments)
    assert {"audit.allocated", "audit.notified", "reflection.requested"} <= {
        line["type"] for line in lines
    }


def test_lines_carry_only_the_spec_fields(mostly: SimulationResult) -> None:
    allowed = {"at", "type", "recipient", "activity", "group", "auditor", "observer",
               "practitioner", "case_ref", "due", "manager", "moderator", "owner", "period",
               "items",
               # practice weeks and broadcasts: who visits which team on which day, the week,
               # the broadcast's kind, and whether the simulation made it up as a placeholder
               "visitor", "team", "day", "week", "kind", "placeholder"}  # fmt: skip
    for line in mostly.lines():
        assert set(line) <= allowed
        if line["recipient"].startswith("channel:"):
            assert "case_ref" not in line and "practitioner" not in line


def test_same_seed_same_output_other_seed_other_output(mostly: SimulationResult) -> None:
    """A shorter run with the same seed repeats the longer one's days exactly."""
    short = dt.date(2027, 1, 20)
    first = simulate(seed=1, end=short)

    def by_short(at: dt.datetime) -> bool:
        return at.astimezone(ZONE).date() <= short

    assert first.lines() == [
        x for x in mostly.lines() if by_short(dt.datetime.fromisoformat(x["at"]))
    ]
    assert first.responses == [r for r in mostly.responses if by_short(r.at)]
    assert first.lines() and first.responses
    assert simulate(seed=8, end=short).responses != first.responses


def test_direct_messages_only_in_working_hours(mostly: SimulationResult) -> None:
    for delivery in mostly.deliveries:
        local = delivery.at.astimezone(ZONE)
        assert CALENDAR.is_working_day(local.date()), delivery
        assert dt.time(9) <= local.time() < dt.time(17), delivery


NUDGES = REMINDER_TYPES | {"audit.escalated", "action.escalated"}


def test_at_most_one_nudge_message_a_person_a_working_day(silent: SimulationResult) -> None:
    """Reminders and escalations together: one message a person a working day at most."""
    seen: set[tuple[str, dt.date]] = set()
    nudges = [d for d in silent.messages() if spec_type(d.kind) in NUDGES]
    assert any(spec_type(d.kind).endswith(".escalated") for d in nudges)  # type: ignore[union-attr]
    for delivery in nudges:
        key = (delivery.recipient, delivery.at.astimezone(ZONE).date())
        assert key not in seen, f"two nudge messages to {key}"
        seen.add(key)


def test_a_manager_hears_only_after_a_delivered_reminder_and_a_working_day(
    silent: SimulationResult,
) -> None:
    reminded: dict[str, dt.date] = {}
    escalations = 0
    for delivery in silent.messages():
        day = delivery.at.astimezone(ZONE).date()
        for kind, meta in items(delivery):
            if kind == "audit.reminder":
                reminded.setdefault(str(meta["allocation_id"]), day)
            if kind == "audit.escalated":
                escalations += 1
                first = reminded[str(meta["allocation_id"])]
                assert CALENDAR.next_working_day(first + dt.timedelta(days=1)) < day
    assert escalations


def test_non_responders_are_reminded_then_escalated_to_their_line_manager(
    silent: SimulationResult,
) -> None:
    boss = managers()
    reminded: dict[str, dt.datetime] = {}
    escalated: list[tuple[Delivery, dict[str, Any]]] = []
    for delivery in silent.messages():
        for kind, meta in items(delivery):
            if kind == "audit.reminder":
                reminded.setdefault(str(meta["allocation_id"]), delivery.at)
            if kind == "audit.escalated":
                escalated.append((delivery, meta))
    assert escalated and {str(meta["allocation_id"]) for _, meta in escalated} <= set(reminded)
    for delivery, meta in escalated:
        assert delivery.recipient == f"person:{boss[meta['auditor']]}"
        assert delivery.at > reminded[str(meta["allocation_id"])]
        assert CALENDAR.working_days_between(dt.date.fromisoformat(meta["due"]),
                                             delivery.at.date()) >= 5  # fmt: skip
    keys = [str(meta["allocation_id"]) for _, meta in escalated]
    assert len(keys) == len(set(keys)), "an audit was escalated twice"
    assert not silent.responses


def test_responders_hear_no_more_reminders(mostly: SimulationResult) -> None:
    done: dict[tuple[str, str], dict[str, dt.datetime]] = {
        (RECORD, "audit.reminder"): {},
        (CHECKLIST_TICK, "checklist.reminder"): {},
        (ACTION_DONE, "action.reminder"): {},
    }
    for response in mostly.responses:
        for (event, _), when in done.items():
            if response.event == event and response.answer != "user_error":
                when.setdefault(response.ref, response.at)
    assert done[(RECORD, "audit.reminder")] and done[(CHECKLIST_TICK, "checklist.reminder")]
    ids = {"audit.reminder": "allocation_id", "checklist.reminder": "allocation_id",
           "action.reminder": "action_id"}  # fmt: skip
    for delivery in mostly.messages():
        for kind, meta in items(delivery):
            for (_, reminder), when in done.items():
                if kind == reminder and str(meta[ids[reminder]]) in when:
                    assert delivery.at < when[str(meta[ids[reminder]])], (kind, meta)


def test_people_respond_through_the_real_router(mostly: SimulationResult) -> None:
    events = {r.event for r in mostly.responses}
    assert {CHECKLIST_TICK, "audit.open_record", RECORD, "reflection.save"} <= events
    assert not [r for r in mostly.responses if r.answer == "apology"]
    outcomes = mostly.outcomes
    assert outcomes["on_time"] > outcomes["late"] > 0 and outcomes["never"] > 0


def test_rates_must_make_sense() -> None:
    for respond, late in ((1.2, 0.0), (-0.1, 0.2), (0.7, 0.5)):
        with pytest.raises(UserError, match="--respond-rate"):
            Behaviour(respond, late)


async def test_recording_platform_records_with_the_clock_time() -> None:
    moment = dt.datetime(2027, 3, 1, 9, tzinfo=dt.UTC)
    clock = VirtualClock(moment)
    platform = RecordingPlatform(clock)
    sent = await platform.send("person:S1", Message(kind="welcome", text="Hello", meta={"a": 1}))
    clock.advance(dt.timedelta(minutes=5))
    await platform.update("person:S1", sent.conversation, sent.message_id, Message("welcome"))
    first, second = platform.deliveries
    assert (first.at, first.recipient, first.is_update) == (moment, "person:S1", False)
    assert second.at == moment + dt.timedelta(minutes=5) and second.is_update
    assert [d for d, _ in platform.take_fresh()] == [first, second] and not platform.take_fresh()


def test_a_gathered_reminder_is_one_line_listing_every_item() -> None:
    first = {
        "type": "checklist.reminder",
        "activity": "case_audit",
        "auditor": "S2",
        "practitioner": "S1",
        "case_ref": "C-1",
        "due": "2027-01-28",
        "allocation_id": 3,
    }
    second = {"type": "action.reminder", "owner": "S1", "due": "2027-02-01", "action_id": 9}
    meta = {**first, "items": [{"kind": "checklist_reminder", "meta": first},
                               {"kind": "action_reminder", "meta": second}]}  # fmt: skip
    at = dt.datetime(2027, 7, 1, 8, tzinfo=dt.UTC)
    line = spec_line(Delivery(at, "person:S1", "checklist_reminder", meta), ZONE)
    assert line == {
        "at": "2027-07-01T09:00:00+01:00", "type": "checklist.reminder", "recipient": "S1",
        "activity": "case_audit", "auditor": "S2", "practitioner": "S1", "case_ref": "C-1",
        "due": "2027-01-28",
        "items": [
            {"type": "checklist.reminder", "activity": "case_audit", "auditor": "S2",
             "practitioner": "S1", "case_ref": "C-1", "due": "2027-01-28"},
            {"type": "action.reminder", "due": "2027-02-01", "owner": "S1"},
        ],
    }  # fmt: skip
    channel = spec_line(Delivery(at, "channel:qa-team", "allocation_summary", {}), ZONE)
    assert channel == {"at": "2027-07-01T09:00:00+01:00", "type": "allocation.summary",
                       "recipient": "channel:qa-team"}  # fmt: skip
