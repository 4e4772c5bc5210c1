"""Fan-out of 2,000 Slack DMs (SPEC §9): qabot's dispatcher and Slack client against the Web
API stand-in enforcing Slack's limits (Tier 3 for users.lookupByEmail and conversations.open,
about one message a second per channel), on time scaled `QABOT_BENCH_SCALE` times (default
10) faster than the wall clock: about four minutes for 2,000 DMs. Much faster scales let a
busy machine's delays (tens of milliseconds of wall clock) stand for seconds of Slack's time.
Each person is found by email and their DM opened, so Tier 3 (50 a minute) is the rate
allowed. Prints the share of that rate achieved and the 429 count (targets: >= 95 %, zero).

`python -m benchmarks.slack_fanout [DMS]`; QABOT_BENCH_DMS also sets the number (default 2,000).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks._slack import ScaledTime, stand_in_module
from benchmarks.dispatch import sample
from bot.app import Pace, build
from bot.settings import Settings
from scheduler.clock import VirtualClock
from storage import upgrade
from storage.outbox import Outgoing, enqueue_many
from storage.people import PersonRecord, Roster, apply_roster

DMS = 2_000
SCALE = 10.0
TIER_3_PER_MINUTE = 50.0
TARGET_SHARE = 0.95
START = dt.datetime(2027, 1, 11, 9, 0, tzinfo=dt.UTC)


async def _run(url: str, dms: int, scale: float) -> dict[str, Any]:
    module: Any = stand_in_module()
    pace = ScaledTime(scale)
    users = {f"p{n:05d}@council.example": f"U{n:06d}" for n in range(dms)}
    stand_in = module.SlackApiStandIn(users=users, limits=pace.monotonic)
    async with module.running(stand_in):
        settings = Settings(database_url=url, platforms=("slack",), slack_bot_token="xoxb-bench",
                            slack_signing_secret="bench", slack_api_url=stand_in.url)  # fmt: skip
        clock = VirtualClock(START)
        qabot = build(settings, clock, Pace(pace.monotonic, pace.sleep))
        people = tuple(_person(n) for n in range(dms))
        async with qabot.deps.sessions.begin() as session:
            await apply_roster(session, Roster(people, ()), now=START, actor="bench")
            await enqueue_many(session, [
                Outgoing(f"bench:{n}", f"person:P{n:05d}", "slack", sample(n), START)
                for n in range(dms)
            ], now=START)  # fmt: skip
        began = pace.monotonic()
        for _ in range(dms):  # a 429 puts a message off: the clock moves on to it
            while await qabot.dispatcher.run_once(clock.now()):
                pass
            if stand_in.limited == 0 or len(_posted(stand_in)) >= dms:
                break
            clock.advance(dt.timedelta(minutes=1))
        elapsed = pace.monotonic() - began
        await qabot.engine.dispose()
    return {"elapsed": elapsed, "posted": len(_posted(stand_in)),
            "limited": stand_in.limited, "problems": len(stand_in.problems)}  # fmt: skip


def _person(n: int) -> PersonRecord:
    """Someone qabot knows by email only, so Slack must find them (users.lookupByEmail)."""
    email = f"p{n:05d}@council.example"
    return PersonRecord(f"P{n:05d}", f"Person {n}", email, "practitioner", "Team A", "Children")


def _posted(stand_in: Any) -> list[Any]:
    return [c for c in stand_in.calls if c.method == "chat.postMessage"]


def main() -> None:
    args = [a for a in sys.argv[1:] if a.isdigit()]
    dms = int(args[0]) if args else int(os.environ.get("QABOT_BENCH_DMS", DMS))
    scale = float(os.environ.get("QABOT_BENCH_SCALE", SCALE))
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade(url)
        found = asyncio.run(_run(url, dms, scale))
    minutes = found["elapsed"] / 60
    rate = (found["posted"] - 1) / minutes if minutes else float("inf")
    share = rate / TIER_3_PER_MINUTE
    print(
        f"slack fan-out: {found['posted']} of {dms} DMs (each found by email and opened) in "
        f"{minutes:.1f} Slack-minutes ({found['elapsed'] / scale:.0f} s at {scale:g}x) = "
        f"{rate:.1f} a minute of Tier 3's {TIER_3_PER_MINUTE:.0f}: share {share:.1%} "
        f"(target >= {TARGET_SHARE:.0%}, ratio {share / TARGET_SHARE:.2f}); "
        f"429s: {found['limited']} (target 0); calls the spec refused: {found['problems']}"
    )


if __name__ == "__main__":
    main()
