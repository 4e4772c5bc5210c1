"""Storage owns the database: typed models, repositories and migrations."""

from storage._write_gate import after_answers
from storage.database import Sessions, make_engine, make_private_engine, make_sessions, upgrade

__all__ = [
    "Sessions",
    "after_answers",
    "make_engine",
    "make_private_engine",
    "make_sessions",
    "upgrade",
]
