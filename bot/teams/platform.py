"""The dispatcher's Teams platform: proactive 1:1 cards, and new threads in bound channels.

A person is reached at their stored 1:1 conversation; with none stored but their Teams user id
known, qabot creates the conversation (the Bot Connector does so when the app is installed for
them) and stores it. Someone qabot cannot reach (no Teams user id, or a 403: never installed,
uninstalled, blocked) is parked without an alert each; the QA team gets one list a day of the
people newly unreachable (bot/teams/unreachable.py). A conversation gone (404) is created again
once, then the message is parked.

A channel post goes to the channel bound to its role, as a new thread, through the team's
serviceUrl; it never carries a case reference. Every request is paced (bot/teams/pacing.py).
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.settings import Settings
from bot.teams.connector import Connector, ConversationGone, Unreachable
from bot.teams.pacing import Pacer
from bot.teams.references import (
    Reference,
    channel_address,
    person_and_reference,
    reference_for,
    remember,
    service_url_in_use,
    user_address,
)
from bot.teams.render import to_adaptive_card, to_teams_activity
from bot.teams.tokens import AppTokens
from bot.teams.unreachable import UnreachableList
from handlers.core.deps import Deps
from message_templates.model import Message
from scheduler.dispatcher import PlatformError, SendResult
from storage import Sessions
from storage.models import Case, ChannelBinding, OutboxMessage

PLATFORM = "teams"
PERSON = "person:"
PROBLEM = "user_error"  # the kind of the router's polite reply to a UserError
# Where proactive messages go before any activity has named the tenant's own serviceUrl
DEFAULT_SERVICE_URL = "https://smba.trafficmanager.net/teams/"
NOT_INSTALLED = "not installed for them in Teams: no Teams user id to reach them by"
CASE_IN_CHANNEL = "a channel post must not carry a case reference"
ANSWERED_FOR = 300.0  # seconds an invoke's answer stands in for the delivery it carried
ANSWERED_KEPT = 10_000  # answers remembered at most (the oldest forgotten first)


@dataclass
class Answer:
    """What one invoke's answer carries, told to the platform while it is being answered
    (`TeamsPlatform.answering`): the card as it now stands, or the form with its problem."""

    activity_id: str
    form_from: str
    card: Message | None = None
    problem: Message | None = None
    skipped: list[Message] = field(default_factory=list)  # updates held back meanwhile


class TeamsPlatform:
    """Sends each outbox row to a person's 1:1 conversation or a role's channel as a card."""

    name = PLATFORM

    def __init__(self, settings: Settings, deps: Deps, pacer: Pacer | None = None) -> None:
        assert settings.teams_app_id and settings.teams_tenant_id
        self.settings = settings
        self.deps = deps
        self.sessions: Sessions = deps.sessions
        self.app_id = settings.teams_app_id
        self.tenant_id = settings.teams_tenant_id
        tokens = AppTokens(
            app_id=settings.teams_app_id,
            tenant_id=settings.teams_tenant_id,
            authority_host=settings.teams_authority_host,
            secret=settings.teams_client_secret,
            certificate=settings.teams_certificate_path,
        )
        self.tokens = tokens
        self.connector = Connector(tokens, settings.teams_connector_hosts, pacer)
        self.unreachable = UnreachableList(deps)
        self._answering: dict[str, list[Answer]] = {}  # activity -> invokes being answered
        self._forms: dict[str, str] = {}  # recipient -> the form card their invoke came from
        # after the answers: what they carried, so the delivery after them does not repeat it
        self._answered: OrderedDict[str, tuple[Message, float]] = OrderedDict()  # by activity
        self._shown: OrderedDict[str, tuple[Message, float]] = OrderedDict()  # by recipient
        self._monotonic: Callable[[], float] = time.monotonic

    async def send(self, recipient: str, message: Message) -> SendResult:
        if message.kind == PROBLEM:
            form = self._forms.get(recipient)
            if form is not None:  # the invoke's answer shows it on the form card
                for answer in self._answering.get(form, []):
                    answer.skipped.append(message)
                return SendResult(message_id=f"{form}:problem", conversation="")
            if _carried(self._shown, recipient, message, self._monotonic()):
                return SendResult(message_id="answered:problem", conversation="")
        kind, _, name = recipient.partition(":")
        if kind == "channel":
            return await self._post_to_channel(name, message)
        if kind != "person":
            raise PlatformError(f"no such recipient in Teams: {kind}", permanent=True)
        user, reference = await self._person(name)
        activity = teams_activity(message)
        try:
            activity_id = await self.connector.send(
                reference.service_url, reference.conversation_id, activity
            )
        except ConversationGone:  # created once more; a second 404 parks the message
            reference = await self._open(name, user, reference.service_url)
            activity_id = await self._send_or_report(name, reference, activity)
        except Unreachable:
            await self.unreachable.add(name)
            raise
        return SendResult(message_id=activity_id, conversation=reference.conversation_id)

    @contextmanager
    def answering(self, activity_id: str, form_from: str = "") -> Iterator[Answer]:
        """While an invoke on `activity_id` is handled and answered, the update of its card
        goes back in the invoke's answer (`TeamsEndpoint`), so it is not also PUT to the
        connector; and when the invoke sent a form, by staff id `form_from`, a problem with it
        is shown on that card rather than posted as a message of its own.

        The answer goes before the delivery pass that the invoke asked for, so the endpoint
        says what the answer carries (`Answer.card`, `Answer.problem`) and the platform keeps
        it for a while: that pass then sends neither again. A card changed since (the update
        differs from what the answer carried) is PUT as usual."""
        answer = Answer(activity_id, form_from)
        self._answering.setdefault(activity_id, []).append(answer)
        if form_from:
            self._forms[PERSON + form_from] = activity_id
        try:
            yield answer
        finally:
            answers = self._answering.get(activity_id, [])
            answers.remove(answer)
            if not answers:
                self._answering.pop(activity_id, None)
            if form_from and self._forms.get(PERSON + form_from) == activity_id:
                self._forms.pop(PERSON + form_from, None)
            self._remember(answer)

    def _remember(self, answer: Answer) -> None:
        now = self._monotonic()
        if answer.card is not None and answer.card not in answer.skipped:
            _keep(self._answered, answer.activity_id, answer.card, now)
        if answer.problem is not None and answer.form_from and answer.problem not in answer.skipped:
            _keep(self._shown, PERSON + answer.form_from, answer.problem, now)

    async def update(
        self, recipient: str, conversation: str, message_id: str, message: Message
    ) -> None:
        answering = self._answering.get(message_id)
        if answering:  # the invoke's answer carries this card
            for answer in answering:
                answer.skipped.append(message)
            return
        if _carried(self._answered, message_id, message, self._monotonic()):
            return  # an invoke's answer just carried this very card
        kind, _, name = recipient.partition(":")
        if kind == "channel":
            channel = conversation.split(";", 1)[0]
            service_url = await self._channel_service_url(channel)
            await self.connector.update(
                service_url, conversation, message_id, teams_activity(message)
            )
            return
        _, reference = await self._person(name)
        await self.connector.update(
            reference.service_url, conversation, message_id, teams_activity(message)
        )

    async def _person(self, staff_id: str) -> tuple[str, Reference]:
        """Their Teams user id and 1:1 conversation, created if none is stored."""
        async with self.sessions() as session:
            user, reference = await person_and_reference(session, staff_id)
        if user is None:
            await self.unreachable.add(staff_id)
            raise Unreachable(NOT_INSTALLED)
        return user, reference or await self._open(staff_id, user)

    async def _open(self, staff_id: str, user: str, service_url: str = "") -> Reference:
        """Create the 1:1 conversation with `user` (at `service_url`, else the tenant's) and
        store it; a 403 lists them."""
        if not service_url:
            async with self.sessions() as session:
                service_url = await service_url_in_use(session) or DEFAULT_SERVICE_URL
        bot_id = f"28:{self.app_id}"
        try:
            conversation = await self.connector.create_personal(
                service_url, bot_id=bot_id, user_id=user, tenant_id=self.tenant_id
            )
        except Unreachable:
            await self.unreachable.add(staff_id)
            raise
        reference = Reference(service_url, conversation, self.tenant_id, bot_id)
        async with self.sessions.begin() as session:
            await remember(session, user_address(user), reference, self.deps.clock.now())
        return reference

    async def _send_or_report(
        self, staff_id: str, reference: Reference, activity: dict[str, Any]
    ) -> str:
        try:
            return await self.connector.send(
                reference.service_url, reference.conversation_id, activity
            )
        except Unreachable:
            await self.unreachable.add(staff_id)
            raise

    async def _post_to_channel(self, role: str, message: Message) -> SendResult:
        async with self.sessions() as session:
            channel = await session.scalar(
                select(ChannelBinding.channel_id).where(
                    ChannelBinding.platform == PLATFORM, ChannelBinding.role == role
                )
            )
            case_refs = list(await session.scalars(select(Case.case_ref)))
        if channel is None:
            raise PlatformError(f"no Teams channel is bound for {role}", permanent=True)
        activity = teams_activity(message)
        if names_a_case(activity, case_refs):
            raise PlatformError(CASE_IN_CHANNEL, permanent=True)
        service_url = await self._channel_service_url(channel)
        thread, activity_id = await self.connector.post_to_channel(
            service_url,
            bot_id=f"28:{self.app_id}",
            channel_id=channel,
            tenant_id=self.tenant_id,
            activity=activity,
        )
        return SendResult(message_id=activity_id, conversation=thread)

    async def _channel_service_url(self, channel: str) -> str:
        """The team's serviceUrl: as stored when the channel was bound from Teams, else the
        one the tenant's conversations use."""
        async with self.sessions() as session:
            reference = await reference_for(session, channel_address(channel))
            found = reference.service_url if reference else await service_url_in_use(session)
        return found or DEFAULT_SERVICE_URL

    async def sent_message(self, activity_id: str) -> tuple[str, Message] | None:
        """The outbox key and current content of the message Teams knows by `activity_id`."""
        async with self.sessions() as session:
            return await sent_message_in(session, activity_id)

    async def close(self) -> None:
        await self.connector.close()


async def sent_message_in(session: AsyncSession, activity_id: str) -> tuple[str, Message] | None:
    """The outbox key and current content of the message Teams knows by `activity_id`."""
    found = (
        await session.execute(
            select(OutboxMessage.idempotency_key, OutboxMessage.payload).where(
                OutboxMessage.platform == PLATFORM,
                OutboxMessage.platform_message_id == activity_id,
                OutboxMessage.replaces_key.is_(None),
            )
        )
    ).first()
    return None if found is None else (found[0], Message.from_dict(found[1]))


def _keep(kept: OrderedDict[str, tuple[Message, float]], key: str, message: Message,
          now: float) -> None:  # fmt: skip
    kept[key] = (message, now)
    kept.move_to_end(key)
    while len(kept) > ANSWERED_KEPT:
        kept.popitem(last=False)


def _carried(
    kept: OrderedDict[str, tuple[Message, float]], key: str, message: Message, now: float
) -> bool:
    """Whether an answer lately carried `message` under `key`; either way, forget it (the
    next delivery under `key` is something new)."""
    found = kept.pop(key, None)
    return found is not None and found[0] == message and now - found[1] <= ANSWERED_FOR


def names_a_case(activity: dict[str, Any], case_refs: list[str]) -> bool:
    """Whether any known case reference appears anywhere in the activity's text."""
    if not case_refs:
        return False
    words = set(re.findall(r"[A-Za-z0-9][A-Za-z0-9/_-]*", _texts(activity)))
    lowered = {w.lower() for w in words}
    return any(ref.lower() in lowered for ref in case_refs)


def _texts(node: Any) -> str:
    if isinstance(node, dict):
        return " ".join(_texts(v) for v in node.values())
    if isinstance(node, list):
        return " ".join(_texts(v) for v in node)
    return node if isinstance(node, str) else ""


def teams_activity(message: Message) -> dict[str, Any]:
    """The message activity for `message`, its form and checklist submits marked as forms."""
    activity = to_teams_activity(message)
    _mark_forms(activity, _form_verbs(message))
    return activity


def teams_card(message: Message) -> dict[str, Any]:
    """The Adaptive Card alone, as an invoke response carries it."""
    card = to_adaptive_card(message)
    _mark_forms(card, _form_verbs(message))
    return card


def _form_verbs(message: Message) -> set[str]:
    verbs = {message.form.action} if message.form is not None else set()
    if message.checklist and message.checklist_action:
        verbs.add(message.checklist_action)
    return verbs


def _mark_forms(node: Any, verbs: set[str]) -> None:
    """A submit carrying inputs is a form to qabot's router; say so in its data."""
    if isinstance(node, dict):
        if node.get("type") == "Action.Execute" and node.get("verb") in verbs:
            node["data"] = {**node.get("data", {}), "kind": "form"}
        for child in node.values():
            _mark_forms(child, verbs)
    elif isinstance(node, list):
        for child in node:
            _mark_forms(child, verbs)
