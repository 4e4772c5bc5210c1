"""The Slack edge on qabot's web server: POST /slack/events, checked, acknowledged, translated.

Every request's signature is checked here (a 5-minute window on qabot's clock; a forged,
stale or non-numeric timestamp gets 401, never 500) before Bolt sees it. Each listener
acknowledges first and hands the slow work on to the process's background queue
(scheduler/background.py: a few workers, so a burst of clicks never crowds out the next
acknowledgements), except a modal submission, which is answered with its problems shown against
the field and nothing stored. Delivery after the work is asked for, not waited for: one pass at
a time delivers what every click meanwhile queued.

The same listeners serve Socket Mode (bot/slack/socket_mode.py), where Slack's WebSocket needs
no signature. Either way an Events API delivery Slack retries (X-Slack-Retry-Num, or a Socket
Mode envelope's retry_attempt) whose event id was already received is acknowledged at once and
nothing more is done; the database's own event-id check stops any other repeat.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp, AsyncRespond
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import inbound
from bot.slack.directory import Directory
from bot.slack.forms import field_errors, modal_for
from bot.slack.home import HomeTab
from bot.slack.platform import join_channel
from handlers.core.router import Inbound, Reply, command_name
from message_templates.markup import to_plain
from scheduler.background import Background, Work
from scheduler.clock import Clock
from storage import Sessions
from storage import platform_refs as refs
from storage.channels import bindings

log = logging.getLogger(__name__)

PATH = "/slack/events"
MAX_BODY = 1024 * 1024
NOT_ON_ROSTER = (
    "I can't find you on qabot's roster yet, so there's nothing I can do for you here. "
    "Your QA team can add you."
)
INVITE = (
    "This channel is private, so I can't join it myself. Type /invite @qabot here and I'll "
    "post in it from then on."
)
SEEN_EVENTS = 10_000  # event ids remembered to recognise Slack's retries
NO_RETRY = {"X-Slack-No-Retry": "1"}

Route = Callable[[Inbound], Awaitable[Reply | None]]
Deliver = Callable[[], None]


class _EpochClock:
    """qabot's clock as slack_sdk's signature verifier reads time: seconds since the epoch."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def now(self) -> float:
        return self._clock.now().timestamp()


