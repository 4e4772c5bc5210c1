"""The queue of work after answers: a few at a time, tracked until done, failures logged
without what the work carried, and what is left at shutdown cancelled."""

from __future__ import annotations

import asyncio
import logging

import pytest

from scheduler.background import Background


async def test_work_runs_a_few_at_a_time_and_idle_waits_for_all_of_it() -> None:
    background = Background(workers=2)
    running: list[int] = []
    most = 0
    done: list[int] = []

    async def work(n: int) -> None:
        nonlocal most
        running.append(n)
        most = max(most, len(running))
        await asyncio.sleep(0)
        running.remove(n)
        done.append(n)
        if n == 0:  # work handing on more work: idle waits for that too
            background.submit("follow-up", lambda: work(99))

    for n in range(10):
        background.submit("click", lambda n=n: work(n))
    assert background.pending == 10
    await background.idle()
    assert sorted(done) == [*range(10), 99]
    assert most == 2
    assert background.pending == 0


async def test_a_failure_is_logged_by_name_and_class_only(
    caplog: pytest.LogCaptureFixture,
) -> None:
    background = Background()

    async def fails() -> None:
        raise ValueError("Sam's reflection: worried about the family")

    async def after() -> None:
        return None

    background.submit("slack work after acknowledgement", fails)
    background.submit("delivery pass", after)
    await background.idle()
    assert "slack work after acknowledgement failed: ValueError" in caplog.text
    assert "reflection" not in caplog.text


async def test_close_lets_queued_work_finish_within_the_grace() -> None:
    background = Background(workers=1)
    done: list[str] = []

    async def work(name: str) -> None:
        await asyncio.sleep(0)
        done.append(name)

    for name in ("a", "b", "c"):
        background.submit(name, lambda name=name: work(name))
    await background.close(grace=60)
    assert done == ["a", "b", "c"]


async def test_close_cancels_what_outlasts_the_grace_and_takes_no_more(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    background = Background(workers=1)
    stuck = asyncio.Event()
    cancelled: list[str] = []

    async def never_ends() -> None:
        try:
            await stuck.wait()
        except asyncio.CancelledError:
            cancelled.append("stuck")
            raise

    async def never_started() -> None:
        cancelled.append("should not run")

    background.submit("stuck", never_ends)
    background.submit("queued", never_started)
    await background.close(grace=0)
    assert cancelled == ["stuck"]
    assert background.pending == 0
    background.submit("late", never_started)
    await background.idle()
    assert cancelled == ["stuck"]
    assert "2 pieces of background work cancelled" in caplog.text
