"""`qabot db upgrade`: bring the database to the newest schema."""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from bot.settings import load_settings
from storage import upgrade


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    db = subparsers.add_parser("db", help="database housekeeping")
    verbs = db.add_subparsers(dest="verb", metavar="VERB", required=True)
    up = verbs.add_parser("upgrade", help="apply every migration to QABOT_DATABASE_URL")
    up.set_defaults(handler=run_upgrade)


def run_upgrade(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    settings = load_settings(env)
    upgrade(settings.database_url)
    print("qabot: database is up to date")
    return 0