class SlackEdge:
    """Bolt's AsyncApp behind qabot's own request check, with one listener per kind of payload.

    `route` handles one event in the database (no delivery); `deliver` asks for a delivery
    pass soon, to send what it queued; `background` runs the work after acknowledgements.
    """

    def __init__(
        self,
        *,
        client: AsyncWebClient,
        signing_secret: str,
        directory: Directory,
        sessions: Sessions,
        clock: Clock,
        route: Route,
        deliver: Deliver,
        background: Background,
        home: HomeTab | None = None,
    ) -> None:
        self.client = client
        self.home = home
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._verifier = SignatureVerifier(signing_secret, clock=_EpochClock(clock))  # type: ignore[arg-type]
        self._directory = directory
        self._sessions = sessions
        self._route = route
        self._deliver = deliver
        self._background = background
        # events are routed one at a time: on SQLite each is a write, and writers queue anyway
        self._routing = asyncio.Lock()
        self.app = AsyncApp(
            client=client,
            signing_secret=signing_secret,
            request_verification_enabled=False,  # checked in `events`, on qabot's clock
            process_before_response=True,  # listeners ack at once and hand slow work to `later`
            logger=logging.getLogger("bot.slack.bolt"),
        )
        self.app.action(re.compile(".+"))(self._on_action)
        self.app.view_submission(re.compile(".+"))(self._on_submission)
        self.app.command("/qa")(self._on_command)
        self.app.event("message")(self._on_message)
        self.app.event("app_home_opened")(self._on_home_opened)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post(PATH, self.events)

    async def events(self, request: web.Request) -> web.StreamResponse:
        """Check the request is Slack's and fresh, then let Bolt dispatch it."""
        if (request.content_length or 0) > MAX_BODY:
            return web.Response(status=413, text="too large")
        body = await request.read()
        if len(body) > MAX_BODY or not self._is_signed(request, body):
            return web.Response(status=401, text="invalid request")
        text = body.decode("utf-8", errors="replace")
        if request.content_type == "application/json":
            retry = request.headers.get("X-Slack-Retry-Num")
            if self.already_received(_event_id(text), retried=retry is not None):
                return web.Response(status=200, headers=NO_RETRY)
        bolt_request = AsyncBoltRequest(
            body=text, query=request.query_string, headers=dict(request.headers)
        )
        return await to_aiohttp_response(await self.app.async_dispatch(bolt_request))

    def already_received(self, event_id: str, *, retried: bool) -> bool:
        """Note an Events API delivery; True for a retry of one already received."""
        if not event_id:
            return False
        if event_id in self._seen:
            self._seen.move_to_end(event_id)
            if retried:
                log.info("slack retried event %s: already received", event_id)
            return retried
        self._seen[event_id] = None
        if len(self._seen) > SEEN_EVENTS:
            self._seen.popitem(last=False)
        return False

    async def dispatch(self, payload: dict[str, Any], retry_attempt: int | None) -> BoltResponse:
        """One Socket Mode envelope's payload through the same listeners as HTTP."""
        if payload.get("type") == "event_callback" and self.already_received(
            str(payload.get("event_id") or ""), retried=retry_attempt is not None
        ):
            return BoltResponse(status=200, body="")
        headers: dict[str, str | Sequence[str]] = (
            {"x-slack-retry-num": str(retry_attempt)} if retry_attempt is not None else {}
        )
        request = AsyncBoltRequest(mode="socket_mode", body=payload, headers=headers)
        return await self.app.async_dispatch(request)

    def _is_signed(self, request: web.Request, body: bytes) -> bool:
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
            return False
        return self._verifier.is_valid(body, timestamp, signature)

    async def settle(self) -> None:
        """Wait for the work handed on after acknowledgements, the deliveries it asked for and
        the Home tabs it refreshes (anything that must see it done, and shutdown)."""
        while True:
            await self._background.idle()
            if self.home is not None:
                await self.home.settle()
            if not self._background.pending:
                return

    def later(self, work: Work) -> None:
        """Run `work` after the acknowledgement has gone; its failure is logged, once."""
        self._background.submit("slack work after acknowledgement", work)

    async def _handle(self, event: Inbound, trigger_id: str = "") -> None:
        """Route the event, then deliver; a click in the Home tab whose answer is a form opens
        that form as a modal at once (its `trigger_id` lasts 3 seconds), as well as in the DM."""
        async with self._routing:
            reply = await self._route(event)
        message = reply.message if reply is not None else None
        if trigger_id and message is not None and message.form is not None:
            key = f"reply:{inbound.PLATFORM}:{event.event_id}"
            view = modal_for(message.to_dict(), key)
            if view is not None:
                await self.client.views_open(trigger_id=trigger_id, view=view)
        self._deliver()
        if self.home is not None:
            self.home.changed(event.staff_id)

    # listeners

    async def _on_action(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        self.later(partial(self._act, body))

    async def _act(self, body: dict[str, Any]) -> None:
        user_id = str(body["user"]["id"])
        staff_id = await self._directory.staff_id(user_id)
        if staff_id is None:
            await self._tell_stranger(user_id)
            return
        source_key = await self._source_key(body)
        opener = inbound.form_opener(body)
        if opener is not None:
            await self._open_form(body, source_key)
            return
        event = inbound.action_event(body, staff_id, source_key)
        if event is not None:
            from_home = (body.get("container") or {}).get("type") == "view"
            await self._handle(event, str(body.get("trigger_id") or "") if from_home else "")

    async def _open_form(self, body: dict[str, Any], source_key: str) -> None:
        async with self._sessions() as session:
            payload = await refs.sent_payload(session, source_key) if source_key else None
        view = modal_for(payload, source_key)
        if view is None:
            log.warning("a form button's message could not be found")
            return
        await self.client.views_open(trigger_id=str(body["trigger_id"]), view=view)

    async def _source_key(self, body: dict[str, Any]) -> str:
        container = body.get("container") or {}
        channel = str(container.get("channel_id") or (body.get("channel") or {}).get("id") or "")
        ts = str(container.get("message_ts") or "")
        if not channel or not ts:
            return ""
        async with self._sessions() as session:
            return await refs.sent_key(session, inbound.PLATFORM, channel, ts) or ""

    async def _on_submission(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        staff_id = await self._directory.staff_id(str(body["user"]["id"]))
        if staff_id is None:
            await ack(response_action="errors", errors=_first_input(body, NOT_ON_ROSTER))
            return
        event = inbound.submission_event(body, staff_id)
        async with self._sessions() as session:
            payload = await refs.sent_payload(session, event.source_key)
        reply = await self._route(event)
        returned = _returned_form(reply)
        if returned:
            await ack(response_action="errors", errors=returned)
            return
        problem = _problem(reply)
        if problem is not None:
            await ack(response_action="errors", errors=field_errors(payload, event, problem))
            return
        await ack()
        self._deliver()
        if self.home is not None:
            self.home.changed(staff_id)

    async def _on_command(self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        staff_id = await self._directory.staff_id(str(body.get("user_id", "")))
        if staff_id is None:
            await ack(text=NOT_ON_ROSTER)
            return
        await ack()
        event_id = f"command:{body.get('trigger_id', '')}"
        text, channel = str(body.get("text", "")), inbound.command_channel(body)
        event = inbound.text_event(event_id, staff_id, text, channel)
        self.later(partial(self._command, event, respond))

    async def _command(self, event: Inbound, respond: AsyncRespond) -> None:
        await self._handle(event)
        if event.channel and command_name(event.text) == "post":
            await self._join_if_bound(event.channel, respond)

    async def _join_if_bound(self, channel: str, respond: AsyncRespond) -> None:
        """qabot joins a public channel it was just bound to; a private one must invite it."""
        async with self._sessions() as session:
            bound = any(
                b.platform == inbound.PLATFORM and b.channel_id == channel
                for b in await bindings(session)
            )
        if bound and not await join_channel(self.client, channel):
            await respond(text=INVITE, response_type="ephemeral")

    async def _on_home_opened(self, body: dict[str, Any]) -> None:
        event = body.get("event") or {}
        if self.home is not None and event.get("tab", "home") == "home" and event.get("user"):
            self.later(partial(self.home.opened, str(event["user"])))

    async def _on_message(self, body: dict[str, Any]) -> None:
        event = body.get("event") or {}
        if not inbound.is_person_dm(event):
            return
        self.later(partial(self._dm, str(body.get("event_id", "")), event))

    async def _dm(self, event_id: str, event: dict[str, Any]) -> None:
        staff_id = await self._directory.staff_id(str(event["user"]))
        if staff_id is None:
            await self.client.chat_postMessage(channel=str(event["channel"]), text=NOT_ON_ROSTER)
            return
        await self._handle(inbound.text_event(event_id, staff_id, str(event.get("text", ""))))

    async def _tell_stranger(self, user_id: str) -> None:
        opened = await self.client.conversations_open(users=user_id)
        await self.client.chat_postMessage(channel=str(opened["channel"]["id"]), text=NOT_ON_ROSTER)


def _returned_form(reply: Reply | None) -> dict[str, str]:
    """A form that came back with problems: each beside its field (the block id is the
    field's id), every one at once; Slack keeps what was typed in the modal."""
    returned = reply.update or reply.message if reply is not None else None
    if returned is None or returned.form is None:
        return {}
    return {f.id[:255]: f.error for f in returned.form.fields if f.error}


def _problem(reply: Reply | None) -> str | None:
    if reply is not None and reply.message is not None and reply.message.kind == "user_error":
        # a modal's error is plain text: the message's markdown-light read as words
        return to_plain(reply.message.text) if reply.message.text else reply.message.fallback
    return None


def _first_input(body: dict[str, Any], text: str) -> dict[str, str]:
    values = body.get("view", {}).get("state", {}).get("values", {})
    return {next(iter(values)): text} if values else {}


def _event_id(text: str) -> str:
    """An Events API body's event id, or "" for anything else."""
    try:
        payload = json.loads(text)
    except ValueError:
        return ""
    return str(payload.get("event_id") or "") if isinstance(payload, dict) else ""
