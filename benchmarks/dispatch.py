"""Outbox dispatch throughput (SPEC §9): one worker on SQLite against a no-op platform."""

from __future__ import annotations

import asyncio
import datetime as dt
import tempfile
import time
from pathlib import Path

from message_templates.model import Button, Fact, Message
from scheduler.clock import VirtualClock
from scheduler.dispatcher import Dispatcher, SendResult
from scheduler.ratelimit import RateLimiter
from storage import make_engine, make_sessions, upgrade
from storage.outbox import enqueue

MESSAGES = 5_000
TARGET_PER_SECOND = 1_000.0
START = dt.datetime(2027, 1, 11, 9, 0, tzinfo=dt.UTC)


class NoopPlatform:
    """Accepts everything at once, as a local stand-in with no rate limit would."""

    name = "bench"

    def __init__(self) -> None:
        self.count = 0

    async def send(self, recipient: str, message: Message) -> SendResult:
        self.count += 1
        return SendResult(message_id=str(self.count), conversation=recipient)

    async def update(
        self, recipient: str, conversation: str, message_id: str, message: Message
    ) -> None:
        self.count += 1


def sample(n: int) -> Message:
    return Message(
        kind="audit_allocated",
        title="A case to audit this month",
        text="The checklist takes about ten minutes.",
        facts=(Fact("Case", f"C-{n:06d}"), Fact("Due", "15 January")),
        buttons=(Button("Open", "audit.open", str(n), "primary"),),
    )


async def _run(url: str) -> tuple[float, int]:
    upgrade(url)
    engine = make_engine(url)
    sessions = make_sessions(engine)
    try:
        async with sessions.begin() as session:
            for n in range(MESSAGES):
                await enqueue(
                    session,
                    key=f"bench:{n}",
                    recipient=f"person:S{n % 2000:04d}",
                    platform=NoopPlatform.name,
                    message=sample(n),
                    not_before=START,
                )
        platform, clock = NoopPlatform(), VirtualClock(START)
        dispatcher = Dispatcher(sessions, [platform], clock=clock, limiter=RateLimiter({}))
        began = time.perf_counter()
        while await dispatcher.run_once(clock.now()):
            pass
        return time.perf_counter() - began, platform.count
    finally:
        await engine.dispose()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        seconds, sent = asyncio.run(_run(url))
    rate = sent / seconds
    print(
        f"dispatch (SQLite, one worker, no-op platform): {sent} messages in {seconds:.2f} s = "
        f"{rate:,.0f} msg/s; target >= {TARGET_PER_SECOND:,.0f} msg/s; "
        f"ratio {rate / TARGET_PER_SECOND:.2f}"
    )


if __name__ == "__main__":
    main()
