"""The neutral message model and the Jinja2 wording of every message qabot sends."""
