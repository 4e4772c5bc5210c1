"""The sandbox's view of a person's messages as Teams shows them: each message's Adaptive Card,
exactly as qabot would send it to Teams, for the vendored Adaptive Cards renderer
(static/adaptivecards/) to draw in the page. Its actions post to the sandbox's own /act, so
they drive the same handlers as the page's HTML buttons."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from message_templates.model import Message
from storage import Sessions
from storage.conversations import delivered_to
from storage.people import person_by_staff_id

CardFor = Callable[[Message], dict[str, Any]]


class CardView:
    """GET /sandbox/people/{staff_id}/cards: {"cards": {message key: card}}."""

    def __init__(self, sessions: Sessions, card_for: CardFor) -> None:
        self.sessions = sessions
        self.card_for = card_for

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/sandbox/people/{staff_id}/cards", self.cards)

    async def cards(self, request: web.Request) -> web.Response:
        staff_id = request.match_info["staff_id"]
        async with self.sessions() as session:
            person = await person_by_staff_id(session, staff_id)
            if person is None or not person.active:
                raise web.HTTPNotFound(text=f"No active person with staff id {staff_id[:64]!r}.")
            sent = await delivered_to(session, f"person:{staff_id}")
        cards = {d.key: self.card_for(Message.from_dict(d.payload)) for d in sent}
        return web.json_response({"cards": cards}, headers={"Cache-Control": "no-store"})
