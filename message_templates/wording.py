"""Wording: one Jinja2 template per message, its words in named blocks, overridable by a council.

A template named like a shipped one in the council's folder (QABOT_TEMPLATES_DIR) wins.
Every value placed into a template is escaped for Markdown-light, so people's text stays text.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    Template,
    nodes,
    pass_context,
)
from jinja2.exceptions import TemplateNotFound
from jinja2.runtime import Context

from message_templates.markup import Prepared, escape, to_plain
from message_templates.model import Message

SHIPPED_DIR = Path(__file__).parent / "wording"
SUFFIX = ".j2"
LABELS_KEPT = 4096
DAYS_KEPT = 1024
TODAY = "today"  # the context's local date, which decides whether a day shows its year
_MISSING = object()  # a name the context lacks, which still fails as rendering does
_STRUCTURE = frozenset(
    {
        "facts",
        "checklist",
        "checklist_action",
        "checklist_value",
        "checklist_submit",
        "buttons",
        "links",
        "form",
        "meta",
    }
)


class WordingError(LookupError):
    """A message or block that no template provides."""


class Wording:
    """Composes Messages from templates: wording from Jinja2 blocks, structure from the caller."""

    def __init__(self, override_dir: Path | None = None) -> None:
        folders = [SHIPPED_DIR] if override_dir is None else [override_dir, SHIPPED_DIR]
        self._folders = folders
        self._env = Environment(
            loader=ChoiceLoader([FileSystemLoader(folder) for folder in folders]),
            undefined=StrictUndefined,
            autoescape=False,
            finalize=_finalize,
            trim_blocks=True,
            lstrip_blocks=True,
            # templates are read once per process: a council's change shows after a restart
            auto_reload=False,
        )
        self._env.filters["day"] = _day_filter
        self._env.filters["role"] = role_label
        self._labels: dict[tuple[str, str, tuple[tuple[str, Any], ...]], str] = {}
        self._names: dict[tuple[str, str], tuple[str, ...]] = {}

    def names(self) -> list[str]:
        """Every message name a template exists for, shipped or overridden."""
        found = {p.stem for folder in self._folders for p in folder.glob("*" + SUFFIX)}
        return sorted(found)

    def compose(self, name: str, context: Mapping[str, Any], **structure: Any) -> Message:
        """Render `name`'s blocks with `context`; `structure` (facts, buttons…) passes through."""
        unknown = set(structure) - _STRUCTURE
        if unknown:
            raise TypeError(f"compose() got unexpected structure: {', '.join(sorted(unknown))}")
        template = self._template(name)
        blocks = self._render_blocks(template, context, _MESSAGE_BLOCKS)
        title = to_plain(blocks.get("title", ""))
        text = blocks.get("text", "")
        fallback = to_plain(blocks["fallback"]) if "fallback" in blocks else _derive(title, text)
        if "checklist" in structure and "checklist_submit" in blocks:
            structure.setdefault("checklist_submit", to_plain(blocks["checklist_submit"]))
        structure = {k: tuple(v) if k in _TUPLES else v for k, v in structure.items()}
        return Message(
            kind=name,
            title=title,
            text=text,
            footer=blocks.get("footer", ""),
            fallback=fallback,
            **structure,
        )

    def label(self, name: str, block: str, context: Mapping[str, Any]) -> str:
        """One named block as plain text, e.g. a button label such as `button_done`.

        Labels are few and repeat across thousands of messages, so each is rendered once for
        the values its block reads and remembered (values that cannot be a key: every time).
        """
        try:
            used = self._block_names(name, block)
            key = (name, block, tuple((n, context.get(n, _MISSING)) for n in used))
            hash(key)
        except TypeError:
            return self._label(name, block, context)
        found = self._labels.get(key)
        if found is None:
            if len(self._labels) >= LABELS_KEPT:
                self._labels.clear()
            found = self._labels[key] = self._label(name, block, context)
        return found

    def _block_names(self, name: str, block: str) -> tuple[str, ...]:
        """The names `block` of template `name` reads, from its parsed source (kept)."""
        found = self._names.get((name, block))
        if found is None:
            self._template(name)  # the same errors as rendering for an unknown name
            source, _, _ = self._env.loader.get_source(self._env, name + SUFFIX)  # type: ignore[union-attr]
            tree = self._env.parse(source)
            parts = [part for part in tree.find_all(nodes.Block) if part.name == block]
            reads = {
                node.name
                for part in parts
                for node in part.find_all(nodes.Name)
                if node.ctx == "load"
            }
            # a day is written against today (the year shows when it is another year)
            reads.add(TODAY)
            found = self._names[(name, block)] = tuple(sorted(reads))
        return found

    def _label(self, name: str, block: str, context: Mapping[str, Any]) -> str:
        blocks = self._render_blocks(self._template(name), context, (block,))
        if block not in blocks:
            raise WordingError(f"template {name!r} has no block {block!r}")
        return to_plain(blocks[block])

    def _template(self, name: str) -> Template:
        if not name.isidentifier():
            raise WordingError(f"no message template named {name!r}")
        try:
            return self._env.get_template(name + SUFFIX)
        except TemplateNotFound:
            raise WordingError(f"no message template named {name!r}") from None

    def _render_blocks(
        self, template: Template, context: Mapping[str, Any], wanted: tuple[str, ...]
    ) -> dict[str, str]:
        """Only the blocks asked for, so a label block never holds up a message."""
        ctx = template.new_context(dict(context))
        return {
            block: _tidy("".join(render(ctx)))
            for block, render in template.blocks.items()
            if block in wanted
        }


