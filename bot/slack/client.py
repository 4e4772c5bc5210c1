"""The Slack Web API client qabot uses, pointed at Slack, GovSlack or a local stand-in, and paced
to Slack's published limits so qabot does not provoke a 429.

Each method is paced to its tier (Tier 3, about 50 a minute, for `conversations.open`,
`users.lookupByEmail` and `conversations.join`; Tier 4, about 100 a minute, for `views.*` and
`users.info`), and `chat.postMessage` / `chat.update` to about one a second per channel. A 429
holds that method (or channel) for its Retry-After and a 5xx backs it off, exponentially; the
error still reaches the caller, whose own retry (the dispatcher's, say) then finds the way clear.

Besides the even spacing, each method keeps a record of its calls over the last minute (each
channel, the last second) and never makes one more than Slack allows in that window, less one
call to spare. A call counts from when it goes until a full window after its answer, as Slack
may have seen it at any moment in between: a late wake-up, a busy machine or a slow network
can then never add up to a 429.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from scheduler.ratelimit import Limit, TokenBucket

SLACK_API_URL = "https://slack.com/api/"
# a little under each tier's published rate, so every 60-second window stays within it
HEADROOM = 0.98
TIER_2, TIER_3, TIER_4 = 20 / 60, 50 / 60, 100 / 60
METHOD_TIERS: Mapping[str, float] = {
    "conversations.open": TIER_3,
    "users.lookupByEmail": TIER_3,
    "conversations.join": TIER_3,
    "conversations.info": TIER_3,
    "users.info": TIER_4,
    "views.open": TIER_4,
    "views.publish": TIER_4,
    "views.update": TIER_4,
    "views.push": TIER_4,
    "apps.connections.open": 1 / 60,
}
PER_CHANNEL = frozenset({"chat.postMessage", "chat.update", "chat.postEphemeral"})
CHANNEL_RATE = 1.0  # about one message a second in any one conversation
DEFAULT_RETRY_AFTER = 30.0
BACKOFF_BASE, BACKOFF_CAP = 1.0, 60.0
MAX_CHANNELS = 10_000  # channels remembered before the idle ones are forgotten

Sleep = Callable[[float], Awaitable[None]]


class Pacer:
    """Token buckets per method tier and per channel, on an injectable clock and sleep."""

    def __init__(
        self,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        headroom: float = HEADROOM,
    ) -> None:
        self.monotonic = monotonic
        self.sleep = sleep
        self._headroom = headroom
        self._buckets: dict[str, TokenBucket] = {}
        self._holds: dict[str, float] = {}
        self._failures: dict[str, int] = {}
        self._recent: dict[str, deque[float]] = defaultdict(deque)  # calls answered, by key
        self._flying: dict[str, int] = {}  # calls gone out and not yet answered, by key
        self._landings: dict[str, asyncio.Event] = {}  # set when a call under the key lands

    def key(self, method: str, args: Mapping[str, Any]) -> str | None:
        """What a call is paced by: its method's tier, or its channel; None when unpaced."""
        if method in PER_CHANNEL:
            return f"channel:{args.get('channel', '')}"
        return method if method in METHOD_TIERS else None

    def _rate(self, key: str) -> float:
        per_second = CHANNEL_RATE if key.startswith("channel:") else METHOD_TIERS[key]
        return per_second * self._headroom

    async def wait(self, key: str) -> float:
        """Wait until one more call under `key` is within Slack's limit; the seconds waited."""
        now = self.monotonic()
        start = max(now, self._holds.get(key, now))
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= MAX_CHANNELS:
                self._forget_idle(now)
            bucket = self._buckets[key] = TokenBucket(Limit(self._rate(key)), start)
        wait = start - now + bucket.reserve(start)
        if wait > 0:
            await self.sleep(wait)
        return wait + await self._within_window(key)

    async def _within_window(self, key: str) -> float:
        """Wait until one more call fits in the key's window, and count it as going out.

        A call counts from when it goes until a window after its answer came (`landed`): Slack
        saw it somewhere in between, so however late it got there (a busy machine, a slow
        network), no window of Slack's can hold more calls than this one allows."""
        if key.startswith("channel:"):
            most, seconds = 1, 1.0
        else:
            most, seconds = max(1, round(METHOD_TIERS[key] * 60) - 1), 60.0
        recent = self._recent[key]
        waited = 0.0
        while True:
            now = self.monotonic()
            while recent and recent[0] <= now - seconds:
                recent.popleft()
            if len(recent) + self._flying.get(key, 0) < most:
                self._flying[key] = self._flying.get(key, 0) + 1
                return waited
            if not recent:  # every call the window allows is still out: wait for an answer
                landing = self._landings.setdefault(key, asyncio.Event())
                await landing.wait()
                continue
            pause = recent[0] + seconds - now + 0.001
            waited += pause
            await self.sleep(pause)

    def landed(self, key: str) -> None:
        """A call under `key` has had its answer (or failed): it counts for a window from now."""
        flying = self._flying.get(key, 0) - 1
        if flying > 0:
            self._flying[key] = flying
        else:
            self._flying.pop(key, None)
        self._recent[key].append(self.monotonic())
        landing = self._landings.pop(key, None)
        if landing is not None:
            landing.set()

    def _forget_idle(self, now: float) -> None:
        """Drop channels with nothing in the last second: to the pacer they are as new."""
        for key in [k for k in self._buckets if k.startswith("channel:")]:
            recent = self._recent.get(key)
            idle = not recent or recent[-1] <= now - 1.0
            if self._buckets[key].is_full(now) and idle and key not in self._flying:
                del self._buckets[key]
                self._recent.pop(key, None)
                self._holds.pop(key, None)

    def hold(self, key: str, seconds: float) -> None:
        """Make no call under `key` for `seconds`."""
        until = self.monotonic() + seconds
        self._holds[key] = max(until, self._holds.get(key, until))

    def failed(self, key: str, status: int, headers: Mapping[str, Any]) -> None:
        """A 429 holds `key` for its Retry-After; a 5xx backs it off, longer each time."""
        if status == 429:
            self.hold(key, retry_after(headers))
        elif status >= 500:
            count = self._failures[key] = self._failures.get(key, 0) + 1
            self.hold(key, min(BACKOFF_CAP, BACKOFF_BASE * 2.0 ** (count - 1)))

    def succeeded(self, key: str) -> None:
        self._failures.pop(key, None)


