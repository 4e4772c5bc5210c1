"""The broadcast post: the QA team's words as written, with the series it belongs to.

Its `meta` carries only the activity, the kind and the broadcast id, so a simulation prints it
as SPEC §6 describes without any of its text.
"""

from __future__ import annotations

import math

from handlers.core.deps import Deps
from message_templates.model import Message
from storage.broadcasts.queue import Queued

WORDS_A_MINUTE = 200


def read_minutes(body: str) -> int:
    return max(1, math.ceil(len(body.split()) / WORDS_A_MINUTE))


def posted(deps: Deps, item: Queued, series: str) -> Message:
    context = {
        "series": series,
        "headline": item.title,
        "body": item.body,
        "read_minutes": read_minutes(item.body),
    }
    meta = {"type": "broadcast.posted", "activity": item.activity, "kind": item.kind,
            "broadcast": item.id}  # fmt: skip
    return deps.wording.compose("broadcast_posted", context, meta=meta)
