"""Stand-ins for a platform and for time, shared by the scheduler tests."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterable

from message_templates.model import Message
from scheduler.dispatcher import PlatformError, SendResult


class RecordingPlatform:
    """Records what qabot sends; raises the queued failures first, one per call."""

    def __init__(
        self,
        name: str = "sandbox",
        failures: Iterable[BaseException | None] = (),
        stop_after: asyncio.Event | None = None,
    ) -> None:
        self.name = name
        self.failures: deque[BaseException | None] = deque(failures)
        self.sent: list[tuple[str, Message]] = []
        self.updated: list[tuple[str, str, str, Message]] = []
        self.stop_after = stop_after

    def _maybe_fail(self) -> None:
        if self.failures:
            failure = self.failures.popleft()
            if failure is not None:
                raise failure

    async def send(self, recipient: str, message: Message) -> SendResult:
        self._maybe_fail()
        self.sent.append((recipient, message))
        if self.stop_after is not None:
            self.stop_after.set()
        return SendResult(message_id=f"m{len(self.sent)}", conversation=f"D-{recipient}")

    async def update(
        self, recipient: str, conversation: str, message_id: str, message: Message
    ) -> None:
        self._maybe_fail()
        self.updated.append((recipient, conversation, message_id, message))


class FakeTime:
    """A monotonic clock that sleeping moves forward, so rate limits are tested without waiting."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def noop_sleep(self, seconds: float) -> None:
        """Records the wait without moving time: callers that are all waiting at once."""
        self.sleeps.append(seconds)


def timeout(seconds: float = 30.0) -> PlatformError:
    return PlatformError(f"timeout after {seconds}s")
