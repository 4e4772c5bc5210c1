"""`qabot channels [bind ROLE --slack ID | --teams ID | unbind ROLE --slack | --teams]`: which
real channel each of the programme's channel roles posts to, per platform."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
from collections.abc import Mapping

from bot.settings import Settings, load_settings
from handlers.core.channels import channel_roles
from handlers.core.delivery import release_held
from handlers.errors import UserError
from handlers.programme.schema import load_programme
from storage import channels, make_engine, make_sessions, upgrade

BINDABLE = ("slack", "teams")  # the sandbox has every role as a channel


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "channels",
        help="list, bind and unbind the channels the programme posts to",
        description="The programme names channels by role (qa-team, practice-week, ...). Each "
        "role is bound to a real channel per platform; with no verb, list them.",
    )
    parser.set_defaults(handler=run_list)
    verbs = parser.add_subparsers(dest="verb", metavar="VERB")
    bind = verbs.add_parser(
        "bind",
        help="post a role to a channel",
        description="Post ROLE to this channel from now on; posts held for it go out.",
    )
    bind.add_argument("role", metavar="ROLE", help="a channel role the programme names")
    where = bind.add_mutually_exclusive_group(required=True)
    where.add_argument("--slack", metavar="ID", help="a Slack channel id, e.g. C0123ABCD")
    where.add_argument("--teams", metavar="ID", help="a Teams channel id, e.g. 19:...@thread.tacv2")
    bind.set_defaults(handler=run_bind)
    unbind = verbs.add_parser(
        "unbind", help="stop posting a role", description="Stop posting ROLE on a platform."
    )
    unbind.add_argument("role", metavar="ROLE", help="a channel role")
    which = unbind.add_mutually_exclusive_group(required=True)
    which.add_argument("--slack", action="store_true", help="on Slack")
    which.add_argument("--teams", action="store_true", help="on Teams")
    unbind.set_defaults(handler=run_unbind)


def run_list(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    settings = load_settings(env)
    roles = channel_roles(load_programme(settings.programme))
    upgrade(settings.database_url)
    found = asyncio.run(_bindings(settings))
    bound = {(b.role, b.platform): b.channel_id for b in found}
    platforms = [
        p for p in BINDABLE if p in settings.platforms or any(b.platform == p for b in found)
    ]
    platforms = platforms or list(BINDABLE)
    extra = sorted({b.role for b in found} - set(roles))
    width = max(len(r) for r in [*roles, *extra])
    for role in [*roles, *extra]:
        where = "  ".join(f"{p}: {bound.get((role, p), 'not bound')}" for p in platforms)
        note = "  (not in the programme)" if role in extra else ""
        print(f"{role:<{width}}  {where}{note}")
    return 0


def run_bind(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    settings = load_settings(env)
    roles = channel_roles(load_programme(settings.programme))
    if args.role not in roles:
        raise UserError(f"the programme has no channel {args.role!r} (it has: {', '.join(roles)})")
    platform, channel_id = ("slack", args.slack) if args.slack else ("teams", args.teams)
    if not channel_id.strip():
        raise UserError(f"--{platform} needs a channel id")
    upgrade(settings.database_url)
    released = asyncio.run(_bind(settings, platform, args.role, channel_id.strip()))
    waiting = f"; {released} held post{'s' if released != 1 else ''} queued" if released else ""
    print(f"qabot: {args.role} posts to {channel_id.strip()} on {platform}{waiting}")
    return 0


def run_unbind(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    settings = load_settings(env)
    platform = "slack" if args.slack else "teams"
    upgrade(settings.database_url)
    if not asyncio.run(_unbind(settings, platform, args.role)):
        raise UserError(f"{args.role} is not bound on {platform}")
    print(f"qabot: {args.role} no longer posts on {platform}")
    return 0


async def _bindings(settings: Settings) -> list[channels.Binding]:
    engine = make_engine(settings.database_url)
    try:
        async with make_sessions(engine).begin() as session:
            return await channels.bindings(session)
    finally:
        await engine.dispose()


async def _bind(settings: Settings, platform: str, role: str, channel_id: str) -> int:
    engine = make_engine(settings.database_url)
    now = dt.datetime.now(dt.UTC)
    try:
        async with make_sessions(engine).begin() as session:
            await channels.bind(session, platform, role, channel_id, now)
            return await release_held(session, platform, role, now)
    finally:
        await engine.dispose()


async def _unbind(settings: Settings, platform: str, role: str) -> bool:
    engine = make_engine(settings.database_url)
    try:
        async with make_sessions(engine).begin() as session:
            return await channels.unbind(session, platform, role)
    finally:
        await engine.dispose()
