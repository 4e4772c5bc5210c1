"""Messages to Slack Block Kit: pure functions, people's text escaped, Slack's limits respected.

A checklist is a checkboxes element (action_id = the checklist action, option value = item id,
block_id carries the checklist value). A form shows as a button (action_id = OPEN_FORM + the
form action, value = the form value) that opens the form as a modal built by `to_modal`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from bot._button_rows import button_rows, split
from message_templates.markup import Bullets, Line, Span, parse
from message_templates.model import CHECKLIST_FIELD, Button, FormField, Message

Block = dict[str, Any]
OPEN_FORM = "open_form:"
MAX_MESSAGE_BLOCKS, MAX_MODAL_BLOCKS, MAX_BUTTONS = 50, 100, 25
MAX_HOME_BLOCKS = 100
MAX_PARTS = 4  # a message longer than 50 blocks goes as up to this many messages
SECTION_TEXT, FIELD_TEXT, HEADER_TEXT, BUTTON_TEXT = 3000, 2000, 150, 75
OPTION_TEXT, OPTION_VALUE, MODAL_TITLE, FALLBACK_TEXT = 75, 150, 24, 4000
_FORMATTING = "*_~`"
_ZWSP = "\u200b"
_TRUE = ("true", "yes", "on", "1")


def to_slack_message(message: Message) -> dict[str, Any]:
    """A chat.postMessage body: plain `text` for notifications and screen readers (never
    empty) plus the blocks."""
    plain = message.fallback or message.title or message.text or message.kind
    text = clip(escape(plain), FALLBACK_TEXT)
    return {"text": text, "blocks": to_blocks(message)}


def to_slack_messages(message: Message) -> list[dict[str, Any]]:
    """chat.postMessage bodies for the message: one, or for a long one (a full digest, say)
    several of at most 50 blocks each, split between its sections where it can be, every one
    with its plain `text`. Nothing is dropped unless even four messages cannot hold it."""
    text = to_slack_message(message)["text"]
    blocks = _all_blocks(message)
    parts = split_blocks(blocks, MAX_MESSAGE_BLOCKS)
    if len(parts) > MAX_PARTS:
        kept = parts[: MAX_PARTS - 1]
        rest = [b for part in parts[MAX_PARTS - 1 :] for b in part]
        parts = [*kept, _fit(rest, MAX_MESSAGE_BLOCKS)]
    count = len(parts)
    return [
        {
            "text": text if n == 0 else clip(f"{text} (part {n + 1} of {count})", FALLBACK_TEXT),
            "blocks": part,
        }
        for n, part in enumerate(parts)
    ]


def split_blocks(blocks: list[Block], limit: int) -> list[list[Block]]:
    """Blocks in runs of at most `limit`, each run ending before a divider (a gathered
    message's next section) when one falls in its second half; the divider is not repeated."""
    parts: list[list[Block]] = []
    rest = list(blocks)
    while len(rest) > limit:
        cut = limit
        dividers = [i for i in range(limit // 2, limit + 1) if rest[i]["type"] == "divider"]
        if dividers:
            cut = dividers[-1]
        parts.append(rest[:cut])
        rest = rest[cut:]
        if rest and rest[0]["type"] == "divider":
            rest = rest[1:]
    return [*parts, rest] if rest or not parts else parts


def to_home(message: Message) -> dict[str, Any]:
    """An App Home view (views.publish) of the message: at most 100 blocks."""
    return {"type": "home", "blocks": _fit(_all_blocks(message), MAX_HOME_BLOCKS)}


def to_blocks(message: Message) -> list[Block]:
    """The message as Block Kit blocks, at most 50 (text sections beyond that dropped)."""
    return _fit(_all_blocks(message), MAX_MESSAGE_BLOCKS)


def _all_blocks(message: Message) -> list[Block]:
    """The message as Block Kit blocks, however many: a gathered message's sections each under
    a divider, with a header, words, facts, checklist and their own actions."""
    blocks = _head(message)
    blocks += _checklist_blocks(message, modal=False)
    opener: tuple[Button, ...] = ()
    if message.form is not None:
        form = message.form
        label = form.open_label or form.submit_label
        opener = (Button(label, OPEN_FORM + form.action, form.value, "primary"),)
    blocks += _button_blocks(button_rows([*opener, *message.buttons]))
    for section in message.sections:
        part = message.with_section(section)
        blocks.append({"type": "divider"})
        blocks += _head(part) + _checklist_blocks(part, modal=False)
        blocks += _button_blocks(button_rows(section.buttons))
    if message.sections and (message.links or message.footer):
        blocks.append({"type": "divider"})
    return blocks + _tail(message)


def to_modal(message: Message, callback_id: str, private_metadata: str) -> dict[str, Any]:
    """A modal view for a message with a form or checklist: inputs Slack collects on submit."""
    blocks = _head(message) + _checklist_blocks(message, modal=True)
    if message.form is not None:
        if message.form.problem:
            problem = f"*{literal(message.form.problem)}*"
            blocks.append({"type": "section", "text": _mrkdwn(problem)})
        for field in message.form.fields:
            blocks.append(_input_block(field))
            if field.error:
                error = f":warning: {literal(field.error)}"
                blocks.append({"type": "context", "elements": [_mrkdwn(error)]})
    blocks += _button_blocks(button_rows(message.buttons)) + _tail(message)
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id[:255],
        "private_metadata": private_metadata[:3000],
        "title": _plain(modal_title(message.title), MODAL_TITLE),
        "blocks": _fit(blocks, MAX_MODAL_BLOCKS),
    }
    submit = message.form.submit_label if message.form else message.checklist_submit
    if message.form or message.checklist:
        view["submit"] = _plain(submit or "Save", MODAL_TITLE)
    return view


def checklist_value_of(block_id: str) -> str:
    """The checklist value carried in a checklist block's id (see `_checklist_blocks`)."""
    return block_id.split(".", 2)[2] if block_id.count(".") >= 2 else ""


def escape(text: str) -> str:
    """Escape the three characters Slack mrkdwn reserves, so text can't mention or link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def literal(text: str) -> str:
    """Text shown as written: escaped, with a zero-width space after formatting characters."""
    return "".join(ch + _ZWSP if ch in _FORMATTING else ch for ch in escape(text))


def to_mrkdwn(text: str) -> str:
    """Markdown-light to Slack mrkdwn: *bold*, _italic_, <url|label>, "•" bullets."""
    parts = []
    for block in parse(text):
        if isinstance(block, Bullets):
            parts.append("\n".join("• " + _line(item) for item in block.items))
        else:
            parts.append(_line(block.line))
    return "\n\n".join(parts)


def _line(line: Line) -> str:
    return "".join(_span(span) for span in line)


def _span(span: Span) -> str:
    if span.kind == "bold":
        return f"*{literal(span.text)}*"
    if span.kind == "italic":
        return f"_{literal(span.text)}_"
    if span.kind == "link":
        return f"<{escape(span.url).replace('|', '%7C')}|{escape(span.text)}>"
    return literal(span.text)


def clip(text: str, limit: int) -> str:
    """Shorten to `limit` characters with "…", never cutting an entity or a <link> in half."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    for opener, closer in (("<", ">"), ("&", ";")):
        start = cut.rfind(opener)
        if start > cut.rfind(closer):
            cut = cut[:start]
    return cut + "…"


def modal_title(title: str) -> str:
    """A modal's title as it fits Slack's 24 characters: whole, or "qabot" rather than cut
    mid-phrase ("Your reflections on C-0…"); the whole title is the modal's header below."""
    return title if title and len(title) <= MODAL_TITLE else "qabot"


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit) or "…"}