_TUPLES = frozenset({"facts", "checklist", "buttons", "links"})
_MESSAGE_BLOCKS = ("title", "text", "fallback", "footer", "checklist_submit")


class _Raw(str):
    """Text made by the wording layer itself (a formatted day), placed without escaping."""


@pass_context
def _finalize(context: Context, value: Any) -> Any:
    if isinstance(value, _Raw | Prepared):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return format_day(value, _today_of(context))
    return escape(str(value))


@pass_context
def _day_filter(context: Context, value: dt.date | dt.datetime | str) -> str:
    return format_day(value, _today_of(context))


def _today_of(context: Context) -> dt.date | None:
    today = context.get(TODAY)
    return today if isinstance(today, dt.date) else None


def format_day(value: dt.date | dt.datetime | str, today: dt.date | None = None) -> str:
    """A date as people say it in the UK: "Friday 15 January", with its year when that is not
    `today`'s year ("Monday 3 January 2028"), or always when today is not known.
    ISO strings are accepted."""
    day = dt.date.fromisoformat(value[:10]) if isinstance(value, str) else value
    if isinstance(day, dt.datetime):
        day = day.date()
    return _day_words(day, today is not None and day.year == today.year)


@functools.lru_cache(maxsize=DAYS_KEPT)
def _day_words(day: dt.date, this_year: bool) -> str:
    """A round's thousands of messages name the same few days: each is written once."""
    year = "" if this_year else f" {day.year}"
    return _Raw(f"{day:%A} {day.day} {day:%B}{year}")


# How councils write each role, at the start of a line; role_words gives it mid-sentence.
ROLE_LABELS = {
    "practitioner": "Practitioner",
    "senior_practitioner": "Senior practitioner",
    "advanced_practitioner": "Advanced practitioner",
    "team_manager": "Team manager",
    "deputy_team_manager": "Deputy team manager",
    "service_manager": "Service manager",
    "head_of_service": "Head of service",
    "iro": "IRO",
    "cp_chair": "CP chair",
    "principal_social_worker": "Principal social worker",
    "qa_officer": "QA officer",
    "qa_manager": "QA manager",
    "director": "Director",
    "asye": "ASYE",
    "other": "Staff member",
}


def role_label(role: str) -> str:
    """A role id as a label: "qa_manager" -> "QA manager", "iro" -> "IRO"."""
    found = ROLE_LABELS.get(role)
    return found if found is not None else role.replace("_", " ").strip().capitalize()


def role_words(role: str) -> str:
    """A role mid-sentence: "team manager", "QA manager", "IRO"."""
    label = role_label(role)
    first = label.split(" ", 1)[0]
    return label if first.isupper() else label[:1].lower() + label[1:]


def _tidy(text: str) -> str:
    """Strip indentation and surrounding blank lines; keep single blank lines between paragraphs."""
    lines = [line.strip() for line in text.strip().splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out)


def _derive(title: str, text: str) -> str:
    return "\n".join(part for part in (title, to_plain(text)) if part)
