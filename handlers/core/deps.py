"""What every handler is given: explicit dependencies, never globals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from handlers.core.calendar import Calendar
from handlers.programme.schema import Programme
from message_templates.model import Message
from message_templates.wording import TODAY
from storage import Sessions


class Clock(Protocol):
    def now(self) -> dt.datetime: ...


class Wording(Protocol):
    def compose(self, name: str, context: Mapping[str, Any], **structure: Any) -> Message: ...

    def label(self, name: str, block: str, context: Mapping[str, Any]) -> str: ...


class DatedWording:
    """Wording that is told today's date with every message, so a day in another year is
    written with its year ("Monday 3 January 2028")."""

    def __init__(self, inner: Wording, today: Callable[[], dt.date]) -> None:
        self.inner = inner
        self._today = today

    def compose(self, name: str, context: Mapping[str, Any], **structure: Any) -> Message:
        return self.inner.compose(name, self._dated(context), **structure)

    def label(self, name: str, block: str, context: Mapping[str, Any]) -> str:
        return self.inner.label(name, block, self._dated(context))

    def _dated(self, context: Mapping[str, Any]) -> Mapping[str, Any]:
        return context if TODAY in context else {**context, TODAY: self._today()}


@dataclass(frozen=True)
class Deps:
    """The pieces a handler may use; built once in bot/app.py. Its wording writes dates
    against today by the clock and the council's calendar."""

    sessions: Sessions
    wording: Wording
    clock: Clock
    programme: Programme
    calendar: Calendar = field(default_factory=Calendar)
    # the configured platforms in order; handlers/core/delivery.py picks among them
    platforms: tuple[str, ...] = ("sandbox",)
    case_link: str | None = None
    qa_channel: str = "qa-team"

    def __post_init__(self) -> None:
        inner = self.wording.inner if isinstance(self.wording, DatedWording) else self.wording
        object.__setattr__(self, "wording", DatedWording(inner, self.today))

    def today(self) -> dt.date:
        """The council's local date by the clock."""
        return self.calendar.local_date(self.clock.now())

    def case_url(self, case_ref: str) -> str | None:
        return self.case_link.format(case_ref=case_ref) if self.case_link else None
