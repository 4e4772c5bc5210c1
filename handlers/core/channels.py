"""Binding the programme's channel roles to real channels from chat: `post ROLE here`, typed in
the channel (`/qa post ROLE here` in Slack, `@qabot post ROLE here` in Teams) by a member of the
QA team. Binding a role releases the posts held for it on that platform."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.delivery import release_held
from handlers.core.deps import Deps
from handlers.core.recipients import person_of
from handlers.core.router import Handler, Inbound, Reply, Selector
from handlers.programme.schema import BroadcastActivity, PracticeWeekActivity, Programme
from storage import channels


def channel_roles(programme: Programme) -> list[str]:
    """Every channel role the programme names: the QA team's first, then each activity's, in
    the order the programme lists them."""
    named = [programme.qa_channel]
    named += [
        a.channel
        for a in programme.activities
        if isinstance(a, PracticeWeekActivity | BroadcastActivity)
    ]
    return list(dict.fromkeys(named))


class Channels:
    """`post ROLE here`: the QA team choosing where each kind of post goes."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def routes(self) -> list[tuple[Selector, Handler]]:
        return [(("command", "post"), self.post_here)]

    async def post_here(self, session: AsyncSession, event: Inbound) -> Reply:
        person = await person_of(session, event.staff_id)
        roles = channel_roles(self.deps.programme)
        words = event.text.split()
        role = words[1].lower() if len(words) > 1 else ""
        if person.role not in self.deps.programme.permissions.qa_team:
            return self._reply("not_allowed", role, roles)
        if not role or role == "here":
            return self._reply("missing", "", roles)
        if role not in roles:
            return self._reply("unknown", role, roles)
        if not event.channel:
            return self._reply("dm", role, roles)
        now = self.deps.clock.now()
        await channels.bind(session, event.platform, role, event.channel, now)
        released = await release_held(session, event.platform, role, now)
        return self._reply("bound", role, roles, released)

    def _reply(self, said: str, role: str, roles: list[str], released: int = 0) -> Reply:
        context = {"said": said, "role": role, "roles": roles, "released": released}
        return Reply(message=self.deps.wording.compose("channel_bound", context))
