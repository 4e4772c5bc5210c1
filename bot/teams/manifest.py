"""The Teams app package a council uploads: manifest.json and its two icons, zipped.

The manifest follows Teams' app manifest schema 1.29: the bot (id = the Entra app's id) in
personal and team scope, its commands, the domain qabot is served at, and the developer's name
and links. The icons are drawn here and written as PNGs with zlib, no imaging library: a
192×192 colour icon, and a 32×32 outline in white on a transparent background.
"""

from __future__ import annotations

import io
import json
import math
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any
from urllib.parse import urlsplit

SCHEMA_VERSION = "1.29"
SCHEMA_URL = f"https://developer.microsoft.com/json-schemas/teams/v{SCHEMA_VERSION}/MicrosoftTeams.schema.json"
ACCENT = (0x1D, 0x4F, 0x91)  # the colour icon's background, and the accent colour
GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")

PERSONAL_COMMANDS = (
    ("help", "What I can do for you"),
    ("my qa", "Your audits, reflections, moderations and actions, and when each is due"),
    ("away until DATE", "Pause your reminders while you're away, e.g. away until 14 March"),
    ("back", "Start your reminders again"),
    ("meeting CASE on DATE at TIME", "Set when you and the other person meet for an audit"),
    ("reflections", "The reflective discussions you've had, for supervision"),
)
TEAM_COMMANDS = (
    ("post ROLE here", "QA team: send the posts for ROLE (e.g. all-staff) to this channel"),
)


@dataclass(frozen=True)
class AppDetails:
    """What a council fills in: the Entra app's id, where qabot is served, and who runs it."""

    app_id: str
    url: str
    developer: str
    website_url: str
    privacy_url: str
    terms_url: str
    name: str = "qabot"

    def problems(self) -> list[str]:
        found = []
        if not GUID.match(self.app_id):
            found.append(f"the app id must be the Entra app's id (a GUID), not {self.app_id!r}")
        for label, url in (
            ("--url", self.url),
            ("--website", self.website_url),
            ("--privacy-url", self.privacy_url),
            ("--terms-url", self.terms_url),
        ):
            parts = urlsplit(url)
            if parts.scheme != "https" or not parts.hostname:
                found.append(f"{label} must be an https:// address, not {url!r}")
        if not self.developer.strip() or len(self.developer) > 32:
            found.append("the developer name must be 1 to 32 characters")
        if not self.name.strip() or len(self.name) > 30:
            found.append("the app name must be 1 to 30 characters")
        return found


def manifest(details: AppDetails) -> dict[str, Any]:
    """manifest.json for these details."""
    host = urlsplit(details.url).hostname or ""
    return {
        "$schema": SCHEMA_URL,
        "manifestVersion": SCHEMA_VERSION,
        "version": _version(),
        "id": details.app_id,
        "developer": {
            "name": details.developer,
            "websiteUrl": details.website_url,
            "privacyUrl": details.privacy_url,
            "termsOfUseUrl": details.terms_url,
        },
        "name": {"short": details.name, "full": f"{details.name}: quality assurance"},
        "description": {
            "short": "Your council's quality assurance framework, in Teams.",
            "full": (
                "qabot runs a children's services Quality Assurance Framework in Teams: monthly "
                "case-file audits with the social worker, checklists, reflective discussions, "
                "moderation, actions and observations of practice, with one gentle reminder a "
                "day at most. It names cases by reference only."
            ),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "bots": [
            {
                "botId": details.app_id,
                "scopes": ["personal", "team"],
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [
                    _commands("personal", PERSONAL_COMMANDS),
                    _commands("team", TEAM_COMMANDS),
                ],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [host],
    }


def package(details: AppDetails) -> bytes:
    """The app package: a zip of manifest.json, color.png and outline.png."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest(details), indent=2) + "\n")
        archive.writestr("color.png", color_icon())
        archive.writestr("outline.png", outline_icon())
    return buffer.getvalue()


def _commands(scope: str, commands: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    return {
        "scopes": [scope],
        "commands": [{"title": title, "description": text} for title, text in commands],
    }


def _version() -> str:
    try:
        found = version("qabot")
    except PackageNotFoundError:  # pragma: no cover - run from a tree never installed
        return "0.1.0"
    match = re.match(r"^(\d+)\.(\d+)\.(\d+)", found)
    return ".".join(str(int(part)) for part in match.groups()) if match else "0.1.0"


# --- icons ---------------------------------------------------------------------------------

Shape = Callable[[float, float], bool]  # whether a point of the unit square is inked


def _tick_in_ring(x: float, y: float) -> bool:
    """qabot's mark on the unit square: a ring with a tick inside."""
    distance = math.hypot(x - 0.5, y - 0.5)
    if 0.36 <= distance <= 0.46:
        return True
    return _near_segment(x, y, (0.30, 0.52), (0.45, 0.66), 0.055) or _near_segment(
        x, y, (0.45, 0.66), (0.71, 0.36), 0.055
    )


def _near_segment(
    x: float, y: float, a: tuple[float, float], b: tuple[float, float], width: float
) -> bool:
    ax, ay = a
    bx, by = b
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(x - (ax + t * dx), y - (ay + t * dy)) <= width


def _coverage(shape: Shape, size: int, samples: int = 4) -> list[list[float]]:
    """How much of each pixel the shape covers, 0 to 1 (supersampled, for smooth edges)."""
    step = 1.0 / (size * samples)
    grid = []
    for row in range(size):
        line = []
        for column in range(size):
            inked = sum(
                shape((column * samples + i + 0.5) * step, (row * samples + j + 0.5) * step)
                for i in range(samples)
                for j in range(samples)
            )
            line.append(inked / (samples * samples))
        grid.append(line)
    return grid


def color_icon(size: int = 192) -> bytes:
    """The full-colour icon: the mark in white on qabot's blue, opaque."""
    pixels = []
    for line in _coverage(_tick_in_ring, size, samples=3):
        row = bytearray()
        for ink in line:
            row += bytes(round(c + (255 - c) * ink) for c in ACCENT) + b"\xff"
        pixels.append(bytes(row))
    return png(size, size, pixels)


def outline_icon(size: int = 32) -> bytes:
    """The outline icon: the mark in white, everything else transparent."""
    pixels = [
        b"".join(b"\xff\xff\xff" + bytes([round(255 * ink)]) for ink in line)
        for line in _coverage(_tick_in_ring, size)
    ]
    return png(size, size, pixels)


def png(width: int, height: int, rows: list[bytes]) -> bytes:
    """An 8-bit RGBA PNG of these rows (4 bytes a pixel), each row unfiltered."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    raw = b"".join(b"\x00" + row for row in rows)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )
