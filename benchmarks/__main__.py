"""Run every benchmark module's main() in turn: `python -m benchmarks`."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path


def main() -> None:
    for module in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda m: m.name):
        if module.name.startswith("_"):
            continue
        importlib.import_module(f"benchmarks.{module.name}").main()


if __name__ == "__main__":
    main()
