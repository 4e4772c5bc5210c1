"""A message's buttons in rows, one for each item they act on: shared by the platform renderers.

A day's gathered reminder (`meta["items"]`, more than one) lists each reminder's buttons in
turn, every reminder's ending with the same closing button ("Why am I getting this?"), so a row
ends after each closing button and a reminder's "It's done" never sits beside another's
"Snooze". Any other message's buttons make one row. A row is then split wherever an action comes
again, since a platform carries one action id once in a row (Block Kit refuses a repeat).
"""

from __future__ import annotations

from collections.abc import Sequence

from message_templates.model import Button, Message


def button_rows(message: Message, extra: Sequence[Button] = ()) -> list[list[Button]]:
    """`extra` (a form's opening button, say) leads the first row."""
    buttons = [*extra, *message.buttons]
    if not buttons:
        return []
    return [row for item in _by_item(message, buttons) for row in _without_repeats(item)]


def split(rows: list[list[Button]], size: int) -> list[list[Button]]:
    """Rows of at most `size` buttons, for a platform that shows no more in one row."""
    return [row[start : start + size] for row in rows for start in range(0, len(row), size)]


def _by_item(message: Message, buttons: list[Button]) -> list[list[Button]]:
    items = message.meta.get("items")
    closing = message.buttons[-1].action if message.buttons else ""
    count = len(items) if isinstance(items, list) else 0
    if count < 2 or sum(b.action == closing for b in buttons) != count:
        return [buttons]
    rows: list[list[Button]] = [[]]
    for button in buttons:
        rows[-1].append(button)
        if button.action == closing:
            rows.append([])
    return [row for row in rows if row]


def _without_repeats(buttons: list[Button]) -> list[list[Button]]:
    rows: list[list[Button]] = []
    for button in buttons:
        if not rows or button.action in {b.action for b in rows[-1]}:
            rows.append([button])
        else:
            rows[-1].append(button)
    return rows
