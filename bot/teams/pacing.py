"""Paced delivery to Teams, so qabot stays inside the Bot Connector's limits instead of
provoking 429s.

Teams allows a bot, per conversation, 7 messages a second, 8 in 2 seconds, 60 in 30 seconds
and 1,800 an hour, and about 50 requests a second across the tenant. The pacer keeps a sliding
record of each conversation's sends (a small margin on each window absorbs the network's
jitter). Across the tenant it spaces requests at 50 a second, never in a burst, and keeps any
second to 48 of them: two under the limit for jitter, while a pause (the dispatcher claiming
its next batch) is made up at the full rate. A 429 holds the conversation for its Retry-After;
without one, backs off exponentially with jitter.

Time and sleeping are injected, so tests drive the pacer without waiting on the wall clock.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class Window:
    """At most `count` sends in any `seconds`."""

    count: int
    seconds: float


CONVERSATION_WINDOWS = (Window(7, 1.0), Window(8, 2.0), Window(60, 30.0), Window(1800, 3600.0))
TENANT_RATE = 50.0  # requests a second across the tenant: their closest spacing
TENANT_WINDOW = Window(48, 1.0)  # and at most this many in any second
MARGIN = 0.05  # seconds added to each conversation window, for the network's jitter
MAX_IDLE = 10_000  # conversations remembered before idle ones are forgotten


@dataclass(frozen=True)
class Backoff:
    """Exponential waits with jitter: `base` doubling per try, at most `cap`, times 0.5-1."""

    base: float = 1.0
    cap: float = 60.0

    def seconds(self, tries: int, rng: random.Random) -> float:
        return min(self.cap, self.base * 2.0 ** max(0, tries - 1)) * rng.uniform(0.5, 1.0)


class Pacer:
    """Waits until a request to a conversation (or the tenant alone) is within Teams' limits."""

    def __init__(
        self,
        *,
        windows: tuple[Window, ...] = CONVERSATION_WINDOWS,
        tenant_rate: float = TENANT_RATE,
        tenant_window: Window | None = TENANT_WINDOW,
        margin: float = MARGIN,
        backoff: Backoff = Backoff(),
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.windows = windows
        self.interval = 1.0 / tenant_rate
        self.tenant_window = tenant_window
        self.margin = margin
        self.backoff = backoff
        self.monotonic = monotonic
        self.sleep = sleep
        self.rng = rng or random.Random()
        self._longest = max((w.count for w in windows), default=1)
        self._sent: dict[str, deque[float]] = {}
        self._held: dict[str, float] = {}
        self._refused: dict[str, int] = {}
        self._tenant_next = -math.inf
        self._tenant: deque[float] = deque(maxlen=tenant_window.count if tenant_window else 1)
        self._gate = asyncio.Lock()

    async def wait(self, conversation: str | None) -> float:
        """Wait until one request may go to `conversation` (None: a request that counts only
        against the tenant, such as creating a conversation); returns the seconds waited.

        Requests pass the tenant's gate one at a time, each recorded when it passes: a stall of
        the event loop delays the requests behind it rather than letting them out together."""
        started = self.monotonic()
        while True:
            if conversation:
                now = self.monotonic()
                ready = self._conversation_ready(conversation, now)
                if ready > now:
                    await self.sleep(ready - now)
                    continue
            async with self._gate:
                now = self.monotonic()
                due = self._tenant_due()
                if due > now:
                    await self.sleep(due - now)
                    now = self.monotonic()
                # a little late (oversleeping, a busy event loop): counted as sent when due, so
                # small delays do not add up; much later (a stall): counted when it goes
                at = due if now - due <= self.interval / 2 else now
                if conversation and self._conversation_ready(conversation, now) > now:
                    continue  # another request to it went first; wait for it again
                self._tenant_next = at + self.interval
                self._tenant.append(at)
                if conversation:
                    self._history(conversation, now).append(at)
                return now - started

    def hold(self, conversation: str, seconds: float) -> None:
        """Send nothing more to `conversation` for `seconds` (a 429's Retry-After)."""
        until = self.monotonic() + seconds
        self._held[conversation] = max(until, self._held.get(conversation, until))

    def refused(self, conversation: str) -> float:
        """A 429 without Retry-After: how long to hold the conversation, growing with each
        refusal in a row, jittered so many conversations do not retry in step."""
        tries = self._refused.get(conversation, 0) + 1
        self._refused[conversation] = tries
        seconds = self.backoff.seconds(tries, self.rng)
        self.hold(conversation, seconds)
        return seconds

    def accepted(self, conversation: str) -> None:
        self._refused.pop(conversation, None)

    def _tenant_due(self) -> float:
        """When the next request across the tenant may go (perhaps already past)."""
        due = self._tenant_next
        window = self.tenant_window
        if window is not None and len(self._tenant) >= window.count:
            due = max(due, self._tenant[-window.count] + window.seconds)
        return due

    def _conversation_ready(self, conversation: str, now: float) -> float:
        """The earliest time at or after `now` when one more send keeps every window."""
        ready = max(now, self._held.get(conversation, now))
        sent = self._sent.get(conversation)
        if sent:
            for window in self.windows:
                if len(sent) >= window.count:
                    ready = max(ready, sent[-window.count] + window.seconds + self.margin)
        return ready

    def _history(self, conversation: str, now: float) -> deque[float]:
        sent = self._sent.get(conversation)
        if sent is None:
            if len(self._sent) >= MAX_IDLE:
                self._forget_idle(now)
            sent = self._sent[conversation] = deque(maxlen=self._longest)
        return sent

    def _forget_idle(self, now: float) -> None:
        """Conversations with nothing sent within the longest window constrain nothing."""
        longest = max((w.seconds for w in self.windows), default=0.0) + self.margin
        for conversation in [c for c, sent in self._sent.items() if sent[-1] + longest <= now]:
            del self._sent[conversation]
        for conversation in [c for c, until in self._held.items() if until <= now]:
            del self._held[conversation]
