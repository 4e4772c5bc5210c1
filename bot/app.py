"""The composition root: engine -> repositories -> router -> platforms -> scheduler -> web app."""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.sandbox.cards import CardView
from bot.sandbox.clock import MovableClock
from bot.sandbox.platform import SandboxPlatform
from bot.sandbox.web import SandboxSite
from bot.settings import SANDBOX_MORNING, SANDBOX_ZONE, Settings
from bot.slack import Slack, SlackEdge, SlackPlatform, edge_for
from bot.slack.client import Pacer
from bot.slack.socket_mode import SocketMode
from bot.slack.wiring import socket_mode_for
from bot.teams import TeamsEndpoint, TeamsPlatform, teams_card
from bot.web import add_service_routes
from handlers.capabilities import build_router, jobs
from handlers.core.calendar import Calendar
from handlers.core.deps import Deps
from handlers.core.inbound import handle_event
from handlers.core.router import Inbound, Reply, Router
from handlers.errors import UserError
from handlers.home.basics import SHOW_MY_QA
from handlers.programme.schema import Programme, load_programme
from handlers.roster.demo import load_demo_council
from message_templates.model import Message
from message_templates.wording import Wording
from scheduler.background import GRACE, Background
from scheduler.clock import Clock, SystemClock
from scheduler.dispatcher import Dispatcher, DispatchPolicy, Platform
from scheduler.jobs import Sweeps, build_scheduler, drain_outbox
from scheduler.ratelimit import RateLimiter
from storage import after_answers, make_engine, make_sessions
from storage.sandbox import clear_everything
from storage.sandbox import clock_at as sandbox_clock_at

log = logging.getLogger(__name__)
DEMO_PEOPLE = 120  # the demo council `qabot run` loads into an empty sandbox


@dataclass
class Qabot:
    """Everything one qabot process runs, built by `build`."""

    deps: Deps
    engine: AsyncEngine
    router: Router
    dispatcher: Dispatcher
    sweeps: Sweeps
    web: web.Application
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    scheduler: AsyncIOScheduler | None = None
    delivery: asyncio.Task[None] | None = None
    slack: SlackEdge | None = None
    socket_mode: SocketMode | None = None
    background: Background = field(default_factory=Background)
    _pass_asked: bool = False

    def now(self) -> dt.datetime:
        return self.deps.clock.now()

    async def move_on(self, week: bool) -> None:
        """Sandbox only: jump to the next working morning (or a week on) and run what is due."""
        clock = self.deps.clock
        if not isinstance(clock, MovableClock):
            raise RuntimeError("only the sandbox's clock can be moved")
        calendar = self.deps.calendar
        now = clock.now()
        day = calendar.local_date(now)
        if week or now >= calendar.day_starts_at(day):
            day += dt.timedelta(days=7 if week else 1)
        clock.jump_to(calendar.day_starts_at(calendar.next_working_day(day)))
        await self.sweeps.run(clock.now())
        await drain_outbox(self.dispatcher, clock)

    async def deliver(self) -> None:
        """A delivery pass now, so what the sandbox just queued shows at once."""
        self.dispatcher.notify()
        await self.dispatcher.run_once(self.deps.clock.now())

    async def afresh(self) -> None:
        """Sandbox only: every row cleared, the demo council loaded again and the clock back to
        this morning (08:00, UK time, today by the machine's clock)."""
        clock = self.deps.clock
        if not isinstance(clock, MovableClock):
            raise RuntimeError("only the sandbox starts afresh")
        async with self.deps.sessions.begin() as session:
            await clear_everything(session)
        clock.restart_today(SANDBOX_ZONE, SANDBOX_MORNING)
        await load_demo_council(self.deps.sessions, people=DEMO_PEOPLE, seed=1, now=clock.now())
        log.info("the sandbox started afresh with the demo council")

    async def resume_clock(self) -> dt.datetime | None:
        """Sandbox only: carry on from where the clock had got to before a restart; the moment
        it carries on from, when that is later than it would start."""
        clock = self.deps.clock
        if not isinstance(clock, MovableClock):
            return None
        async with self.deps.sessions() as session:
            kept = await sandbox_clock_at(session)
        if kept is None or kept <= clock.now():
            return None
        return clock.jump_to(kept)

    async def handle(self, event: Inbound) -> Reply | None:
        """One inbound event, then an immediate delivery pass: the sandbox's page shows the
        replies as soon as it is answered."""
        reply = await handle_event(self.deps, self.router, event)
        self.dispatcher.notify()
        await self.dispatcher.run_once(self.deps.clock.now())
        return reply

    async def take(self, event: Inbound) -> Reply | None:
        """One inbound event from Teams or Slack: recorded and its reply queued now, so the
        edge can answer with it; delivered after the answer has gone (`deliver_soon`)."""
        reply = await handle_event(self.deps, self.router, event)
        self.deliver_soon()
        return reply

    def deliver_soon(self) -> None:
        """A delivery pass in the background, after the answer: one pass asked for and not
        yet started (or under way: `Dispatcher.deliver_due`) takes what was just queued too,
        so a burst of clicks makes a few passes, not one each."""
        if not self._pass_asked:
            self._pass_asked = True
            self.background.submit("delivery pass", self._deliver_pass)

    async def _deliver_pass(self) -> None:
        self._pass_asked = False
        await self.dispatcher.deliver_due()

    async def idle(self) -> None:
        """Wait until the work handed on after answers is done: Slack's work after its
        acknowledgements, the delivery passes asked for, and what those hand on in turn."""
        while True:
            if self.slack is not None:
                await self.slack.settle()
            await self.background.idle()
            if not self.background.pending:
                return


