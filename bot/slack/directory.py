"""Who is who in the Slack workspace: a person's user id and DM channel, found once and kept.

A person is matched by the `slack_user_id` on the roster or, failing that, by their email
(`users.lookupByEmail`); the id found is written back to the roster. The DM channel from
`conversations.open` is kept as a conversation reference, so it survives a restart.

Someone Slack cannot find by email is listed to the QA team in one message, sent again only
when the list grows (never on every reminder); the miss is remembered for a while, so their
reminders do not look them up again each time.
"""

from __future__ import annotations

import datetime as dt
import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from message_templates.model import Message
from message_templates.wording import Wording
from scheduler.clock import Clock
from storage import Sessions
from storage import platform_refs as refs
from storage.outbox import enqueue

log = logging.getLogger(__name__)

PLATFORM = "slack"
UNFOUND = "qa:slack-unfound"  # the conversation reference keeping who Slack could not find
UNFOUND_KIND = "slack_people_unfound"
REMEMBER_MISS = dt.timedelta(hours=12)


class NotFound(Exception):
    """Nobody in the workspace (or on the roster) matches: retrying will not help.

    `reported` when the QA team has been (or is being) told, in the list of people not found.
    """

    def __init__(self, reason: str, reported: bool = False) -> None:
        super().__init__(reason)
        self.reported = reported


class Directory:
    """Finds people and their DM channels, caching what it finds for the life of the process."""

    def __init__(
        self,
        client: AsyncWebClient,
        sessions: Sessions,
        clock: Clock,
        qa_recipient: str = "channel:qa-team",
        qa_platform: str = PLATFORM,
        wording: Wording | None = None,
    ) -> None:
        self._client = client
        self._wording = wording or Wording()
        self._sessions = sessions
        self._clock = clock
        self._qa_recipient = qa_recipient
        self._qa_platform = qa_platform
        self._misses: dict[str, dt.datetime] = {}
        self._user_ids: dict[str, str] = {}
        self._staff_ids: dict[str, str] = {}
        self._dms: dict[str, str] = {}

    async def dm_channel(self, staff_id: str) -> str:
        """The DM channel with this person, opened once and kept."""
        if staff_id in self._dms:
            return self._dms[staff_id]
        address = f"person:{staff_id}"
        async with self._sessions() as session:
            kept = await refs.conversation(session, PLATFORM, address)
        if kept is None or not kept.get("channel"):
            user_id = await self.user_id(staff_id)
            opened = await self._client.conversations_open(users=user_id)
            kept = {"channel": str(opened["channel"]["id"]), "user": user_id}
            async with self._sessions.begin() as session:
                await refs.keep_conversation(session, PLATFORM, address, kept, self._clock.now())
        self._dms[staff_id] = str(kept["channel"])
        return self._dms[staff_id]

    async def user_id(self, staff_id: str) -> str:
        """This person's Slack user id: from the roster, or looked up by email and kept."""
        if staff_id in self._user_ids:
            return self._user_ids[staff_id]
        async with self._sessions() as session:
            person = await refs.someone(session, PLATFORM, staff_id)
        if person is None or not person.active:
            raise NotFound("not_on_roster")
        missed = self._misses.get(staff_id)
        if missed is not None and self._clock.now() < missed + REMEMBER_MISS:
            raise NotFound("users_not_found", reported=True)
        try:
            user_id = person.user_id or await self._lookup(person.email)
        except NotFound:
            self._misses[staff_id] = self._clock.now()
            await self._list_unfound(staff_id, person.email)
            raise NotFound("users_not_found", reported=True) from None
        if not person.user_id:
            async with self._sessions.begin() as session:
                await refs.remember_user_id(session, PLATFORM, staff_id, user_id)
        self._user_ids[staff_id] = user_id
        return user_id

    async def known_user_id(self, staff_id: str) -> str | None:
        """This person's Slack user id if qabot already knows it (cached, or on the roster),
        without asking Slack."""
        if staff_id in self._user_ids:
            return self._user_ids[staff_id]
        async with self._sessions() as session:
            person = await refs.someone(session, PLATFORM, staff_id)
        if person is None or not person.active or not person.user_id:
            return None
        self._user_ids[staff_id] = person.user_id
        return person.user_id

    async def _list_unfound(self, staff_id: str, email: str) -> None:
        """Add this person to the list of people Slack cannot find; if the list grew, the QA
        team is sent the whole list, once."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            kept = await refs.conversation(session, PLATFORM, UNFOUND) or {}
            people: dict[str, str] = dict(kept.get("people") or {})
            if staff_id in people:
                return
            people[staff_id] = email
            await refs.keep_conversation(session, PLATFORM, UNFOUND, {"people": people}, now)
            await enqueue(
                session,
                key=f"{UNFOUND_KIND}:{len(people)}:{staff_id}",
                recipient=self._qa_recipient,
                platform=self._qa_platform,
                message=unfound_message(self._wording, people),
                not_before=now,
                now=now,
            )

    async def _lookup(self, email: str) -> str:
        try:
            found = await self._client.users_lookupByEmail(email=email)
        except SlackApiError as error:
            if error.response.get("error") == "users_not_found":
                raise NotFound("users_not_found") from None
            raise
        return str(found["user"]["id"])

    async def staff_id(self, user_id: str) -> str | None:
        """The staff id of the person behind a Slack user id, matched by id or by email."""
        if user_id in self._staff_ids:
            return self._staff_ids[user_id]
        async with self._sessions() as session:
            staff_id = await refs.staff_id_of(session, PLATFORM, user_id)
        if staff_id is None:
            staff_id = await self._match_by_email(user_id)
        if staff_id is not None:
            self._staff_ids[user_id] = staff_id
        return staff_id

    async def _match_by_email(self, user_id: str) -> str | None:
        try:
            info = await self._client.users_info(user=user_id)
        except SlackApiError as error:
            log.warning("users.info failed: %s", error.response.get("error"))
            return None
        email = str(info["user"].get("profile", {}).get("email") or "")
        if not email:
            return None
        async with self._sessions.begin() as session:
            staff_id = await refs.staff_id_by_email(session, email)
            if staff_id is not None:
                await refs.remember_user_id(session, PLATFORM, staff_id, user_id)
        return staff_id


def unfound_message(wording: Wording, people: dict[str, str]) -> Message:
    """The QA team's list of people Slack cannot find by their roster email: staff ids and
    emails only, so the roster can be put right."""
    listed = [{"staff_id": staff_id, "email": email} for staff_id, email in sorted(people.items())]
    return wording.compose(UNFOUND_KIND, {"people": listed}, meta={"people": sorted(people)})
