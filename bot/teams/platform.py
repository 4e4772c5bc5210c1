"""The dispatcher's Teams platform: proactive 1:1 cards from stored conversation references."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select

from bot.settings import Settings
from bot.teams.connector import Connector
from bot.teams.references import Reference, reference_for, teams_user_of, user_address
from bot.teams.render import to_adaptive_card, to_teams_activity
from bot.teams.tokens import AppTokens
from message_templates.model import Message
from scheduler.dispatcher import PlatformError, SendResult
from storage import Sessions
from storage.models import OutboxMessage

PLATFORM = "teams"
PERSON = "person:"
PROBLEM = "user_error"  # the kind of the router's polite reply to a UserError
NOT_INSTALLED = "not installed for them in Teams: no conversation to post in"


class TeamsPlatform:
    """Sends each outbox row to the person's stored 1:1 conversation as an Adaptive Card."""

    name = PLATFORM

    def __init__(self, settings: Settings, sessions: Sessions) -> None:
        assert settings.teams_app_id and settings.teams_tenant_id
        self.settings = settings
        self.sessions = sessions
        tokens = AppTokens(
            app_id=settings.teams_app_id,
            tenant_id=settings.teams_tenant_id,
            authority_host=settings.teams_authority_host,
            secret=settings.teams_client_secret,
            certificate=settings.teams_certificate_path,
        )
        self.tokens = tokens
        self.connector = Connector(tokens, settings.teams_connector_hosts)
        self._answering: set[str] = set()  # activities whose card an invoke's answer updates
        self._forms: dict[str, str] = {}  # recipient -> the form card their invoke came from

    async def send(self, recipient: str, message: Message) -> SendResult:
        form = self._forms.get(recipient) if message.kind == PROBLEM else None
        if form is not None:  # shown on the form card by the invoke's answer
            return SendResult(message_id=f"{form}:problem", conversation="")
        reference = await self._reference(recipient)
        activity = teams_activity(message)
        activity_id = await self.connector.send(
            reference.service_url, reference.conversation_id, activity
        )
        return SendResult(message_id=activity_id, conversation=reference.conversation_id)

    @contextmanager
    def answering(self, activity_id: str, form_from: str = "") -> Iterator[None]:
        """While an invoke on `activity_id` is handled, the update of its card goes back in the
        invoke's answer (`TeamsEndpoint`), so it is not also PUT to the connector; and when the
        invoke sent a form, by staff id `form_from`, a problem with it is shown on that card
        rather than posted as a message of its own."""
        self._answering.add(activity_id)
        if form_from:
            self._forms[PERSON + form_from] = activity_id
        try:
            yield
        finally:
            self._answering.discard(activity_id)
            self._forms.pop(PERSON + form_from, None)

    async def update(
        self, recipient: str, conversation: str, message_id: str, message: Message
    ) -> None:
        if message_id in self._answering:
            return  # the invoke's answer carries this card
        reference = await self._reference(recipient)
        await self.connector.update(
            reference.service_url, conversation, message_id, teams_activity(message)
        )

    async def _reference(self, recipient: str) -> Reference:
        kind, _, name = recipient.partition(":")
        if kind != "person":
            raise PlatformError("channel posts in Teams are not supported yet", permanent=True)
        async with self.sessions() as session:
            user = await teams_user_of(session, name)
            reference = None if user is None else await reference_for(session, user_address(user))
        if reference is None:
            raise PlatformError(NOT_INSTALLED, permanent=True)
        return reference

    async def sent_message(self, activity_id: str) -> tuple[str, Message] | None:
        """The outbox key and current content of the message Teams knows by `activity_id`."""
        async with self.sessions() as session:
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
