"""The QA team's markdown as the wording format every platform renders (message_templates/
markup.py: bold, italic, links, bullets), so one broadcast reads as Slack mrkdwn, Adaptive Card
TextBlocks and sandbox HTML alike, each renderer escaping for its own platform.

CommonMark is parsed by markdown-it-py with raw HTML off: any HTML the file holds stays
visible text, never markup. Headings become bold lines, numbered lists keep their numbers as
bullets, code reads as plain text, images as their description; nesting is flattened.
"""

from __future__ import annotations

from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.token import Token

from message_templates.markup import escape, is_safe_url

_PARSER = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def to_wording(markdown: str) -> str:
    """Markdown to wording-format text: paragraphs apart, bullets as "- " lines."""
    blocks: list[str] = []
    bullets: list[str] = []
    numbers: list[int | None] = []  # the open lists: the next number, None for bullets
    prefix = ""
    heading = False
    for token in _PARSER.parse(markdown):
        kind = token.type
        if kind in ("heading_open", "heading_close"):
            heading = kind == "heading_open"
        elif kind in ("bullet_list_open", "ordered_list_open"):
            start = token.attrGet("start")
            numbers.append(int(start or 1) if kind == "ordered_list_open" else None)
        elif kind in ("bullet_list_close", "ordered_list_close"):
            numbers.pop()
            if not numbers and bullets:
                blocks.append("\n".join(bullets))
                bullets = []
        elif kind == "list_item_open" and numbers:
            number = numbers[-1]
            prefix = f"{number}. " if number is not None else ""
            if number is not None:
                numbers[-1] = number + 1
        elif kind == "inline":
            line = _inline(token.children or [])
            if not line.strip():
                continue
            if numbers:
                bullets.append("- " + escape(prefix) + line)
                prefix = ""
            elif heading:
                blocks.append(f"**{escape(_plain(token.children or []))}**")
            else:
                blocks.append(line)
        elif kind in ("code_block", "fence"):
            code = " ".join(token.content.split())
            if code:
                target = bullets if numbers else blocks
                target.append(("- " if numbers else "") + escape(code))
    if bullets:
        blocks.append("\n".join(bullets))
    return "\n\n".join(blocks)


def _inline(children: Sequence[Token]) -> str:
    out: list[str] = []
    i = 0
    while i < len(children):
        child = children[i]
        kind = child.type
        if kind in ("strong_open", "em_open", "link_open"):
            close = kind.replace("_open", "_close")
            depth, j = 1, i + 1
            while j < len(children) and depth:
                depth += {kind: 1, close: -1}.get(children[j].type, 0)
                j += 1
            inner = _plain(children[i + 1 : j - 1])
            if kind == "strong_open" and inner.strip():
                out.append(f"**{escape(inner)}**")
            elif kind == "em_open" and inner.strip() and not _inside_word(out, children, j):
                out.append(f"_{escape(inner)}_")
            elif kind == "link_open":
                href = str(child.attrGet("href") or "")
                label = inner or href
                if is_safe_url(href):
                    out.append(f"[{escape(label)}]({escape(href)})")
                else:
                    out.append(escape(label))
            else:
                out.append(escape(inner))
            i = j
            continue
        out.append(escape(_leaf(child)))
        i += 1
    return "".join(out)


def _inside_word(out: list[str], children: Sequence[Token], after: int) -> bool:
    """Whether italics would touch a letter either side, where the wording format cannot show
    them (the words then stay plain)."""
    before = out[-1][-1:] if out and out[-1] else ""
    following = children[after].content[:1] if after < len(children) else ""
    return before.isalnum() or following.isalnum()


def _plain(children: Sequence[Token]) -> str:
    """The words of a run of inline tokens, unstyled and unescaped."""
    return "".join(_leaf(child) for child in children)


def _leaf(token: Token) -> str:
    """One inline token's words: text, code and any HTML as written; an image's description."""
    if token.type in ("softbreak", "hardbreak"):
        return " "
    if token.type == "image":
        return _plain(token.children or []) or token.content
    return token.content