def build(settings: Settings, clock: Clock | None = None, pace: Pace | None = None) -> Qabot:
    """Wire qabot together from settings; nothing starts until `start`. `pace` gives the
    monotonic clock and sleep that rate limits are kept on (real time unless given)."""
    programme = load_programme(settings.programme)
    engine = make_engine(settings.database_url)
    sessions = make_sessions(engine)
    if clock is None:
        sandbox = "sandbox" in settings.platforms
        clock = MovableClock(start=settings.sandbox_start) if sandbox else SystemClock()
    wording = Wording(settings.templates_dir)
    deps = Deps(
        sessions=sessions,
        wording=wording,
        clock=clock,
        programme=programme,
        calendar=calendar_for(programme),
        platforms=settings.platforms,
        case_link=settings.case_link,
        qa_channel=programme.qa_channel,
    )
    router = build_router(deps)
    # a parked message is reported in the QA team's channel on the first configured platform
    qa_platform = settings.platforms[0]
    policy = DispatchPolicy(qa_recipient=f"channel:{programme.qa_channel}", qa_platform=qa_platform)
    platforms = build_platforms(settings, deps, pace)
    limiter = RateLimiter(monotonic=pace.monotonic, sleep=pace.sleep) if pace else None
    dispatcher = Dispatcher(sessions, platforms, clock=clock, policy=policy, limiter=limiter)
    sweeps = build_sweeps(deps)
    app = web.Application(client_max_size=256 * 1024)
    qabot = Qabot(
        deps=deps, engine=engine, router=router, dispatcher=dispatcher, sweeps=sweeps, web=app
    )
    add_service_routes(app, sessions)
    if "sandbox" in settings.platforms:
        SandboxSite(sessions, qabot.handle, qabot, programme.timezone).add_routes(app)
        CardView(sessions, teams_card).add_routes(app)  # each DM as Teams would show it
    for platform in platforms:
        if isinstance(platform, TeamsPlatform):  # POST /api/messages, the one JWT-checked route
            endpoint = TeamsEndpoint(platform, qabot.take, qabot.deps, qabot.deliver_soon)
            endpoint.add_routes(app)
        if isinstance(platform, SlackPlatform):  # POST /slack/events, on the same client
            qabot.slack = slack_edge(settings, qabot, platform)
            qabot.slack.add_routes(app)
            qabot.socket_mode = socket_mode_for(qabot.slack, settings)
    return qabot


