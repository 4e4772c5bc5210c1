"""The local sandbox: a web page showing people's messages as qabot sends them, no JavaScript."""

from bot.sandbox.render import to_html

__all__ = ["to_html"]
