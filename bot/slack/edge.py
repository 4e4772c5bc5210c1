"""The Slack edge on qabot's web server: POST /slack/events, checked, acknowledged, translated.

Every request's signature is checked here (a 5-minute window on qabot's clock; a forged,
stale or non-numeric timestamp gets 401, never 500) before Bolt sees it. Each listener
acknowledges first and does the slow work afterwards, except a modal submission, which is
answered with its problems shown against the field and nothing stored.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp, AsyncRespond
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import inbound
from bot.slack.directory import Directory
from bot.slack.forms import field_errors, modal_for
from handlers.core.router import Inbound, Reply
from scheduler.clock import Clock
from storage import Sessions
from storage import platform_refs as refs

log = logging.getLogger(__name__)

PATH = "/slack/events"
MAX_BODY = 1024 * 1024
NOT_ON_ROSTER = (
    "I can't find you on qabot's roster yet, so there's nothing I can do for you here. "
    "Your QA team can add you."
)

Route = Callable[[Inbound], Awaitable[Reply | None]]
Deliver = Callable[[], Awaitable[object]]


class _EpochClock:
    """qabot's clock as slack_sdk's signature verifier reads time: seconds since the epoch."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def now(self) -> float:
        return self._clock.now().timestamp()


class SlackEdge:
    """Bolt's AsyncApp behind qabot's own request check, with one listener per kind of payload.

    `route` handles one event in the database (no delivery); `deliver` sends what it queued.
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
    ) -> None:
        self.client = client
        self._verifier = SignatureVerifier(signing_secret, clock=_EpochClock(clock))  # type: ignore[arg-type]
        self._directory = directory
        self._sessions = sessions
        self._route = route
        self._deliver = deliver
        self._tasks: set[asyncio.Task[None]] = set()
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

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post(PATH, self.events)

    async def events(self, request: web.Request) -> web.StreamResponse:
        """Check the request is Slack's and fresh, then let Bolt dispatch it."""
        if (request.content_length or 0) > MAX_BODY:
            return web.Response(status=413, text="too large")
        body = await request.read()
        if len(body) > MAX_BODY or not self._is_signed(request, body):
            return web.Response(status=401, text="invalid request")
        bolt_request = AsyncBoltRequest(
            body=body.decode("utf-8", errors="replace"),
            query=request.query_string,
            headers=dict(request.headers),
        )
        return await to_aiohttp_response(await self.app.async_dispatch(bolt_request))

    def _is_signed(self, request: web.Request, body: bytes) -> bool:
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
            return False
        return self._verifier.is_valid(body, timestamp, signature)

    async def settle(self) -> None:
        """Wait for the work handed on after acknowledgements (tests and shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def later(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` after the acknowledgement has gone; its failure is logged, once."""
        task = asyncio.create_task(self._logged(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _logged(self, work: Coroutine[Any, Any, None]) -> None:
        try:
            await work
        except Exception as error:
            log.error("slack work after acknowledgement failed: %s", type(error).__name__)

    async def _handle(self, event: Inbound) -> None:
        await self._route(event)
        await self._deliver()

    # listeners

    async def _on_action(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        self.later(self._act(body))

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
            await self._handle(event)

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
        self.later(self._delivered())

    async def _delivered(self) -> None:
        await self._deliver()

    async def _on_command(self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        staff_id = await self._directory.staff_id(str(body.get("user_id", "")))
        if staff_id is None:
            await ack(text=NOT_ON_ROSTER)
            return
        await ack()
        event_id = f"command:{body.get('trigger_id', '')}"
        text, channel = str(body.get("text", "")), inbound.command_channel(body)
        self.later(self._handle(inbound.text_event(event_id, staff_id, text, channel)))

    async def _on_message(self, body: dict[str, Any]) -> None:
        event = body.get("event") or {}
        if not inbound.is_person_dm(event):
            return
        self.later(self._dm(str(body.get("event_id", "")), event))

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
        return reply.message.text or reply.message.fallback
    return None


def _first_input(body: dict[str, Any], text: str) -> dict[str, str]:
    values = body.get("view", {}).get("state", {}).get("values", {})
    return {next(iter(values)): text} if values else {}