def slack_edge(settings: Settings, qabot: Qabot, platform: SlackPlatform) -> SlackEdge:
    """POST /slack/events: each event acknowledged, then handled in the database and
    delivered, on the background queue."""

    async def route(event: Inbound) -> Reply | None:
        return await handle_event(qabot.deps, qabot.router, event)

    async def my_qa(staff_id: str) -> Message | None:
        """What `my qa` says to this person now, read without recording anything."""
        event = Inbound(platform="slack", event_id="", staff_id=staff_id, kind="action",
                        name=SHOW_MY_QA)  # fmt: skip
        async with qabot.deps.sessions() as session:
            reply = await qabot.router.dispatch(session, event)
            await session.rollback()
        return reply.message

    deps = qabot.deps
    return edge_for(platform, settings, deps.sessions, deps.clock, route, qabot.deliver_soon,
                    my_qa, qabot.background)  # fmt: skip


def calendar_for(programme: Programme) -> Calendar:
    return Calendar.from_programme(programme)


# The platform edges qabot can deliver through, by name.
@dataclass(frozen=True)
class Pace:
    """The clock and sleep rate limits are kept on (a benchmark's or test's own time)."""

    monotonic: Callable[[], float]
    sleep: Callable[[float], Awaitable[None]]


def _slack(settings: Settings, deps: Deps, pace: Pace | None) -> Platform:
    pacer = Pacer(monotonic=pace.monotonic, sleep=pace.sleep) if pace else None
    return Slack(settings, deps.sessions, deps.clock, qa_recipient=f"channel:{deps.qa_channel}",
                 qa_platform=settings.platforms[0], pacer=pacer).platform  # fmt: skip


EDGES: dict[str, Callable[[Settings, Deps, Pace | None], Platform]] = {
    "sandbox": lambda _settings, _deps, _pace: SandboxPlatform(),
    "slack": _slack,
    "teams": lambda settings, deps, _pace: TeamsPlatform(settings, deps),
}


def build_platforms(settings: Settings, deps: Deps, pace: Pace | None = None) -> list[Platform]:
    """One edge per configured platform, in the configured order, for the dispatcher to send
    each outbox row through the edge its platform names."""
    missing = [name for name in settings.platforms if name not in EDGES]
    if missing:
        raise UserError(
            f"this version of qabot cannot deliver to {' or '.join(missing)} yet; "
            "set QABOT_PLATFORM=sandbox to try it locally"
        )
    return [EDGES[name](settings, deps, pace) for name in settings.platforms]


def build_sweeps(deps: Deps) -> Sweeps:
    """What the periodic sweep does: every capability's jobs, as the simulation runs them too."""
    return Sweeps(jobs(deps))


def settle_memory() -> None:
    """Once qabot is built: what start-up made (libraries, SDK models, the programme, the
    routes) lives as long as the process, so the garbage collector stops walking it
    (`gc.freeze`). Otherwise each full collection walks all of it, holding up the event loop,
    and every acknowledgement waiting on it, for 100-250 ms on a busy machine."""
    gc.collect()
    gc.freeze()


async def start(qabot: Qabot) -> None:
    """Start the scheduler's sweep and the dispatcher loop on the running event loop."""
    settle_memory()
    qabot.scheduler = build_scheduler(
        clock=qabot.deps.clock, sweeps=qabot.sweeps, timezone=qabot.deps.programme.timezone
    )
    qabot.scheduler.start()
    qabot.delivery = asyncio.create_task(_deliveries(qabot))
    if qabot.socket_mode is not None:
        await qabot.socket_mode.start()


async def _deliveries(qabot: Qabot) -> None:
    """The dispatcher's loop; its writes wait behind those of requests being answered."""
    after_answers()
    await qabot.dispatcher.run_forever(qabot.stop)


async def stop(qabot: Qabot, grace: float = GRACE) -> None:
    """Let the work handed on after answers finish (within `grace` seconds, then it is
    cancelled) and the dispatcher the message in hand; then stop the scheduler and the pool.
    Stop taking requests first (the web site), so nothing new is handed on meanwhile."""
    qabot.stop.set()
    if qabot.scheduler is not None and qabot.scheduler.running:
        qabot.scheduler.pause()  # no new sweep; the one running finishes, never cancelled
    await qabot.sweeps.idle()
    if qabot.socket_mode is not None:
        await qabot.socket_mode.stop()
    await qabot.background.close(grace)
    if qabot.slack is not None and qabot.slack.home is not None:
        await qabot.slack.home.settle()
    if qabot.delivery is not None:
        await qabot.delivery
    if qabot.scheduler is not None:
        qabot.scheduler.shutdown(wait=False)
    await qabot.engine.dispose()
