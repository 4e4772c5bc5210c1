"""Channel roles are bound to one real channel per platform, rebound in place, and unbound."""

from __future__ import annotations

import datetime as dt

from storage import Sessions
from storage.channels import Binding, bind, bindings, bound_on, unbind

T0 = dt.datetime(2027, 1, 11, 9, 0, tzinfo=dt.UTC)
T1 = T0 + dt.timedelta(days=1)


async def test_a_role_is_bound_once_per_platform_and_rebinding_replaces_the_channel(
    sessions: Sessions,
) -> None:
    async with sessions.begin() as session:
        await bind(session, "slack", "qa-team", "C01", T0)
        await bind(session, "teams", "qa-team", "19:qa@thread.tacv2", T0)
        await bind(session, "slack", "all-staff", "C02", T0)
    async with sessions.begin() as session:
        await bind(session, "slack", "qa-team", "C09", T1)
    async with sessions() as session:
        assert await bindings(session) == [
            Binding("slack", "all-staff", "C02", T0),
            Binding("slack", "qa-team", "C09", T1),
            Binding("teams", "qa-team", "19:qa@thread.tacv2", T0),
        ]


async def test_unbind_removes_one_platforms_channel_only(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        await bind(session, "slack", "qa-team", "C01", T0)
        await bind(session, "teams", "qa-team", "19:qa@thread.tacv2", T0)
    async with sessions.begin() as session:
        assert await unbind(session, "slack", "qa-team")
        assert not await unbind(session, "slack", "qa-team")
        assert not await unbind(session, "teams", "managers")
    async with sessions() as session:
        assert [(b.platform, b.role) for b in await bindings(session)] == [("teams", "qa-team")]


async def test_bound_on_names_the_platforms_of_each_role_asked_about(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        await bind(session, "slack", "qa-team", "C01", T0)
        await bind(session, "teams", "qa-team", "19:qa@thread.tacv2", T0)
        await bind(session, "teams", "managers", "19:mgr@thread.tacv2", T0)
        await bind(session, "slack", "all-staff", "C02", T0)
    async with sessions() as session:
        assert await bound_on(session, {"qa-team", "managers", "auditors"}) == {
            "qa-team": {"slack", "teams"},
            "managers": {"teams"},
        }
        assert await bound_on(session, set()) == {}
