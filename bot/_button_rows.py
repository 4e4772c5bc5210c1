"""Buttons in rows for the platform renderers: a row never carries one action id twice (Block
Kit refuses a repeat), and a platform that shows only so many in a row gets shorter rows.

A gathered message's items each bring their buttons in their own section, so rows no longer
need to guess where one item's buttons end and the next one's begin.
"""

from __future__ import annotations

from collections.abc import Sequence

from message_templates.model import Button


def button_rows(buttons: Sequence[Button]) -> list[list[Button]]:
    """The buttons in order, a new row wherever an action comes again."""
    rows: list[list[Button]] = []
    for button in buttons:
        if not rows or button.action in {b.action for b in rows[-1]}:
            rows.append([button])
        else:
            rows[-1].append(button)
    return rows


def split(rows: list[list[Button]], size: int) -> list[list[Button]]:
    """Rows of at most `size` buttons, for a platform that shows no more in one row."""
    return [row[start : start + size] for row in rows for start in range(0, len(row), size)]
