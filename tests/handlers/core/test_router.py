"""The router: one list of (selector, handler) pairs, each selector answered by one handler."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.capabilities import build_router
from handlers.core.deps import Deps
from handlers.core.router import Inbound, Reply, Router, Selector
from handlers.programme.schema import load_programme
from message_templates.model import Message
from message_templates.wording import Wording
from scheduler.clock import VirtualClock


async def answer(session: AsyncSession, event: Inbound) -> Reply:
    return Reply(message=Message(kind="answer", text=event.name))


def router(routes: list[tuple[Selector, object]]) -> Router:
    return Router(
        routes,  # type: ignore[arg-type]
        fallback=answer,
        problem=lambda text: Message(kind="problem", text=text),
        apology=lambda: Message(kind="apology", text="sorry"),
    )


def test_two_handlers_for_one_action_are_refused_not_overwritten() -> None:
    with pytest.raises(ValueError, match=r"two handlers for the action 'audit\.record'"):
        router([(("action", "audit.record"), answer), (("action", "audit.record"), answer)])


def test_the_same_name_may_be_an_action_and_a_form() -> None:
    found = router([(("action", "checklist.tick"), answer), (("form", "checklist.tick"), answer)])
    assert found.find(Inbound("sandbox", "e1", "S01", "form", "checklist.tick")) is answer


def test_every_capabilitys_routes_fit_together() -> None:
    """Production's router builds: no two capabilities claim the same action or command."""

    deps = Deps(
        sessions=None,  # type: ignore[arg-type]
        wording=Wording(),
        clock=VirtualClock(dt.datetime(2027, 1, 4, 9, tzinfo=dt.UTC)),
        programme=load_programme("default"),
    )
    assert isinstance(build_router(deps), Router)
