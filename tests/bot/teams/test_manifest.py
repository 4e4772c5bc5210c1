"""`qabot manifest teams --out app.zip`: a package that validates against Teams' app manifest
schema, with icons of the sizes Teams asks for (the outline white on transparent)."""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from jsonschema import Draft4Validator
from platform_checks import shared_reference

from bot.cli import main

APP_ID = "9b1c7c5e-0000-4000-8000-0000000000aa"
SCHEMA = "reference/teams/manifest/MicrosoftTeams.v1.29.schema.json"
FLAGS = [
    "--url", "https://qabot.council.example",
    "--developer", "Anyshire County Council",
    "--website", "https://www.anyshire.example/qabot",
    "--privacy-url", "https://www.anyshire.example/privacy/qabot",
]  # fmt: skip
ENV = {"TEAMS_APP_ID": APP_ID, "TEAMS_TERMS_URL": "https://www.anyshire.example/terms"}


def decode_png(data: bytes) -> tuple[int, int, list[list[tuple[int, int, int, int]]]]:
    """Width, height and RGBA pixels of an 8-bit RGBA PNG, checking every chunk's CRC."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    at, chunks = 8, {}
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert zlib.crc32(kind + body) == crc, kind
        chunks[kind] = chunks.get(kind, b"") + body
        at += 12 + length
    width, height, depth, colour, *_ = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert (depth, colour) == (8, 6) and b"IEND" in chunks
    raw = zlib.decompress(chunks[b"IDAT"])
    stride = width * 4 + 1
    rows = []
    for y in range(height):
        line = raw[y * stride : (y + 1) * stride]
        assert line[0] == 0  # unfiltered rows, as written
        rows.append([tuple(line[1 + x * 4 : 5 + x * 4]) for x in range(width)])
    return width, height, rows  # type: ignore[return-value]


def write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *flags: str) -> Path:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    out = tmp_path / "app.zip"
    assert main(["manifest", "teams", "--out", str(out), *FLAGS, *flags]) == 0
    return out


def test_the_package_validates_against_the_teams_manifest_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = write(tmp_path, monkeypatch)
    with zipfile.ZipFile(out) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        found = json.loads(package.read("manifest.json"))
    schema = json.loads(shared_reference(SCHEMA).read_text(encoding="utf-8"))
    errors = [
        f"{list(e.absolute_path)}: {e.message}" for e in Draft4Validator(schema).iter_errors(found)
    ]
    assert errors == []
    assert found["manifestVersion"] == "1.29" and found["id"] == APP_ID
    [bot] = found["bots"]
    assert bot["botId"] == APP_ID and bot["scopes"] == ["personal", "team"]
    personal = [c["title"] for c in bot["commandLists"][0]["commands"]]
    assert personal == ["help", "my qa", "away until DATE", "back",
                        "meeting CASE on DATE at TIME", "reflections"]  # fmt: skip
    assert found["validDomains"] == ["qabot.council.example"]
    assert found["developer"] == {
        "name": "Anyshire County Council",
        "websiteUrl": "https://www.anyshire.example/qabot",
        "privacyUrl": "https://www.anyshire.example/privacy/qabot",
        "termsOfUseUrl": "https://www.anyshire.example/terms",  # from the setting
    }


def test_the_icons_are_the_sizes_teams_asks_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with zipfile.ZipFile(write(tmp_path, monkeypatch)) as package:
        color, outline = package.read("color.png"), package.read("outline.png")
    width, height, pixels = decode_png(color)
    assert (width, height) == (192, 192)
    assert all(p[3] == 255 for row in pixels for p in row)  # opaque, full colour
    width, height, pixels = decode_png(outline)
    assert (width, height) == (32, 32)
    inked = [p for row in pixels for p in row if p[3] > 0]
    assert all(p[:3] == (255, 255, 255) for p in inked)  # white only
    assert 0 < len(inked) < 32 * 32 / 2  # a mark, on a transparent background
    corners = [pixels[0][0], pixels[0][-1], pixels[-1][0], pixels[-1][-1]]
    assert all(p[3] == 0 for p in corners)


def test_a_missing_or_wrong_detail_writes_nothing_and_says_which(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TEAMS_APP_ID", raising=False)
    monkeypatch.delenv("TEAMS_TERMS_URL", raising=False)
    out = tmp_path / "app.zip"
    assert main(["manifest", "teams", "--out", str(out), *FLAGS]) == 2
    said = capsys.readouterr().err
    assert "--app-id (or TEAMS_APP_ID)" in said and "--terms-url (or TEAMS_TERMS_URL)" in said
    assert not out.exists()
    plain = ["--app-id", "not-a-guid", "--terms-url", "http://insecure.example/terms"]
    assert main(["manifest", "teams", "--out", str(out), *FLAGS, *plain]) == 2
    said = capsys.readouterr().err
    assert "GUID" in said and "--terms-url must be an https:// address" in said
    assert not out.exists()
