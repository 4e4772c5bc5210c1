"""What every handler is given: explicit dependencies, never globals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from handlers.core.calendar import Calendar
from handlers.programme.schema import Programme
from message_templates.model import Message
from storage import Sessions


class Clock(Protocol):
    def now(self) -> dt.datetime: ...


class Wording(Protocol):
    def compose(self, name: str, context: Mapping[str, Any], **structure: Any) -> Message: ...

    def label(self, name: str, block: str, context: Mapping[str, Any]) -> str: ...


@dataclass(frozen=True)
class Deps:
    """The pieces a handler may use; built once in bot/app.py."""

    sessions: Sessions
    wording: Wording
    clock: Clock
    programme: Programme
    calendar: Calendar = field(default_factory=Calendar)
    # the configured platforms in order; handlers/core/delivery.py picks among them
    platforms: tuple[str, ...] = ("sandbox",)
    case_link: str | None = None
    qa_channel: str = "qa-team"

    def case_url(self, case_ref: str) -> str | None:
        return self.case_link.format(case_ref=case_ref) if self.case_link else None