def _mrkdwn(text: str, limit: int = SECTION_TEXT) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": clip(text, limit)}


def _head(message: Message) -> list[Block]:
    blocks: list[Block] = []
    if message.title:
        blocks.append({"type": "header", "text": _plain(message.title, HEADER_TEXT)})
    blocks += [{"type": "section", "text": _mrkdwn(chunk)} for chunk in _text_chunks(message.text)]
    for start in range(0, len(message.facts), 10):
        fields = [
            _mrkdwn(f"*{literal(f.label)}*\n{literal(f.value)}", FIELD_TEXT)
            for f in message.facts[start : start + 10]
        ]
        blocks.append({"type": "section", "fields": fields})
    return blocks


def _text_chunks(text: str) -> Iterator[str]:
    """Paragraphs packed into sections of at most 3000 characters."""
    current = ""
    for paragraph in to_mrkdwn(text).split("\n\n"):
        if current and len(current) + 2 + len(paragraph) > SECTION_TEXT:
            yield current
            current = ""
        current = f"{current}\n\n{paragraph}" if current else paragraph
    if current:
        yield current


def _tail(message: Message) -> list[Block]:
    blocks: list[Block] = []
    if message.links:
        links = " · ".join(_span(Span("link", link.label, link.url)) for link in message.links)
        blocks.append({"type": "section", "text": _mrkdwn(links)})
    if message.footer:
        blocks.append({"type": "context", "elements": [_mrkdwn(to_mrkdwn(message.footer))]})
    return blocks


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": _plain(text, OPTION_TEXT), "value": value[:OPTION_VALUE]}


