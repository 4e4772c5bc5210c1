"""Outbox keys of observations of practice, each built in one place."""

from __future__ import annotations


def recorded(observation_id: int) -> str:
    """The observed worker's word that an observation of their practice is recorded."""
    return f"observation.recorded:{observation_id}"
