"""Reading what people type and what buttons carry: dates, ids and names, one way everywhere."""

from __future__ import annotations

import datetime as dt

from handlers.errors import UserError

# The longest message qabot reads from a person on any platform; longer gets a kind "too long".
MAX_TEXT = 2000


def too_long(text: str) -> bool:
    return len(text) > MAX_TEXT


def first_name(name: str) -> str:
    """The name a message greets someone by."""
    return name.split()[0] if name.split() else name


def parse_date(text: str) -> dt.date | None:
    """ISO (2027-01-04) or UK (04/01/2027); nothing else is guessed."""
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def parse_id(text: str, what: str = "audit") -> int:
    """An id carried by a button or form; a clear problem if it is not one."""
    if not text.strip().isdigit():
        raise UserError(f"I couldn't tell which {what} that was for. Please try from the message.")
    return int(text)
