"""Token buckets per platform conversation and per tenant, so qabot never provokes a 429."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

Sleep = Callable[[float], Awaitable[None]]
MAX_IDLE_BUCKETS = 10_000


@dataclass(frozen=True)
class Limit:
    """At most `per_second` on average, with up to `burst` at once."""

    per_second: float
    burst: float = 1.0


@dataclass(frozen=True)
class PlatformLimits:
    conversation: Limit | None = None
    tenant: Limit | None = None


# Slack: about one message a second per conversation. A burst of one keeps every one-second
# window within the limit. Teams paces its own requests against its several windows
# (bot/teams/pacing.py), including the conversations and lookups the dispatcher never sees.
DEFAULT_LIMITS: Mapping[str, PlatformLimits] = {
    "slack": PlatformLimits(conversation=Limit(1.0)),
}


class TokenBucket:
    """Tokens refill at the limit's rate; taking one may go into debt, which is then waited out."""

    def __init__(self, limit: Limit, now: float) -> None:
        self.limit = limit
        self.tokens = limit.burst
        self.updated = now

    def _refill(self, now: float) -> None:
        if now > self.updated:  # a reservation after a hold may have moved `updated` ahead
            elapsed = now - self.updated
            self.tokens = min(self.limit.burst, self.tokens + elapsed * self.limit.per_second)
            self.updated = now

    def reserve(self, now: float) -> float:
        """Take a token; returns the seconds to wait before using it (0 if it was free)."""
        self._refill(now)
        self.tokens -= 1
        return max(0.0, -self.tokens / self.limit.per_second)

    def is_full(self, now: float) -> bool:
        self._refill(now)
        return self.tokens >= self.limit.burst


class RateLimiter:
    """Waits, through an injectable sleep and monotonic clock, until a send is within limits."""

    def __init__(
        self,
        limits: Mapping[str, PlatformLimits] = DEFAULT_LIMITS,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._limits = limits
        self._monotonic = monotonic
        self._sleep = sleep
        self._conversations: dict[tuple[str, str], TokenBucket] = {}
        self._tenants: dict[str, TokenBucket] = {}
        self._holds: dict[tuple[str, str], float] = {}

    async def acquire(self, platform: str, conversation: str) -> float:
        """Wait until one message may go to `conversation`; returns the seconds waited.

        Tokens are reserved before sleeping, so concurrent senders queue up rather than race.
        """
        now = self._monotonic()
        start = max(now, self._held_until(platform, conversation, now))
        buckets = self._buckets(platform, conversation, now)
        wait = start - now + max([0.0, *(bucket.reserve(start) for bucket in buckets)])
        if wait > 0:
            await self._sleep(wait)
        return wait

    def hold(self, platform: str, conversation: str, seconds: float) -> None:
        """Send nothing more to `conversation` for `seconds` (a platform's Retry-After)."""
        until = self._monotonic() + seconds
        key = (platform, conversation)
        self._holds[key] = max(until, self._holds.get(key, until))

    def _held_until(self, platform: str, conversation: str, now: float) -> float:
        until = self._holds.get((platform, conversation), now)
        if until <= now:
            self._holds.pop((platform, conversation), None)
        return until

    def _buckets(self, platform: str, conversation: str, now: float) -> list[TokenBucket]:
        limits = self._limits.get(platform, PlatformLimits())
        buckets: list[TokenBucket] = []
        if limits.conversation is not None:
            key = (platform, conversation)
            if key not in self._conversations:
                self._forget_idle(now)
                self._conversations[key] = TokenBucket(limits.conversation, now)
            buckets.append(self._conversations[key])
        if limits.tenant is not None:
            if platform not in self._tenants:
                self._tenants[platform] = TokenBucket(limits.tenant, now)
            buckets.append(self._tenants[platform])
        return buckets

    def _forget_idle(self, now: float) -> None:
        """Drop full buckets once there are many: a full bucket is the same as a new one."""
        if len(self._conversations) >= MAX_IDLE_BUCKETS:
            idle = [key for key, bucket in self._conversations.items() if bucket.is_full(now)]
            for key in idle:
                del self._conversations[key]
