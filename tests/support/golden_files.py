"""Golden files: rendered output compared with what was reviewed and committed (tests only)."""

from __future__ import annotations

import os
from pathlib import Path

GOLDEN = Path(__file__).parents[1] / "golden"


def check_golden(path: Path, actual: str) -> None:
    """Compare with the golden file; QABOT_UPDATE_GOLDEN=1 rewrites it instead."""
    if os.environ.get("QABOT_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.is_file(), f"no golden file {path}: run with QABOT_UPDATE_GOLDEN=1"
    assert actual == path.read_text(encoding="utf-8")
