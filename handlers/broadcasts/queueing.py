"""Queueing a broadcast: the markdown read (its first heading is the title), the privacy check,
and its slot: its own time, or the programme's next cadence slot after the last one taken, so
queued items post in order, one a slot."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.broadcasts.cadence import next_slot
from handlers.core.deps import Deps
from handlers.core.permissions import QUEUE_BROADCASTS, operator
from handlers.core.privacy import Finding, findings, refusal
from handlers.errors import UserError
from handlers.programme.schema import BroadcastActivity, Programme
from storage.broadcasts import queue

KINDS = ("newsletter", "bitesize")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")
TITLE_LENGTH = 200


class Refused(UserError):
    """The privacy check found something that could identify a child; nothing is queued."""

    def __init__(self, source: str, found: list[Finding]) -> None:
        self.found = found
        super().__init__(f"{source} was not queued, it may identify a child: {refusal(found)}")


@dataclass(frozen=True)
class Draft:
    title: str
    body: str


def read_markdown(text: str, source: str) -> Draft:
    """The first heading is the title; everything after it is the body."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        heading = _HEADING.match(line)
        if heading:
            title = heading.group(1).strip()
            body = "\n".join(lines[index + 1 :]).strip()
            if len(title) > TITLE_LENGTH:
                raise UserError(f"{source}: the title is over {TITLE_LENGTH} characters")
            if not body:
                raise UserError(f"{source}: there is nothing under the heading {title!r}")
            return Draft(title, body)
    raise UserError(f"{source} has no heading: start it with a line like '# This month's learning'")


# the programme's formats each kind of item may go out as, most fitting first
FORMATS = {"newsletter": ("newsletter", "brief", "report"), "bitesize": ("bitesize",)}


def activity_for(
    programme: Programme, kind: str, activity_id: str | None = None
) -> BroadcastActivity:
    """The broadcast named, or the programme's first of a format this kind goes out as (a
    newsletter issue as the programme's newsletter, brief or report)."""
    found: list[BroadcastActivity] = programme.of_kind(BroadcastActivity)
    if activity_id is not None:
        for activity in found:
            if activity.id == activity_id:
                return activity
        names = ", ".join(a.id for a in found) or "none"
        raise UserError(f"no broadcast {activity_id!r} in the programme; it has: {names}")
    for format_ in FORMATS[kind]:
        for activity in found:
            if activity.format == format_:
                return activity
    raise UserError(f"the programme {programme.name!r} has no {kind} broadcast to queue into")


def check(text: str, case_refs: set[str], source: str) -> None:
    """Raise Refused when `text` holds anything that could identify a child."""
    found = findings(text, case_refs)
    if found:
        raise Refused(source, found)


async def add(
    deps: Deps,
    session: AsyncSession,
    *,
    text: str,
    source: str,
    kind: str,
    channel: str | None,
    at: dt.datetime | None,
    now: dt.datetime,
    by: str | None,
    activity_id: str | None = None,
    title: str | None = None,
) -> queue.Queued:
    """Check and queue one broadcast; Refused (and nothing stored) if the check finds anything.
    Line numbers are the file's own. `by` (a staff id) must hold a role the programme lets
    queue broadcasts. With `title`, the text is all body (a short item typed in chat)."""
    person = await operator(session, deps.programme, by, QUEUE_BROADCASTS)
    activity = activity_for(deps.programme, kind, activity_id)
    draft = Draft(title, text.strip()) if title is not None else read_markdown(text, source)
    if not draft.body:
        raise UserError("there is nothing to share: add the words after the command")
    check(text, await queue.case_refs(session), source)
    if at is None:
        last = await queue.last_cadence_slot(session, activity.id)
        scheduled = next_slot(activity, deps.calendar, max(now, last) if last else now)
    else:
        scheduled = at
    new = queue.NewBroadcast(activity.id, kind, draft.title, draft.body,
                             channel or activity.channel, scheduled, at is None,
                             created_by_id=person.id)  # fmt: skip
    broadcast_id = await queue.add(session, new, now)
    return queue.Queued(broadcast_id, new.activity, kind, draft.title, draft.body, new.channel,
                        scheduled, queue.QUEUED, None)  # fmt: skip
