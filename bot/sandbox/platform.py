"""The sandbox as a platform: delivery is recorded by the outbox row itself, shown at /sandbox."""

from __future__ import annotations

import itertools

from message_templates.model import Message
from scheduler.dispatcher import SendResult


class SandboxPlatform:
    """Accepts every message; the sandbox pages read what was delivered from the outbox."""

    name = "sandbox"

    def __init__(self) -> None:
        self._ids = itertools.count(1)

    async def send(self, recipient: str, message: Message) -> SendResult:
        return SendResult(message_id=f"sandbox-{next(self._ids)}", conversation=recipient)

    async def update(
        self, recipient: str, conversation: str, message_id: str, message: Message
    ) -> None:
        """The outbox row already holds the new content; nothing else to change."""
