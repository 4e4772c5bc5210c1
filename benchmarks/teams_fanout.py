"""Fan-out of 5,000 proactive Teams DMs to 5,000 people through the dispatcher and the Teams
platform, against the loopback Bot Connector enforcing Teams' limits (50 a second across the
tenant; 7 a second, 8 in 2 s, 60 in 30 s, 1,800 an hour per conversation).

Target: at least 95 % of the tenant's rate, and no 429s. Takes about 105 s at Teams' pace.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from pathlib import Path

from benchmarks._teams import MONDAY, database_name, installed, scratch, stood_up
from bot.app import settle_memory
from message_templates.model import Button, Fact, Message
from scheduler.clock import VirtualClock
from storage.outbox import Outgoing, enqueue_many

PEOPLE = 5_000
TENANT_RATE = 50.0  # Teams' limit across the tenant, requests a second
TARGET_SHARE = 0.95


def allocation(n: int) -> Message:
    return Message(
        kind="audit_allocated",
        title="A case for you to audit",
        text="Please audit it with the worker by **Thursday 28 January**.",
        facts=(Fact("Case", f"C-{n:06d}"), Fact("Due", "Thursday 28 January")),
        buttons=(Button("Record the audit", "audit.record", str(n), "primary"),),
        fallback="A case for you to audit",
    )


async def _run(folder: Path) -> tuple[int, float, float, int, int]:
    async with stood_up(folder) as stood:
        await installed(stood.qabot, stood.connector.url, PEOPLE)
        rows = [
            Outgoing(f"bench:{n}", f"person:S{n:05d}", "teams", allocation(n), MONDAY)
            for n in range(PEOPLE)
        ]
        async with stood.qabot.deps.sessions.begin() as session:
            await enqueue_many(session, rows, now=MONDAY)
        settle_memory()  # as `qabot run` does once started
        dispatcher, clock = stood.qabot.dispatcher, stood.qabot.deps.clock
        assert isinstance(clock, VirtualClock)
        began = time.perf_counter()
        while stood.connector.accepted < PEOPLE:  # a row handed back after a 429 goes again
            clock.set(MONDAY + dt.timedelta(seconds=time.perf_counter() - began))
            if not await dispatcher.run_once(clock.now()):
                await asyncio.sleep(0.05)
        seconds = time.perf_counter() - began
        first, last = stood.connector.span
        at_connector = (stood.connector.accepted - 1) / (last - first)
        found = stood.connector
        return found.accepted, seconds, at_connector, found.refused, len(stood.idp.issued)


def main() -> None:
    with scratch() as folder:
        sent, seconds, at_connector, refused, tokens = asyncio.run(_run(Path(folder)))
    rate = sent / seconds
    share = rate / TENANT_RATE
    print(
        f"teams fan-out ({database_name()}, stand-in enforcing Teams' limits): {sent} DMs to "
        f"{PEOPLE} "
        f"people in {seconds:.1f} s = {rate:.1f}/s, {share:.1%} of the tenant's "
        f"{TENANT_RATE:.0f}/s (target >= {TARGET_SHARE:.0%}, ratio {share / TARGET_SHARE:.2f}); "
        f"between the connector's first and last request {at_connector:.1f}/s "
        f"({at_connector / TENANT_RATE:.1%}); 429s: {refused} (target 0); "
        f"app tokens fetched: {tokens}"
    )


if __name__ == "__main__":
    main()
