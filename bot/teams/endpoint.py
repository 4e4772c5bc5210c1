"""POST /api/messages: the only route under the Bot Connector's JWT check (the SDK's validator,
mounted on this route alone rather than as middleware over /healthz, /metrics and Slack's).

Order of checks: the bearer token (401), the body's size (413), the activity's shape (400: the
SDK alone would answer 500 to JSON that is not an activity), the token's `serviceurl` against
the activity's (401); then the SDK's `CloudAdapter` (bot/teams/hosting.py), whose host validator
refuses a service URL that is not one of Teams' connectors (401) before anything is called. A
refusal logs its reason only, never the body or the token. Then the SDK runs the turn and qabot
handles the activity: a message as text, a card action as an action or form (the SDK's invoke
response carrying the refreshed card), an install by storing the conversation and greeting the
person.

Each activity is recorded, and what it changes queued in the outbox, before it is answered; the
delivery of the rest (replies, DMs to others, channel posts) goes after the answer, in the
background, paced to Teams' limits. An invoke is answered as soon as it is recorded, so it stays
well inside Teams' time limit whatever the delivery queue holds.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.teams.activity import Incoming, Malformed, card_action, message_text, parse_activity
from bot.teams.auth import Refused, SigningKeys, TokenCheck, auth_configuration
from bot.teams.forms import PROBLEM, form_again
from bot.teams.hosting import Checked, Turn, TurnClients, adapter, to_response
from bot.teams.install import Deliver, Installs
from bot.teams.platform import TeamsPlatform, sent_message_in, teams_card
from bot.teams.references import staff_id_of
from bot.teams.render import CARD_CONTENT_TYPE
from handlers.core.deps import Deps
from handlers.core.router import Inbound, Reply
from message_templates.model import Message
from scheduler.dispatcher import PlatformError

log = logging.getLogger(__name__)

ROUTE = "/api/messages"
MAX_BODY = 128 * 1024  # Teams activities are a few kilobytes; a card submission well under this
Handle = Callable[[Inbound], Awaitable[Reply | None]]  # recorded now, delivered after
UNKNOWN_PERSON = "I can't find you in the staff list. Your QA team can add you."
ACKNOWLEDGED = {"statusCode": 200, "type": "application/vnd.microsoft.activity.message"}


class TeamsEndpoint:
    """Checks, translates and routes each activity Teams posts."""

    def __init__(
        self, platform: TeamsPlatform, handle: Handle, deps: Deps, deliver: Deliver
    ) -> None:
        settings = platform.settings
        assert settings.teams_app_id and settings.teams_tenant_id
        keys = SigningKeys(settings.teams_openid_metadata_url)
        configuration = auth_configuration(settings.teams_app_id, settings.teams_tenant_id)
        self.check = TokenCheck(keys, configuration)
        self.clients = TurnClients(platform.tokens, settings.teams_app_id)
        self.adapter = adapter(platform.connector, self.clients)
        self.platform = platform
        self.handle = handle
        self.installs = Installs(platform, handle, deps, deliver)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post(ROUTE, self.messages)
        app.on_cleanup.append(self._close)

    async def _close(self, _: web.Application) -> None:
        await self.clients.close()
        await self.platform.connector.close()

    async def messages(self, request: web.Request) -> web.StreamResponse:
        try:
            verified = await self.check.verify(request.headers.get("Authorization"))
        except Refused as refused:
            return _refuse(401, f"refused: {refused}")
        if (request.content_length or 0) > MAX_BODY:
            return _refuse(413, "refused: body too large")
        try:
            body = await _read_at_most(request, MAX_BODY)
        except (OSError, ValueError):
            return _refuse(400, "refused: body unreadable")
        if body is None:
            return _refuse(413, "refused: body too large")
        try:
            incoming = parse_activity(body)
        except Malformed as malformed:
            return _refuse(400, f"refused: {malformed}")
        try:
            verified.check_activity(incoming.channel_id, incoming.service_url)
        except Refused as refused:
            return _refuse(401, f"refused: {refused}")
        checked = Checked(request, json.loads(body), verified.identity)
        try:
            answer = await self.adapter.process_request(
                checked, Turn(lambda: self._route(incoming))
            )
        except Malformed as malformed:
            return _refuse(400, f"refused: {malformed}")
        if answer.status_code == 401:  # the SDK's host validator: not a Teams connector
            return _refuse(401, "refused: service URL is not a Teams connector")
        return to_response(answer)

    async def _route(self, incoming: Incoming) -> dict[str, Any] | None:
        """Hand the activity to qabot; an invoke's answer, if it is one."""
        try:
            if incoming.type == "message" and (incoming.is_personal or _posts_here(incoming)):
                await self._message(incoming)
            elif incoming.type == "invoke" and incoming.name == "adaptiveCard/action":
                return await self._card_action(incoming)
            elif incoming.type in ("conversationUpdate", "installationUpdate"):
                await self.installs.update(incoming)
        except PlatformError as error:
            log.warning("teams activity %s: could not answer: %s", incoming.id, error.reason)
        return None

    async def _message(self, incoming: Incoming) -> None:
        staff_id = await self._staff_id(incoming)
        if staff_id is None:
            await self.installs.say(incoming, UNKNOWN_PERSON)
            return
        text = message_text(incoming)
        channel = "" if incoming.is_personal else incoming.conversation_id.split(";")[0]
        event = Inbound(platform="teams", event_id=incoming.id, staff_id=staff_id, kind="text",
                        text=text, channel=channel)  # fmt: skip
        await self.handle(event)

    async def _card_action(self, incoming: Incoming) -> dict[str, Any]:
        """Handle the action; answer with the card as it now stands (a retried invoke included)."""
        staff_id, source = await self._sender_and_card(incoming)
        if staff_id is None:
            return {"statusCode": 200, "type": ACKNOWLEDGED["type"], "value": UNKNOWN_PERSON}
        event = card_action(incoming, staff_id, source[0] if source else "")
        has_form = event.kind == "form" and source is not None and source[1].form is not None
        form_from = staff_id if has_form else ""  # a problem with it is shown on its card
        with self.platform.answering(incoming.reply_to_id, form_from) as answer:
            reply = await self.handle(event)
            problem = reply.message if reply is not None else None
            if form_from and source is not None and problem is not None:
                again = form_again(source[1], event, problem) if problem.kind == PROBLEM else None
                if again is not None:
                    answer.problem = problem
                    return {"statusCode": 200, "type": CARD_CONTENT_TYPE, "value": again}
            # the card as it now stands: the handler's update of it, else as it was read
            card = reply.update if reply is not None and reply.update is not None else None
            if card is None and source is not None:
                card = source[1]
            if card is None:
                return {**ACKNOWLEDGED, "value": "Done."}
            answer.card = card
            return {"statusCode": 200, "type": CARD_CONTENT_TYPE, "value": teams_card(card)}

    async def _sender_and_card(
        self, incoming: Incoming
    ) -> tuple[str | None, tuple[str, Message] | None]:
        """Who pressed, and the message whose card it was, read together."""
        if not incoming.from_aad_id:
            return None, None
        async with self.platform.sessions() as session:
            known = await staff_id_of(session, incoming.from_aad_id)
            source = await sent_message_in(session, incoming.reply_to_id)
        staff_id = known if known is not None else await self.installs.match(incoming)
        return staff_id, source

    async def _staff_id(self, incoming: Incoming) -> str | None:
        if not incoming.from_aad_id:
            return None
        async with self.platform.sessions() as session:
            known = await staff_id_of(session, incoming.from_aad_id)
        return known if known is not None else await self.installs.match(incoming)


def _posts_here(incoming: Incoming) -> bool:
    """`@qabot post ROLE here` in a team's channel: the one thing qabot answers in a channel."""
    return incoming.conversation_type == "channel" and message_text(incoming).lower().startswith(
        "post "
    )


async def _read_at_most(request: web.Request, limit: int) -> bytes | None:
    """The whole body, or None once it passes `limit` (a chunked body has no length up front)."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await request.content.read(64 * 1024):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _refuse(status: int, reason: str) -> web.Response:
    log.warning("teams request %s", reason)
    return web.json_response({"error": reason.removeprefix("refused: ")}, status=status)
