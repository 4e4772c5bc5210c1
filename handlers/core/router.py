"""Inbound events reach plain async handlers through one list of (selector, handler) pairs."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.parsing import too_long
from handlers.errors import FormProblems, UserError
from message_templates.model import Message

log = logging.getLogger(__name__)

EventKind = Literal["hello", "command", "action", "form", "text"]


@dataclass(frozen=True)
class Inbound:
    """An event from any platform, translated to qabot's terms by the platform edge."""

    platform: str
    event_id: str
    staff_id: str
    kind: EventKind
    name: str = ""
    value: str = ""
    text: str = ""
    fields: tuple[tuple[str, str], ...] = ()
    source_key: str = ""
    # the channel a text command was typed in, on its platform; "" for a DM
    channel: str = ""
    # a form the platform answers in place (a Slack modal): a problem with what was sent is
    # shown beside its field by the edge, so it is not also sent as a message of its own
    answered_in_form: bool = False

    def field(self, name: str) -> str:
        return next((v for k, v in self.fields if k == name), "")


@dataclass(frozen=True)
class Reply:
    """What the handler wants said back; `update` replaces the message the action came from."""

    message: Message | None = None
    update: Message | None = None
    notes: tuple[str, ...] = field(default=())


Handler = Callable[[AsyncSession, Inbound], Awaitable[Reply]]
Selector = tuple[EventKind, str]


class Router:
    """One list of (selector, handler) pairs; free text is matched by its first words, and
    blank or over-long text goes to the fallback."""

    def __init__(
        self,
        routes: Sequence[tuple[Selector, Handler]],
        *,
        fallback: Handler,
        problem: Callable[[str], Message],
        apology: Callable[[], Message],
    ) -> None:
        self._routes: dict[Selector, Handler] = {}
        for selector, handler in routes:
            if selector in self._routes:
                raise ValueError(f"two handlers for the {selector[0]} {selector[1]!r}")
            self._routes[selector] = handler
        self._fallback = fallback
        self._problem = problem
        self._apology = apology

    def find(self, event: Inbound) -> Handler:
        if event.kind == "text":
            if too_long(event.text):
                return self._fallback  # read no further than the limit, whatever it starts with
            return self._routes.get(("command", command_name(event.text)), self._fallback)
        return self._routes.get((event.kind, event.name), self._fallback)

    async def dispatch(self, session: AsyncSession, event: Inbound) -> Reply:
        """Run the matching handler; its problems propagate, for `failed` to answer."""
        return await self.find(event)(session, event)

    def failed(self, event: Inbound, error: Exception) -> Reply:
        """The answer to a handler that raised: an expected problem (UserError) gets its own
        message; a form with problems comes back in place of the one filled in (as a new
        message where that one is not known), holding what was typed and naming every problem;
        anything else is logged once with the event id and gets a short apology."""
        if isinstance(error, FormProblems):
            if event.source_key:
                return Reply(update=error.form)
            return Reply(message=error.form)
        if isinstance(error, UserError):
            return Reply(message=self._problem(str(error)))
        log.error(
            "handler failed for event %s (%s %s)", event.event_id, event.kind, event.name,
            exc_info=error,
        )  # fmt: skip
        return Reply(message=self._apology())


def command_name(text: str) -> str:
    """The command a free-text message names: its first word, or the two words 'my qa'."""
    words = text.strip().lower().split()
    if not words:
        return ""
    if words[:2] == ["my", "qa"]:
        return "my qa"
    return words[0].lstrip("/")
