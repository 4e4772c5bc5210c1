"""The simulation's platform: accepts every message and records it with the virtual clock's time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from message_templates.model import Message
from scheduler.clock import Clock
from scheduler.dispatcher import SendResult

SIMULATION = "simulation"


@dataclass(frozen=True)
class Delivery:
    """One send (or in-place update) as the platform saw it: when, to whom, the kind and meta.

    Message bodies are not kept: a year of a large council would hold them all in memory, and
    the simulation's output never shows them.
    """

    at: dt.datetime
    recipient: str
    kind: str
    meta: dict[str, Any]
    is_update: bool = False


class RecordingPlatform:
    """Implements the dispatcher's Platform protocol; nothing leaves the process."""

    name = SIMULATION

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.deliveries: list[Delivery] = []
        self._fresh: list[tuple[Delivery, Message]] = []

    async def send(self, recipient: str, message: Message) -> SendResult:
        self._record(recipient, message, is_update=False)
        return SendResult(message_id=f"sim-{len(self.deliveries)}", conversation=recipient)

    async def update(
        self, recipient: str, conversation: str, message_id: str, message: Message
    ) -> None:
        self._record(recipient, message, is_update=True)

    def take_fresh(self) -> list[tuple[Delivery, Message]]:
        """What arrived since the last call, with the whole message, for the simulated people."""
        fresh, self._fresh = self._fresh, []
        return fresh

    def _record(self, recipient: str, message: Message, *, is_update: bool) -> None:
        delivery = Delivery(self._clock.now(), recipient, message.kind, message.meta, is_update)
        self.deliveries.append(delivery)
        self._fresh.append((delivery, message))
