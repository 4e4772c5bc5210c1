"""`qabot manifest slack --url URL`: print the app manifest a council pastes into Slack.
`qabot manifest teams --out app.zip`: write the app package a council uploads to Teams."""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlparse

from bot.slack.manifest import manifest
from bot.teams.manifest import AppDetails, package
from handlers.errors import UserError

# Flags for the Teams package, each with the setting it falls back to
TEAMS_DETAILS = (
    ("app_id", "--app-id", "TEAMS_APP_ID", "the Entra app's id (default: TEAMS_APP_ID)"),
    (
        "url",
        "--url",
        "QABOT_PUBLIC_URL",
        "where qabot is served, e.g. https://qabot.council.example",
    ),
    ("developer", "--developer", "TEAMS_DEVELOPER_NAME", "who runs qabot, e.g. the council's name"),
    ("website_url", "--website", "TEAMS_WEBSITE_URL", "a page about qabot at the council"),
    ("privacy_url", "--privacy-url", "TEAMS_PRIVACY_URL", "the council's privacy notice for qabot"),
    ("terms_url", "--terms-url", "TEAMS_TERMS_URL", "the terms of use staff agree to"),
)


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
    teams = platforms.add_parser(
        "teams",
        help="the Teams app package (a zip) to upload in the Teams admin centre",
        description="Each detail comes from its flag, else from the setting named in its help.",
    )
    teams.add_argument("--out", required=True, type=Path, help="the zip to write, e.g. app.zip")
    for dest, flag, setting, text in TEAMS_DETAILS:
        teams.add_argument(flag, dest=dest, help=f"{text} (else {setting})")
    teams.add_argument("--name", default="qabot", help="the app's name in Teams")
    teams.set_defaults(handler=write_teams_package)


def print_slack_manifest(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    if not args.socket_mode:
        parsed = urlparse(args.url)
        if parsed.scheme != "https" or not parsed.netloc:
            raise UserError(
                f"--url must be the https:// address qabot is served at, not {args.url!r}"
            )
    print(json.dumps(manifest(args.url, args.name, socket_mode=args.socket_mode), indent=2))
    return 0


def write_teams_package(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    values = {
        dest: getattr(args, dest) or env.get(setting, "") for dest, _, setting, _ in TEAMS_DETAILS
    }
    missing = [
        f"{flag} (or {setting})" for dest, flag, setting, _ in TEAMS_DETAILS if not values[dest]
    ]
    if missing:
        raise UserError(f"the Teams app package needs {', '.join(missing)}")
    details = AppDetails(name=args.name, **values)
    problems = details.problems()
    if problems:
        raise UserError("; ".join(problems))
    args.out.write_bytes(package(details))
    print(
        f"qabot: wrote {args.out}: upload it in the Teams admin centre (Teams apps > Manage apps)"
    )
    return 0