def _checklist_blocks(message: Message, *, modal: bool) -> list[Block]:
    blocks: list[Block] = []
    entries = message.checklist
    for n, start in enumerate(range(0, len(entries), 10)):
        chunk = entries[start : start + 10]
        element: dict[str, Any] = {
            "type": "checkboxes",
            "action_id": message.checklist_action,
            "options": [_option(e.text, e.id) for e in chunk],
        }
        done = [_option(e.text, e.id) for e in chunk if e.done]
        if done:
            element["initial_options"] = done
        block_id = f"{CHECKLIST_FIELD}.{n}.{message.checklist_value}"[:255]
        if modal:
            label = _plain(message.title or "Checklist", 2000)
            block = {"type": "input", "block_id": block_id, "label": label, "optional": True}
            blocks.append(block | {"element": element})
        else:
            blocks.append({"type": "actions", "block_id": block_id, "elements": [element]})
    return blocks


def _button_blocks(rows: list[list[Button]]) -> list[Block]:
    """An actions block for each row, of at most 25 buttons, never two with the same action_id
    in one block."""
    return [
        {"type": "actions", "elements": [_button(b) for b in row]}
        for row in split(rows, MAX_BUTTONS)
    ]


def _button(button: Button) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": _plain(button.label, BUTTON_TEXT),
        "action_id": button.action[:255],
    }
    if button.value:
        element["value"] = button.value[:2000]
    if button.style != "default":
        element["style"] = button.style
    return element


def _input_block(field: FormField) -> Block:
    block: Block = {
        "type": "input",
        "block_id": field.id[:255],
        "label": _plain(field.label, 2000),
        "element": _element(field),
    }
    if not field.required:
        block["optional"] = True
    if field.hint:
        block["hint"] = _plain(field.hint, 2000)
    return block


def _element(field: FormField) -> dict[str, Any]:
    element: dict[str, Any] = {"action_id": field.id[:255]}
    if field.kind in ("text", "textarea"):
        element |= {"type": "plain_text_input", "max_length": min(field.max_length, 3000)}
        if field.kind == "textarea":
            element["multiline"] = True
        if field.value:
            element["initial_value"] = field.value[: element["max_length"]]
    elif field.kind == "select":
        options = [_option(c.label, c.value) for c in field.choices[:100]]
        element |= {"type": "static_select", "options": options}
        chosen = [o for o, c in zip(options, field.choices, strict=False) if c.value == field.value]
        if chosen:
            element["initial_option"] = chosen[0]
    elif field.kind == "person":
        # a people picker: a list Slack filters as one types, each by name, role and team
        options = [_option(c.label, c.value) for c in field.choices[:100]]
        element |= {"type": "static_select", "options": options,
                    "placeholder": _plain("Type a name", OPTION_TEXT)}  # fmt: skip
        chosen = [o for o, c in zip(options, field.choices, strict=False) if c.value == field.value]
        if chosen:
            element["initial_option"] = chosen[0]
    elif field.kind == "date":
        element["type"] = "datepicker"
        if _is_iso_date(field.value):
            element["initial_date"] = field.value
    else:
        option = _option(field.label, "true")
        element |= {"type": "checkboxes", "options": [option]}
        if field.value.lower() in _TRUE:
            element["initial_options"] = [option]
    return element


def _is_iso_date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def _fit(blocks: list[Block], limit: int) -> list[Block]:
    """Drop text sections from the end of the words, never the inputs or actions."""
    while len(blocks) > limit:
        sections = [i for i, b in enumerate(blocks) if b["type"] == "section" and "text" in b]
        if not sections:
            return blocks[:limit]
        del blocks[sections[-1]]
    return blocks
