"""Markdown-light parsing: what templates write becomes spans; escaped values stay literal."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from message_templates.markup import Bullets, Paragraph, Span, escape, parse, parse_inline, to_plain


def test_inline_styles_and_links() -> None:
    line = parse_inline("Hi **Sam**, see _this_ [guide](https://qa.example/a_b).")
    assert line == (
        Span("text", "Hi "),
        Span("bold", "Sam"),
        Span("text", ", see "),
        Span("italic", "this"),
        Span("text", " "),
        Span("link", "guide", "https://qa.example/a_b"),
        Span("text", "."),
    )


def test_underscores_inside_words_are_not_italic() -> None:
    assert parse_inline("snake_case_name") == (Span("text", "snake_case_name"),)


def test_unsafe_link_schemes_become_text() -> None:
    assert parse_inline("[click](javascript:alert)") == (Span("text", "click"),)


def test_unmatched_markers_stay_text() -> None:
    assert parse_inline("a ** b [c") == (Span("text", "a ** b [c"),)


def test_paragraphs_wrap_and_bullets_group() -> None:
    blocks = parse("One\ntwo.\n\n- first\n- second\n  wrapped\n\nLast")
    assert blocks == (
        Paragraph((Span("text", "One two."),)),
        Bullets(((Span("text", "first"),), (Span("text", "second wrapped"),))),
        Paragraph((Span("text", "Last"),)),
    )


def test_a_bullet_after_a_paragraph_line_starts_a_list() -> None:
    blocks = parse("Here:\n- one")
    assert isinstance(blocks[0], Paragraph)
    assert isinstance(blocks[1], Bullets)


def test_to_plain_drops_markup_and_keeps_link_addresses() -> None:
    text = "**Due** _soon_: [guide](https://qa.example/g)\n\n- a"
    assert to_plain(text) == "Due soon: guide (https://qa.example/g)\n\n- a"


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1))
def test_escaped_values_read_back_literally(value: str) -> None:
    assert parse_inline(escape(value)) == (Span("text", value),)
