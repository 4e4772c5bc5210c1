"""Broadcast messages: the post itself (the QA team's markdown, converted for every platform),
and the answers and reminders around it.

A post's `meta` carries only the activity, the kind, the broadcast id and whether it is a
simulation's placeholder, so a simulation prints it as SPEC §6 describes without any text.
"""

from __future__ import annotations

import datetime as dt
import math

from handlers.broadcasts.ids import READ, WANTED_TYPE
from handlers.broadcasts.markdown import to_wording
from handlers.core.deps import Deps
from handlers.core.parsing import first_name
from handlers.programme.schema import BroadcastActivity
from handlers.reminders.ids import WHY
from message_templates.markup import Prepared
from message_templates.model import Button, Message
from storage.broadcasts.queue import Queued, Reads

WORDS_A_MINUTE = 200


def read_minutes(body: str) -> int:
    return max(1, math.ceil(len(body.split()) / WORDS_A_MINUTE))


def posted(deps: Deps, item: Queued, activity: BroadcastActivity | None) -> Message:
    """To the channel; with "I've read this" when the programme asks for acknowledgements."""
    context = {
        "series": activity.title if activity is not None else item.title,
        "headline": item.title,
        "body": Prepared(to_wording(item.body)),
        "read_minutes": read_minutes(item.body),
        "placeholder": item.placeholder,
    }
    meta = {"type": "broadcast.posted", "activity": item.activity, "kind": item.kind,
            "broadcast": item.id}  # fmt: skip
    if item.placeholder:
        meta["placeholder"] = True
    buttons: tuple[Button, ...] = ()
    if activity is not None and activity.acknowledge:
        label = deps.wording.label("broadcast_posted", "button_ack", context)
        buttons = (Button(label, READ, str(item.id), "primary"),)
    return deps.wording.compose("broadcast_posted", context, buttons=buttons, meta=meta)


def read(deps: Deps, name: str, item: Queued, first: bool) -> Message:
    context = {"name": first_name(name), "headline": item.title, "first": first}
    meta = {"type": "broadcast.read", "broadcast": item.id, "first": first}
    return deps.wording.compose("broadcast_read", context, meta=meta)


def queued(deps: Deps, item: Queued, activity: BroadcastActivity) -> Message:
    local = item.scheduled_for.astimezone(deps.calendar.zone)
    context = {"series": activity.title, "channel": item.channel, "when": local.date(),
               "time": f"{local:%H:%M}"}  # fmt: skip
    meta = {"type": "broadcast.queued", "broadcast": item.id, "activity": activity.id}
    return deps.wording.compose("broadcast_queued", context, meta=meta)


def reads(deps: Deps, found: list[Reads]) -> Message:
    items = [
        {"headline": r.title, "posted_on": deps.calendar.local_date(r.posted_at),
         "total": r.total, "teams": [{"team": t, "count": n} for t, n in r.by_team]}
        for r in found
    ]  # fmt: skip
    meta = {"type": "broadcast.reads", "broadcasts": len(found)}
    return deps.wording.compose("broadcast_reads", context={"items": items}, meta=meta)


def wanted(deps: Deps, name: str, activity: BroadcastActivity, when: dt.date) -> Message:
    """A digest item: the slot on `when` has nothing queued."""
    context = {"name": first_name(name), "series": activity.title, "when": when,
               "channel": activity.channel}  # fmt: skip
    why = Button(deps.wording.label("broadcast_wanted", "button_why", context), WHY, WANTED_TYPE)
    meta = {"type": WANTED_TYPE, "activity": activity.id, "due": when.isoformat()}
    return deps.wording.compose("broadcast_wanted", context, buttons=(why,), meta=meta)
