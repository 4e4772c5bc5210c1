"""Expected problems: a UserError becomes a polite reply or one clear line, never a traceback."""


class UserError(Exception):
    """Something the person can put right; the message says what and how. `field` names the
    form field at fault, when there is one, so a platform can show the problem next to it."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field
