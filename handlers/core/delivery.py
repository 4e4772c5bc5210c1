"""Where each outgoing message goes: the one place that picks a platform for it.

A person (`person:<staff_id>`) is reached on the first configured platform that knows them:
Slack by their Slack user id, Teams by their Teams user id, and a platform without user ids
(the sandbox, a simulation) knows everyone. If none does, the first configured platform's edge
looks them up by email.

A channel post (`channel:<role>`) goes to the channel bound to that role on each configured
platform, one outbox row per platform; the sandbox has every role. The first configured
platform's copy keeps the message's own key and each other platform's copy is keyed
`<key>@<platform>`, so the keys stay the same however bindings change. A post for a role unbound
on a platform is held there (storage/channels.py), and the QA team told once per platform and
role: in its channel on the first configured platform, or by DM to each of its members if that
channel is not bound either. Binding the role releases what was held (`release_held`).

A reply to an inbound event goes back on the platform the event came from (handlers/core/
inbound.py), whoever sent it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.deps import Deps
from message_templates.model import Message
from storage import channels, outbox, people
from storage.outbox import Outgoing
from storage.outbox import enqueue_many as store_many

log = logging.getLogger(__name__)

PERSON = "person:"
CHANNEL = "channel:"


@dataclass(frozen=True)
class Draft:
    """A message to queue, before delivery decides which platform (or platforms) it goes to."""

    key: str
    recipient: str
    message: Message
    not_before: dt.datetime


async def enqueue(
    deps: Deps,
    session: AsyncSession,
    *,
    key: str,
    recipient: str,
    message: Message,
    not_before: dt.datetime,
    now: dt.datetime | None = None,
) -> int:
    """Queue one message where it belongs; how many outbox rows were new (a channel post may
    make one per platform; 0 if it was queued before)."""
    return await enqueue_many(deps, session, [Draft(key, recipient, message, not_before)], now=now)


async def enqueue_many(
    deps: Deps, session: AsyncSession, drafts: Sequence[Draft], *, now: dt.datetime | None = None
) -> int:
    """Queue many messages, each where it belongs, looking people and channels up once for the
    lot; how many outbox rows were new. Channel posts for unbound roles are held."""
    outgoing, held = await _plan(session, deps.platforms, drafts)
    if held and await channels.hold(session, held, now or deps.clock.now()):
        outgoing += await _unbound_notices(deps, session, held)
    return await store_many(session, outgoing, now=now)


async def release_held(
    session: AsyncSession, platform: str, role: str, now: dt.datetime | None = None
) -> int:
    """Queue the posts held for `role` on `platform`, now that it is bound there; how many."""
    held = await channels.release(session, platform, role)
    rows = [Outgoing(h.key, CHANNEL + role, platform, h.message, h.not_before) for h in held]
    await store_many(session, rows, now=now)
    return len(rows)


async def addressed(
    session: AsyncSession, platforms: Sequence[str], drafts: Sequence[Draft]
) -> list[Outgoing]:
    """The outbox rows for these messages on `platforms` (the configured ones, in order); the
    copies of channel posts for unbound roles are left out."""
    return (await _plan(session, platforms, drafts))[0]


async def _plan(
    session: AsyncSession, platforms: Sequence[str], drafts: Sequence[Draft]
) -> tuple[list[Outgoing], list[channels.Held]]:
    if not platforms:
        raise ValueError("qabot needs at least one platform to deliver to")
    staff_ids = {d.recipient.removeprefix(PERSON) for d in drafts if d.recipient.startswith(PERSON)}
    roles = {d.recipient.removeprefix(CHANNEL) for d in drafts if d.recipient.startswith(CHANNEL)}
    known = await people.known_on(session, staff_ids, _asked(platforms))
    bound = await channels.bound_on(session, roles) if roles and _bindable(platforms) else {}
    outgoing: list[Outgoing] = []
    held: list[channels.Held] = []
    for draft in drafts:
        if draft.recipient.startswith(CHANNEL):
            role = draft.recipient.removeprefix(CHANNEL)
            posted = bound.get(role, set())
            for platform, key in channel_copies(draft.key, platforms, platforms):
                if _knows_everyone(platform) or platform in posted:
                    outgoing.append(_outgoing(draft, platform, key))
                else:
                    log.info("no %s channel bound for role %s: %s held", platform, role, draft.key)
                    held.append(channels.Held(key, platform, role, draft.message, draft.not_before))
        else:
            staff_id = draft.recipient.removeprefix(PERSON)
            platform = person_platform(platforms, known.get(staff_id, set()))
            outgoing.append(_outgoing(draft, platform, draft.key))
    return outgoing, held


async def _unbound_notices(
    deps: Deps, session: AsyncSession, held: Sequence[channels.Held]
) -> list[Outgoing]:
    """One notice to the QA team for each (platform, role) held, keyed so it goes only once:
    to the QA channel on the first platform, or to each QA-team member if it is unbound too."""
    first, qa_role = deps.platforms[0], deps.qa_channel
    qa_bound = _knows_everyone(first) or first in (await channels.bound_on(session, [qa_role])).get(
        qa_role, set()
    )
    team: list[str] = []
    if not qa_bound:
        qa_roles = deps.programme.permissions.qa_team
        team = [p.staff_id for p in await people.active_people(session, roles=qa_roles)]
    known = await people.known_on(session, team, _asked(deps.platforms)) if team else {}
    notices: list[Outgoing] = []
    now = deps.clock.now()
    for platform, role in sorted({(h.platform, h.role) for h in held}):
        message = deps.wording.compose("channel_unbound", {"role": role, "platform": platform})
        key = f"channel.unbound:{platform}:{role}"
        if qa_bound:
            notices.append(Outgoing(key, CHANNEL + qa_role, first, message, now))
            continue
        for staff_id in team:
            where = person_platform(deps.platforms, known.get(staff_id, set()))
            notices.append(Outgoing(f"{key}:{staff_id}", PERSON + staff_id, where, message, now))
    return notices


def person_platform(platforms: Sequence[str], known_on: Collection[str]) -> str:
    """The first of `platforms` that knows the person (by a user id in `known_on`, or a
    platform without user ids); else the first platform, whose edge looks them up by email."""
    for platform in platforms:
        if _knows_everyone(platform) or platform in known_on:
            return platform
    return platforms[0]


def channel_copies(
    key: str, platforms: Sequence[str], bound_on: Collection[str]
) -> list[tuple[str, str]]:
    """(platform, key) for each platform a channel post goes to: each one where its role is
    bound (every role on a platform without bindings); the first platform keeps the key."""
    return [
        (platform, key if index == 0 else f"{key}@{platform}")
        for index, platform in enumerate(platforms)
        if _knows_everyone(platform) or platform in bound_on
    ]


def _knows_everyone(platform: str) -> bool:
    """The sandbox and a simulation reach everyone by staff id and have every channel."""
    return platform not in people.PLATFORM_USER_IDS


def _asked(platforms: Sequence[str]) -> list[str]:
    """The platforms worth asking the database about: those before the first (if any) that
    knows everyone, and only if the choice could fall on more than one platform."""
    ahead = list(_until_everyone(platforms))
    return ahead if len(platforms) > 1 else []


def _until_everyone(platforms: Sequence[str]) -> Iterator[str]:
    for platform in platforms:
        if _knows_everyone(platform):
            return
        yield platform


def _bindable(platforms: Sequence[str]) -> bool:
    return any(not _knows_everyone(platform) for platform in platforms)


def _outgoing(draft: Draft, platform: str, key: str) -> Outgoing:
    return Outgoing(
        key=key,
        recipient=draft.recipient,
        platform=platform,
        message=draft.message,
        not_before=draft.not_before,
    )


async def settle(deps: Deps, session: AsyncSession, keys: Collection[str], what: str) -> int:
    """Cards that know they are done: the earlier messages about an item lose their buttons
    and say `what` happened ("Recorded") and when, updated in place on every platform."""
    return await outbox.settle(session, keys, done_line(deps, what), deps.clock.now())


async def settle_reminders(
    deps: Deps, session: AsyncSession, staff_ids: Collection[str], match: dict[str, Any],
    what: str,
) -> int:  # fmt: skip
    """The same for an item in the people's daily messages (reminders and escalations): its
    section, found by its meta (`match`, e.g. {"allocation_id": 12}), loses its buttons."""
    recipients = [f"{PERSON}{s}" for s in staff_ids]
    line = done_line(deps, what)
    return await outbox.settle_items(session, recipients, match, line, deps.clock.now())


def done_line(deps: Deps, what: str) -> str:
    local = deps.clock.now().astimezone(deps.calendar.zone)
    return f"✓ {what} on {local:%A %-d %B at %H:%M}."
