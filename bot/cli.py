"""The `qabot` command: one entry point, a sub-command per job, one clear line on a mistake."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from sqlalchemy.exc import OperationalError

from bot.commands import COMMANDS
from bot.settings import SettingsError
from handlers.errors import UserError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qabot",
        description="Run a children's-services Quality Assurance Framework in Teams and Slack.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for register in COMMANDS:
        register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        result: int = args.handler(args, os.environ)
    except SettingsError as error:
        for problem in error.problems:
            print(f"qabot: {problem}", file=sys.stderr)
        return 2
    except UserError as error:
        print(f"qabot: {error}", file=sys.stderr)
        return 2
    except OperationalError as error:
        reason = str(error.orig or error).strip().splitlines()[0]
        print(f"qabot: cannot use the database ({reason})", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return result


if __name__ == "__main__":
    sys.exit(main())
