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


def parse_time(text: str) -> dt.time | None:
    """A time of day as people type it: 14:30, 14.30, 9:00, 2pm, 2.30pm; nothing else guessed."""
    words = text.strip().lower().replace(" ", "").replace(".", ":")
    half = words[-2:] if words[-2:] in ("am", "pm") else ""
    digits = words[: len(words) - len(half)]
    hours, _, minutes = digits.partition(":")
    if not hours.isdigit() or not (minutes.isdigit() or (half and not minutes)):
        return None
    hour, minute = int(hours), int(minutes or 0)
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59 or len(minutes) not in (0, 2):
        return None
    return dt.time(hour, minute)


def same_case(typed: str, case_ref: str) -> bool:
    """Whether what someone typed names this case reference: "c-000123" is C-000123, the case of
    the letters and the spaces around it aside. Case references are matched this way only."""
    return typed.strip().casefold() == case_ref.strip().casefold()


def parse_id(text: str, what: str = "audit") -> int:
    """An id carried by a button or form; a clear problem if it is not one."""
    if not text.strip().isdigit():
        raise UserError(f"I couldn't tell which {what} that was for. Please try from the message.")
    return int(text)
