"""Paced delivery to Teams, so qabot stays inside the Bot Connector's limits instead of
provoking 429s.

Teams allows a bot, per conversation, 7 messages a second, 8 in 2 seconds, 60 in 30 seconds
and 1,800 an hour, and about 50 requests a second across the tenant. Across the tenant the pacer
spaces requests at 50 a second, never in a burst, and keeps any second to 49 of them, one under
the limit; a pause (a busy machine) is made up at the full rate.

Each window counts a request from when it goes out until a whole window after its answer came
(`landed`): Teams saw it at some moment in between, so however late it got there (a stalled
event loop, a slow network), no window of Teams' can hold more requests than the pacer's. Each
conversation's windows have a small margin besides. A 429 holds the conversation for its
Retry-After; without one, backs off exponentially with jitter.

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
TENANT_WINDOW = Window(49, 1.0)  # and at most this many in any second
MARGIN = 0.05  # seconds added to each conversation window, to spare
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
        # when requests landed (the latest, as many as a window holds), and those in flight
        self._tenant: deque[float] = deque(maxlen=tenant_window.count if tenant_window else 1)
        self._tenant_flying = 0
        self._flying: dict[str, int] = {}  # by conversation
        self._landing = asyncio.Event()  # set when a request lands
        self._gate = asyncio.Lock()

    async def wait(self, conversation: str | None) -> float:
        """Wait until one request may go to `conversation` (None: a request that counts only
        against the tenant, such as creating a conversation); returns the seconds waited. The
        caller tells `landed` when its answer has come (or the request failed).

        Requests pass the tenant's gate one at a time: a stall of the event loop delays the
        requests behind it rather than letting them out together."""
        started = self.monotonic()
        while True:
            if conversation:
                now = self.monotonic()
                ready = self._conversation_ready(conversation, now)
                if ready > now:
                    await self._until(ready, now)
                    continue
            async with self._gate:
                while True:
                    now = self.monotonic()
                    due = self._tenant_due()
                    if due <= now:
                        break
                    await self._until(due, now)
                if conversation and self._conversation_ready(conversation, now) > now:
                    continue  # another request to it went first; wait for it again
                # evenly spaced: a little late (oversleeping, a busy event loop), the next is
                # due as if this one was on time, so small delays do not add up; much later
                # (a stall), it is spaced from now
                on_time = self._tenant_next
                at = on_time if now - on_time <= self.interval / 2 else now
                self._tenant_next = at + self.interval
                self._tenant_flying += 1
                if conversation:
                    self._flying[conversation] = self._flying.get(conversation, 0) + 1
                return now - started

    def landed(self, conversation: str | None) -> None:
        """The request `wait` let go to `conversation` has had its answer, or failed: it
        counts for each window from now."""
        now = self.monotonic()
        self._tenant_flying -= 1
        self._tenant.append(now)
        if conversation:
            flying = self._flying.pop(conversation, 0) - 1
            if flying > 0:
                self._flying[conversation] = flying
            self._history(conversation, now).append(now)
        self._landing.set()
        self._landing = asyncio.Event()

    async def _until(self, when: float, now: float) -> None:
        """Sleep until `when`; never (math.inf): until a request in flight lands."""
        if when == math.inf:
            await self._landing.wait()
        else:
            await self.sleep(when - now)

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
        if window is not None:
            due = max(due, _window_opens(self._tenant, self._tenant_flying, window, 0.0))
        return due

    def _conversation_ready(self, conversation: str, now: float) -> float:
        """The earliest time at or after `now` when one more send keeps every window."""
        ready = max(now, self._held.get(conversation, now))
        sent = self._sent.get(conversation, _NONE)
        flying = self._flying.get(conversation, 0)
        for window in self.windows:
            ready = max(ready, _window_opens(sent, flying, window, self.margin))
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
        for conversation, sent in list(self._sent.items()):
            if sent[-1] + longest <= now and conversation not in self._flying:
                del self._sent[conversation]
        for conversation in [c for c, until in self._held.items() if until <= now]:
            del self._held[conversation]


_NONE: deque[float] = deque()


def _window_opens(landed: deque[float], flying: int, window: Window, margin: float) -> float:
    """When one more request fits `window`, given when the latest requests `landed` and how
    many are still in flight (each counts until a window after it lands): -inf if it fits now,
    math.inf when only a landing can make room."""
    room = window.count - flying
    if room <= 0:
        return math.inf
    if len(landed) < room:
        return -math.inf
    return landed[-room] + window.seconds + margin
