"""Sub-commands of `qabot`; each module registers its own parsers with a handler(args, env)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from bot.commands import (
    audit,
    broadcast,
    channels,
    db,
    manifest,
    practice_week,
    roster,
    run,
    simulate,
)
from bot.commands import programme as programme_command

Register = Callable[[argparse._SubParsersAction], None]  # type: ignore[type-arg]

COMMANDS: list[Register] = [
    db.register,
    programme_command.register,
    run.register,
    audit.register,
    roster.register,
    broadcast.register,
    practice_week.register,
    simulate.register,
    manifest.register,
    channels.register,
]
