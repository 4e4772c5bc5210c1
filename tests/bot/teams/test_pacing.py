"""Teams' limits kept on an injected clock: per conversation 7 a second, 8 in 2 s, 60 in 30 s,
1,800 an hour; about 50 a second across the tenant; 429s hold or back off with jitter."""

from __future__ import annotations

import random
from itertools import pairwise

import pytest

from bot.teams.pacing import MARGIN, Backoff, Pacer
from tests.scheduler.fakes import FakeTime

RULES = ((7, 1.0), (8, 2.0), (60, 30.0), (1800, 3600.0))


def pacer(fake: FakeTime, **options: object) -> Pacer:
    return Pacer(monotonic=fake.monotonic, sleep=fake.sleep, **options)  # type: ignore[arg-type]


async def sends(fake: FakeTime, paced: Pacer, conversations: list[str]) -> list[float]:
    times = []
    for conversation in conversations:
        await paced.wait(conversation)
        times.append(fake.now)
        paced.landed(conversation)  # answered at once
    return times


def most_in_any(times: list[float], seconds: float) -> int:
    """The most sends in any window of `seconds` (sends at its far edge excluded)."""
    most, start = 0, 0
    for end, at in enumerate(times):
        while times[start] <= at - seconds + 1e-9:  # a send at the edge is outside
            start += 1
        most = max(most, end - start + 1)
    return most


async def test_one_conversation_keeps_every_window() -> None:
    fake = FakeTime()
    times = await sends(fake, pacer(fake), ["a:1"] * 130)
    for count, seconds in RULES:
        assert most_in_any(times, seconds) <= count
    # as fast as the windows allow: seven at once, the eighth after a second, the 61st after 30 s
    assert times[6] < 0.2
    assert times[7] == pytest.approx(1.0 + MARGIN)
    assert times[60] == pytest.approx(30.0 + MARGIN)


async def test_an_hour_holds_at_most_1800() -> None:
    fake = FakeTime()
    times = await sends(fake, pacer(fake), ["a:1"] * 1801)
    assert most_in_any(times, 3600.0) == 1800
    assert times[1800] == pytest.approx(3600.0 + MARGIN)


async def test_the_tenant_is_paced_a_little_under_fifty_a_second() -> None:
    fake = FakeTime()
    times = await sends(fake, pacer(fake), [f"a:{n}" for n in range(1000)])
    assert most_in_any(times, 1.0) == 49
    assert min(b - a for a, b in pairwise(times)) >= 1 / 50 - 1e-9  # never a burst
    rate = (len(times) - 1) / (times[-1] - times[0])
    assert 48.5 <= rate < 50


async def test_a_pause_is_partly_made_up_at_the_full_rate() -> None:
    async def batches(pause: float) -> list[float]:
        fake = FakeTime()
        paced = pacer(fake)
        times = await sends(fake, paced, [f"a:{n}" for n in range(24)])
        fake.now += pause  # the dispatcher claims its next batch
        return times + await sends(fake, paced, [f"b:{n}" for n in range(200)])

    steady, paused = await batches(0.0), await batches(0.3)
    assert most_in_any(paused, 1.0) <= 49
    lost = (paused[-1] - paused[0]) - (steady[-1] - steady[0])
    assert 0 < lost < 0.3


async def test_creating_conversations_counts_against_the_tenant_only() -> None:
    fake = FakeTime()
    paced = pacer(fake)
    await sends(fake, paced, ["a:1"] * 7)
    started = fake.now
    for _ in range(10):
        await paced.wait(None)
    assert fake.now - started < 0.25  # not held back by a:1's full second


async def test_a_retry_after_holds_that_conversation_only() -> None:
    fake = FakeTime()
    paced = pacer(fake)
    paced.hold("a:1", 7.0)
    await paced.wait("a:2")
    assert fake.now < 0.1
    await paced.wait("a:1")
    assert fake.now == pytest.approx(7.0)


async def test_a_429_without_retry_after_backs_off_growing_with_jitter() -> None:
    fake = FakeTime()
    paced = pacer(fake, rng=random.Random(4), backoff=Backoff(base=1.0, cap=8.0))
    waits = [paced.refused("a:1") for _ in range(6)]
    for tries, wait in enumerate(waits, start=1):
        ceiling = min(8.0, 2.0 ** (tries - 1))
        assert ceiling / 2 <= wait <= ceiling
    assert len({round(w, 6) for w in waits[3:]}) > 1  # capped, yet not all the same: jitter
    others = [paced.refused("a:2") for _ in range(3)]
    assert others != waits[:3]
    paced.accepted("a:1")
    again = paced.refused("a:1")
    assert again <= 1.0  # an accepted request starts the backoff again
    await paced.wait("a:1")  # held until the longest of its holds is over
    assert fake.now == pytest.approx(max(*waits, again))


class LateTime(FakeTime):
    """Sleeping overshoots: by `late` each time, and by `stall` at the `stall_at`th sleep."""

    def __init__(self, late: float, stall: float = 0.0, stall_at: int = -1) -> None:
        super().__init__()
        self.late, self.stall, self.stall_at = late, stall, stall_at

    async def sleep(self, seconds: float) -> None:
        extra = self.stall if len(self.sleeps) == self.stall_at else self.late
        await super().sleep(seconds + extra)


async def test_small_delays_in_waking_do_not_add_up() -> None:
    fake = LateTime(late=0.008)
    times = await sends(fake, pacer(fake), [f"a:{n}" for n in range(500)])
    rate = (len(times) - 1) / (times[-1] - times[0])
    assert rate > 47.5  # on time on average, though every wake-up was late
    assert most_in_any(times, 1.0) <= 49


async def test_a_stall_lets_no_requests_out_together() -> None:
    fake = LateTime(late=0.0, stall=0.3, stall_at=20)
    times = await sends(fake, pacer(fake), [f"a:{n}" for n in range(60)])
    gaps = [b - a for a, b in pairwise(times)]
    assert max(gaps) == pytest.approx(0.3 + 1 / 50)  # the stall
    assert min(gaps) >= 1 / 50 - 1e-9  # and after it, the same spacing: no burst
