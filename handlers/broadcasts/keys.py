"""Outbox keys of broadcasts, each built in one place."""

from __future__ import annotations


def posted(broadcast_id: int) -> str:
    """One post per broadcast (delivery adds `@<platform>` for each further platform)."""
    return f"broadcast.posted:{broadcast_id}"
