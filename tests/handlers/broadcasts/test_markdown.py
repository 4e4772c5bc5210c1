"""The QA team's markdown as the wording format every platform renders: bold, italics, links
and lists kept; headings bold; raw HTML and unsafe links left as visible text."""

from __future__ import annotations

from handlers.broadcasts.markdown import to_wording
from message_templates.markup import Bullets, Paragraph, Span, parse

ITEM = """# What we learnt in March

Recording the **voice of the child** matters: _ask_, then write it down.
See [the practice guide](https://council.example/guide).

## Three questions

1. What is life like at home?
2. Who helps you?

- Keep it short
- Read it back
"""


def test_markdown_becomes_the_wording_format() -> None:
    assert to_wording(ITEM) == (
        "**What we learnt in March**\n\n"
        "Recording the **voice of the child** matters: _ask_, then write it down. "
        "See [the practice guide](https://council.example/guide).\n\n"
        "**Three questions**\n\n"
        "- 1. What is life like at home?\n- 2. Who helps you?\n\n"
        "- Keep it short\n- Read it back"
    )
    blocks = parse(to_wording(ITEM))
    assert blocks[1] == Paragraph((
        Span("text", "Recording the "), Span("bold", "voice of the child"),
        Span("text", " matters: "), Span("italic", "ask"),
        Span("text", ", then write it down. See "),
        Span("link", "the practice guide", "https://council.example/guide"),
        Span("text", "."),
    ))  # fmt: skip
    assert isinstance(blocks[3], Bullets) and len(blocks[3].items) == 2


def test_html_and_unsafe_links_stay_visible_text() -> None:
    text = "<script>alert(1)</script>\n\n<b>hi</b> [click](javascript:alert(1)) *a* [x]"
    blocks = parse(to_wording(text))
    spans = [span for block in blocks if isinstance(block, Paragraph) for span in block.line]
    assert all(span.kind in ("text", "italic") for span in spans)
    words = "".join(span.text for span in spans)
    assert "<script>alert(1)</script>" in words and "[click](javascript:alert(1))" in words
