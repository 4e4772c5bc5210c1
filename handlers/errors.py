"""Expected problems: a UserError becomes a polite reply or one clear line, never a traceback."""


class UserError(Exception):
    """Something the person can put right; the message says what and how."""
