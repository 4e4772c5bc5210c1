"""The real dispatcher's pass for handler tests: every message due by the virtual clock is
delivered, through a platform that records instead of sending, and the outbox says when it
went. A manager hears of an item only after its person's reminder was delivered, so tests of
escalations deliver what the sweeps queue, as production does."""

from __future__ import annotations

import random

from handlers.core.deps import Deps
from scheduler._simulation_platform import RecordingPlatform
from scheduler.dispatcher import Dispatcher, DispatchPolicy
from scheduler.jobs import drain_outbox
from scheduler.ratelimit import RateLimiter


class _Recording(RecordingPlatform):
    """The recording platform standing where the tests' messages are queued (Deps' first)."""

    def __init__(self, deps: Deps) -> None:
        super().__init__(deps.clock)
        self.name = deps.platforms[0]


async def deliver(deps: Deps) -> int:
    """Deliver everything due now through the real dispatcher; how many were handled."""
    platform = _Recording(deps)
    dispatcher = Dispatcher(deps.sessions, [platform], clock=deps.clock, limiter=RateLimiter({}),
                            policy=DispatchPolicy(qa_platform=platform.name),
                            rng=random.Random(1))  # fmt: skip
    return await drain_outbox(dispatcher, deps.clock)
