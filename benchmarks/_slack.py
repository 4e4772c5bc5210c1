"""What the Slack benchmarks share: the Web API stand-in the Slack tests use (tests/support),
and scaled time, on which a benchmark keeps and enforces Slack's per-minute limits faster than
the wall clock."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

SUPPORT = Path(__file__).resolve().parents[1] / "tests" / "support"
SHARED = Path(__file__).resolve().parents[2] / "shared"


def stand_in_module() -> object:
    """tests/support/slack_api_standin, importable from a benchmark."""
    if str(SUPPORT) not in sys.path:
        sys.path.insert(0, str(SUPPORT))
    import slack_api_standin  # type: ignore[import-not-found]

    return slack_api_standin


class ScaledTime:
    """Monotonic time running `scale` times faster than the wall clock, and a sleep on it."""

    def __init__(self, scale: float) -> None:
        self.scale = scale
        self._start = time.monotonic()

    def monotonic(self) -> float:
        return (time.monotonic() - self._start) * self.scale

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds / self.scale)
