"""`qabot run`: the web server, scheduler and dispatcher in one process."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from collections.abc import Mapping

from aiohttp import web

from bot.app import DEMO_PEOPLE, Qabot, build, start, stop
from bot.settings import Settings, load_settings
from handlers.errors import UserError
from handlers.roster.demo import load_demo_council
from storage import upgrade
from storage.people import count_people

log = logging.getLogger(__name__)
# Loggers that say at INFO what happens on every sweep or page view: kept to warnings, so
# the log tells what qabot did (a round allocated, messages sent) and the address stays in view.
QUIET_LOGGERS = ("apscheduler", "aiohttp.access")


DISPATCHER_LOGGER = "scheduler.dispatcher"
TALLY_SECONDS = 60.0


class DeliveryTally(logging.Filter):
    """Counts the dispatcher's line for each delivered message instead of letting it through;
    `summary` says how many went since it last spoke. Warnings and errors pass untouched."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.INFO and str(record.msg).startswith("delivered "):
            self.count += 1
            return False
        return True

    def summary(self) -> str | None:
        count, self.count = self.count, 0
        if not count:
            return None
        return f"delivered {count} message{'s' if count != 1 else ''}"


def quieten_routine_logs() -> DeliveryTally:
    """Keep the sweep and page-view loggers to warnings and tally deliveries instead."""
    for name in QUIET_LOGGERS:
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.WARNING:
            logger.setLevel(logging.WARNING)
    tally = DeliveryTally()
    logging.getLogger(DISPATCHER_LOGGER).addFilter(tally)
    return tally


async def _report_deliveries(tally: DeliveryTally) -> None:
    """Once a minute, a line saying how many messages went, if any did."""
    while True:
        await asyncio.sleep(TALLY_SECONDS)
        line = tally.summary()
        if line is not None:
            log.info("%s", line)


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    run = subparsers.add_parser(
        "run",
        help="serve qabot: web server, scheduler and dispatcher",
        description="With no platform credentials this starts the local sandbox on SQLite, "
        "loading a demo council into an empty database.",
    )
    run.add_argument("--no-demo", action="store_true", help="never load the demo council")
    run.add_argument(
        "--start",
        metavar="WHEN",
        help="start the sandbox's clock at WHEN, e.g. 2027-01-11 (08:00) or 2027-01-11T09:00, "
        "UK time unless an offset is given; it runs on from there (QABOT_SANDBOX_START)",
    )
    run.set_defaults(handler=run_server)


def run_server(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    if args.start is not None:
        env = {**env, "QABOT_SANDBOX_START": args.start}
    settings = load_settings(env)
    verbose = logging.getLogger().isEnabledFor(logging.DEBUG)
    tally = None if verbose else quieten_routine_logs()  # --verbose keeps every line
    upgrade(settings.database_url)
    asyncio.run(serve(settings, demo=not args.no_demo, tally=tally))
    return 0


async def serve(settings: Settings, *, demo: bool, tally: DeliveryTally | None = None) -> None:
    """Serve until SIGINT or SIGTERM, then shut down cleanly."""
    qabot = build(settings)
    resumed = await qabot.resume_clock() if "sandbox" in settings.platforms else None
    if demo and "sandbox" in settings.platforms:
        await _load_demo_if_empty(qabot)
    runner = web.AppRunner(qabot.web, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port)
    try:
        await site.start()
    except OSError as error:
        await runner.cleanup()
        await qabot.engine.dispose()
        raise UserError(
            f"cannot listen on {settings.host}:{settings.port} ({error.strerror}); "
            "set QABOT_PORT to a free port"
        ) from error
    await start(qabot)
    done = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, done.set)
    base = f"http://{settings.host}:{settings.port}"
    print(f"qabot: serving {', '.join(settings.platforms)} at {base} (Ctrl-C stops)", flush=True)
    if "sandbox" in settings.platforms:
        if resumed is not None:  # a restart carries on from where the clock had got to
            local = resumed.astimezone(qabot.deps.calendar.zone)
            print(f"qabot: the sandbox's clock carries on from {local:%a %d %b %Y %H:%M} "
                  "(Start afresh on the people page goes back to today)", flush=True)  # fmt: skip
        elif settings.sandbox_start is not None:
            local = settings.sandbox_start.astimezone(qabot.deps.calendar.zone)
            print(f"qabot: the sandbox's clock starts at {local:%a %d %b %Y %H:%M}", flush=True)
        # the last line of start-up, so the address is the one thing left in view
        print(f"qabot: the sandbox is at {base}/sandbox", flush=True)
    reporter = asyncio.create_task(_report_deliveries(tally)) if tally is not None else None
    try:
        await done.wait()
    finally:
        if reporter is not None:
            reporter.cancel()
        print("qabot: stopping", flush=True)
        await site.stop()  # no new requests while the work handed on after answers finishes
        await stop(qabot)
        await runner.cleanup()


async def _load_demo_if_empty(qabot: Qabot) -> None:
    async with qabot.deps.sessions() as session:
        empty = await count_people(session) == 0
    if empty:
        summary = await load_demo_council(
            qabot.deps.sessions, people=DEMO_PEOPLE, seed=1, now=qabot.deps.clock.now()
        )
        changes = summary.changes
        print(
            f"qabot: the database was empty, so a demo council was loaded: "
            f"{changes.people_added} people and {changes.cases_added} cases",
            flush=True,
        )
