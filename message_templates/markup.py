"""Markdown-light, the wording format: **bold**, _italic_, [label](url) and "- " bullet lines.

Templates write it; every renderer walks the parsed tree and escapes text for its platform.
Values put into a template are escaped with `escape` first, so a person's text never turns
into formatting or a link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

SpanKind = Literal["text", "bold", "italic", "link"]
SAFE_SCHEMES = ("https://", "http://", "mailto:")
_SPECIAL = "\\*_[]()"
_ESCAPES = str.maketrans({ch: "\\" + ch for ch in _SPECIAL})
_MARKER = re.compile(r"[*_\[\\]")  # where a span or an escape may start


@dataclass(frozen=True)
class Span:
    """A run of text with one style; `url` is set for links only."""

    kind: SpanKind
    text: str
    url: str = ""


Line = tuple[Span, ...]


@dataclass(frozen=True)
class Paragraph:
    line: Line


@dataclass(frozen=True)
class Bullets:
    items: tuple[Line, ...]


Block = Paragraph | Bullets


class Prepared(str):
    """Wording-format text qabot composed itself from escaped parts (a broadcast's markdown,
    converted): a template places it as it is, so its bold, links and bullets show."""


def escape(value: str) -> str:
    """Backslash-escape Markdown-light characters so the value reads literally."""
    return value.translate(_ESCAPES)


def is_safe_url(url: str) -> bool:
    """Only web and mail links are shown as links; anything else stays text."""
    return url.lower().startswith(SAFE_SCHEMES)


def parse(text: str) -> tuple[Block, ...]:
    """Blank lines separate paragraphs; lines starting "- " are bullets; other lines wrap."""
    blocks: list[Block] = []
    for chunk in _chunks(text):
        if chunk[0].startswith("- "):
            blocks.append(Bullets(tuple(parse_inline(b) for b in _bullet_items(chunk))))
        else:
            blocks.append(Paragraph(parse_inline(" ".join(chunk))))
    return tuple(blocks)


def _chunks(text: str) -> list[list[str]]:
    """Groups of non-blank lines; a bullet starts a new group after a paragraph line."""
    chunks: list[list[str]] = [[]]
    for raw in text.splitlines():
        line = raw.strip()
        current = chunks[-1]
        if not line:
            chunks.append([])
        elif line.startswith("- ") and current and not current[0].startswith("- "):
            chunks.append([line])
        else:
            current.append(line)
    return [chunk for chunk in chunks if chunk]


def _bullet_items(chunk: list[str]) -> list[str]:
    items: list[str] = []
    for line in chunk:
        if line.startswith("- "):
            items.append(line[2:].strip())
        elif items:
            items[-1] += " " + line
    return items


def parse_inline(text: str) -> Line:
    """Split one line into styled spans; an unmatched marker stays as text."""
    spans: list[Span] = []
    buffer: list[str] = []
    i = 0
    while i < len(text):
        marker = _MARKER.search(text, i)
        if marker is None:
            buffer.append(text[i:])
            break
        if marker.start() > i:  # plain words up to the next marker, in one step
            buffer.append(text[i : marker.start()])
            i = marker.start()
        found = _match_at(text, i)
        if found is None:
            if text[i] == "\\" and i + 1 < len(text):
                i += 1
            buffer.append(text[i])
            i += 1
            continue
        span, i = found
        if buffer:
            spans.append(Span("text", "".join(buffer)))
            buffer = []
        spans.append(span)
    if buffer:
        spans.append(Span("text", "".join(buffer)))
    return _merge(spans)


def _match_at(text: str, i: int) -> tuple[Span, int] | None:
    if text.startswith("**", i):
        end = _find_unescaped(text, "**", i + 2)
        if end > i + 2:
            return Span("bold", _unescape(text[i + 2 : end])), end + 2
    elif text[i] == "_" and (i == 0 or not text[i - 1].isalnum()):
        end = _find_unescaped(text, "_", i + 1)
        if end > i + 1 and (end + 1 == len(text) or not text[end + 1].isalnum()):
            return Span("italic", _unescape(text[i + 1 : end])), end + 1
    elif text[i] == "[":
        return _match_link(text, i)
    return None


def _match_link(text: str, i: int) -> tuple[Span, int] | None:
    close = _find_unescaped(text, "]", i + 1)
    if close < 0 or not text.startswith("(", close + 1):
        return None
    end = _find_unescaped(text, ")", close + 2)
    if end < 0:
        return None
    label, url = _unescape(text[i + 1 : close]), _unescape(text[close + 2 : end])
    if not is_safe_url(url):
        return Span("text", label), end + 1
    return Span("link", label or url, url), end + 1


def _find_unescaped(text: str, marker: str, start: int) -> int:
    i = start
    while i <= len(text) - len(marker):
        if text[i] == "\\":
            i += 2
            continue
        if text.startswith(marker, i):
            return i
        i += 1
    return -1


def _unescape(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            i += 1
        out.append(text[i])
        i += 1
    return "".join(out)


def _merge(spans: list[Span]) -> Line:
    merged: list[Span] = []
    for span in spans:
        if merged and span.kind == "text" and merged[-1].kind == "text":
            merged[-1] = Span("text", merged[-1].text + span.text)
        else:
            merged.append(span)
    return tuple(merged)


def line_text(line: Line) -> str:
    """The words of a line without any styling; links keep their address when it differs."""
    parts = []
    for span in line:
        show_url = span.kind == "link" and span.url not in (span.text, "mailto:" + span.text)
        parts.append(f"{span.text} ({span.url})" if show_url else span.text)
    return "".join(parts)


def to_plain(text: str) -> str:
    """Markdown-light to plain text: paragraphs separated by a blank line, bullets as "- "."""
    out = []
    for block in parse(text):
        if isinstance(block, Paragraph):
            out.append(line_text(block.line))
        else:
            out.append("\n".join("- " + line_text(item) for item in block.items))
    return "\n\n".join(out)