class PacedClient(AsyncWebClient):
    """slack_sdk's AsyncWebClient with every call paced by a `Pacer`."""

    def __init__(self, *, pacer: Pacer, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pacer = pacer

    async def api_call(self, api_method: str, **kwargs: Any) -> AsyncSlackResponse:
        args: dict[str, Any] = {**(kwargs.get("params") or {}), **(kwargs.get("json") or {})}
        data = kwargs.get("data")
        if isinstance(data, Mapping):
            args.update(data)
        key = self.pacer.key(api_method, args)
        if key is None:
            return await super().api_call(api_method, **kwargs)
        await self.pacer.wait(key)
        try:
            response = await super().api_call(api_method, **kwargs)
        except SlackApiError as error:
            self.pacer.failed(key, error.response.status_code, error.response.headers)
            raise
        finally:
            self.pacer.landed(key)
        self.pacer.succeeded(key)
        return response


def retry_after(headers: Mapping[str, Any]) -> float:
    """A 429's Retry-After in seconds (at least one), or a cautious default."""
    for name, value in headers.items():
        if name.lower() == "retry-after":
            try:
                return max(1.0, float(str(value)))
            except ValueError:
                break
    return DEFAULT_RETRY_AFTER


def make_client(
    token: str | None, api_url: str | None = None, pacer: Pacer | None = None
) -> PacedClient:
    """A paced Web API client; `api_url` (QABOT_SLACK_API_URL) replaces slack.com, e.g. for
    GovSlack. Every client qabot makes, Socket Mode's included, is built here.

    Slack's own retry-on-429 is left off: the pacer and the dispatcher wait out Retry-After.
    """
    base = api_url or SLACK_API_URL
    return PacedClient(
        pacer=pacer or Pacer(),
        token=token,
        base_url=base if base.endswith("/") else base + "/",
    )
