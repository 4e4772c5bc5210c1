"""The scheduler's jobs: one misfire policy, an idempotent sweep, draining the outbox."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from message_templates.model import Message
from scheduler.clock import VirtualClock
from scheduler.dispatcher import Dispatcher
from scheduler.jobs import (
    JOB_DEFAULTS,
    SWEEP_JOB,
    Sweeps,
    build_scheduler,
    drain_outbox,
    sweep_due,
)
from storage import Sessions
from storage._core import run
from storage.models import OutboxMessage, Reflection
from storage.outbox import enqueue
from tests.scheduler.fakes import RecordingPlatform

T0 = dt.datetime(2027, 1, 11, 9, 0, tzinfo=dt.UTC)


def due_reminders(sessions: Sessions) -> Sweeps:
    """A sweep like the ones handlers register: one reminder per due date, keyed by it."""

    async def remind(now: dt.datetime) -> int:
        async with sessions.begin() as session:
            return int(
                await enqueue(
                    session,
                    key=f"audit.reminder:42:{now.date().isoformat()}",
                    recipient="person:S0012",
                    platform="sandbox",
                    message=Message(kind="audit_reminder"),
                    not_before=now,
                )
            )

    sweeps = Sweeps()
    sweeps.register("audit_reminders", remind)
    return sweeps


async def count(sessions: Sessions) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


async def test_sweeping_twice_for_the_same_time_enqueues_once(sessions: Sessions) -> None:
    clock = VirtualClock(T0)
    sweeps = due_reminders(sessions)
    assert await sweep_due(sweeps, clock) == 1
    assert await sweep_due(sweeps, clock) == 0  # a catch-up after a restart changes nothing
    clock.advance(dt.timedelta(days=1))
    assert await sweep_due(sweeps, clock) == 1
    assert await count(sessions) == 2


async def test_one_failing_sweep_does_not_stop_the_others(sqlite_sessions: Sessions) -> None:
    async def broken(now: dt.datetime) -> int:
        raise RuntimeError("bug")

    sweeps = Sweeps()
    sweeps.register("broken", broken)
    sweeps.register("fine", due_reminders(sqlite_sessions).run)
    assert await sweeps.run(T0) == 1
    assert sweeps.names == ("broken", "fine")
    with pytest.raises(ValueError, match="already registered"):
        sweeps.register("fine", broken)


async def test_drain_outbox_delivers_everything_due(sqlite_sessions: Sessions) -> None:
    clock, platform = VirtualClock(T0), RecordingPlatform()
    await sweep_due(due_reminders(sqlite_sessions), clock)
    dispatcher = Dispatcher(sqlite_sessions, [platform], clock=clock)
    assert await drain_outbox(dispatcher, clock) == 1
    assert len(platform.sent) == 1


async def test_every_job_shares_the_one_misfire_policy() -> None:
    clock = VirtualClock(T0)
    scheduler = build_scheduler(clock=clock, sweeps=Sweeps())
    scheduler.start(paused=True)
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert set(jobs) == {SWEEP_JOB}
        for job in jobs.values():
            assert (job.coalesce, job.misfire_grace_time, job.max_instances) == (True, None, 1)
        assert jobs[SWEEP_JOB].next_run_time == T0  # the first sweep catches up at start
        assert jobs[SWEEP_JOB].trigger.interval == dt.timedelta(minutes=1)
    finally:
        scheduler.shutdown(wait=False)
    assert JOB_DEFAULTS["misfire_grace_time"] is None


WORDS = "We worried about the home visit notes"


async def test_a_failed_sweep_is_logged_with_its_traceback_but_not_what_it_wrote(
    sessions: Sessions, caplog: pytest.LogCaptureFixture
) -> None:
    """The database refuses a row (here a reflection missing its audit): the log names the
    sweep and keeps the traceback, but neither the statement's values nor PostgreSQL's DETAIL,
    which would quote the failing row."""

    async def broken(now: dt.datetime) -> int:
        async with sessions.begin() as session:
            await run(session, insert(Reflection), {
                "allocation_id": None, "person_id": None, "prompt": "worried", "answer": WORDS,
                "created_at": now, "updated_at": now,
            })  # fmt: skip
        return 1

    sweeps = Sweeps()
    sweeps.register("reflections", broken)
    with caplog.at_level(logging.ERROR, logger="scheduler.jobs"):
        assert await sweeps.run(T0) == 0
    (record,) = caplog.records
    assert record.exc_info is not None and isinstance(record.exc_info[1], IntegrityError)
    assert "sweep reflections failed" in caplog.text and "Traceback" in caplog.text
    assert "allocation_id" in caplog.text  # still says what went wrong
    assert "hidden due to hide_parameters" in caplog.text
    assert WORDS not in caplog.text and "Failing row" not in caplog.text
