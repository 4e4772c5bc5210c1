"""Storage owns the database: typed models, repositories and migrations."""

from storage.database import Sessions, make_engine, make_private_engine, make_sessions, upgrade

__all__ = ["Sessions", "make_engine", "make_private_engine", "make_sessions", "upgrade"]
