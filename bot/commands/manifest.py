"""`qabot manifest slack --url URL`: print the app manifest a council pastes into Slack."""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from urllib.parse import urlparse

from bot.slack.manifest import manifest
from handlers.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("manifest", help="print a platform's app manifest")
    platforms = parser.add_subparsers(dest="platform", metavar="PLATFORM", required=True)
    slack = platforms.add_parser(
        "slack",
        help="the Slack app manifest (JSON) for 'Create an app from a manifest'",
    )
    how = slack.add_mutually_exclusive_group(required=True)
    how.add_argument(
        "--url",
        help="where qabot is served, e.g. https://qabot.council.example; Slack posts to "
        "URL/slack/events",
    )
    how.add_argument(
        "--socket-mode",
        action="store_true",
        help="qabot connects out to Slack (SLACK_APP_TOKEN): no public address needed",
    )
    slack.add_argument("--name", default="qabot", help="the app's name in Slack")
    slack.set_defaults(handler=print_slack_manifest)


def print_slack_manifest(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    if not args.socket_mode:
        parsed = urlparse(args.url)
        if parsed.scheme != "https" or not parsed.netloc:
            raise UserError(
                f"--url must be the https:// address qabot is served at, not {args.url!r}"
            )
    print(json.dumps(manifest(args.url, args.name, socket_mode=args.socket_mode), indent=2))
    return 0
