"""App Home, "My QA": what is on a person's plate, published with views.publish when they open
the Home tab and again whenever something changes for them (an action of theirs, or a new
message to them). The content is the `my qa` reply itself (handlers/home/), as Block Kit.

A change is published for everyone qabot knows a Slack user id for, whether or not they have
opened the tab since qabot started: the tab is then current the first time they look, and
views.publish is paced to its tier by the client. Refreshes run one at a time, each composing
My QA just before its publish, so a fan-out of DMs composes My QA no faster than Slack lets
qabot publish it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.directory import Directory
from bot.slack.render import to_home
from message_templates.model import Message

log = logging.getLogger(__name__)

MyQa = Callable[[str], Awaitable[Message | None]]
NOT_ON_ROSTER = Message(
    kind="home_stranger",
    title="My QA",
    text="I can't find you on qabot's roster yet, so there's nothing here for you. "
    "Your QA team can add you.",
)


class HomeTab:
    """Publishes each person's Home tab when they open it, and again when something changes for
    anyone qabot knows on Slack."""

    def __init__(self, client: AsyncWebClient, directory: Directory, my_qa: MyQa) -> None:
        self._client = client
        self._directory = directory
        self._my_qa = my_qa
        self._viewers: dict[str, str] = {}  # staff id -> Slack user id
        self._due: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._one_at_a_time = asyncio.Lock()

    async def opened(self, user_id: str) -> None:
        """The person opened the Home tab: publish what is on their plate now."""
        staff_id = await self._directory.staff_id(user_id)
        if staff_id is None:
            await self._publish(user_id, NOT_ON_ROSTER)
            return
        self._viewers[staff_id] = user_id
        await self.refresh(staff_id)

    def changed(self, staff_id: str) -> None:
        """Something changed for this person: refresh their Home tab soon, once (several changes
        at once make one publish)."""
        if staff_id in self._due:
            return
        self._due.add(staff_id)
        task = asyncio.create_task(self._refresh_due(staff_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def settle(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _refresh_due(self, staff_id: str) -> None:
        async with self._one_at_a_time:
            self._due.discard(staff_id)
            try:
                await self.refresh(staff_id)
            except Exception as error:
                log.error("refreshing a Home tab failed: %s", type(error).__name__)

    async def refresh(self, staff_id: str) -> None:
        """Publish My QA for this person, if qabot knows their Slack user id (one who opened
        the tab, or one on the roster or found by email: never looked up just for this)."""
        user_id = self._viewers.get(staff_id) or await self._directory.known_user_id(staff_id)
        if user_id is None:
            return
        message = await self._my_qa(staff_id)
        if message is None:
            return
        await self._publish(user_id, message)

    async def _publish(self, user_id: str, message: Message) -> None:
        view = to_home(message)
        try:
            await self._client.views_publish(user_id=user_id, view=view)
        except SlackApiError as error:
            if error.response.status_code != 429 and error.response.status_code < 500:
                raise
            # the client's pacer now holds views.* for Retry-After (or backs off): once more
            await self._client.views_publish(user_id=user_id, view=view)
