"""Messages to server-rendered HTML for the sandbox: every text escaped, no JavaScript needed.

Each form posts to `form_target` with hidden `action`, `value`, `event_id` and `source_key`;
a checklist posts its ticked item ids as repeated `done` fields, a form its FormField ids
(and `is_form=1`). The event id is derived from what the form shows, so posting the same
rendered form twice is recognised as a repeat.
"""

from __future__ import annotations

import hashlib
import re

from markupsafe import Markup, escape

from bot._button_rows import button_rows
from message_templates.markup import Bullets, Line, Span, parse
from message_templates.model import CHECKLIST_FIELD, Button, FormField, Message

_TRUE = ("true", "yes", "on", "1")


def to_html(
    message: Message, *, form_target: str, source_key: str = "", event_id: str = ""
) -> Markup:
    """The message as an HTML fragment; with no `form_target` its controls show but can't post."""
    prefix = _prefix(message, source_key)
    parts = [Markup('<div class="qa-message" id="{}">').format(prefix)]
    if message.title:
        parts.append(Markup('<h3 class="title">{}</h3>').format(message.title))
    parts.append(to_html_text(message.text))
    if message.facts:
        parts.append(_facts(message))
    post = _Poster(form_target, source_key, event_id)
    if message.checklist:
        parts.append(_checklist(message, prefix, post))
    if message.form is not None:
        parts.append(_form(message, prefix, post))
    parts += [_buttons(row, post) for row in button_rows(message.buttons)]
    for n, section in enumerate(message.sections):
        parts.append(_section(message.with_section(section), f"{prefix}-s{n}", post))
    if message.links:
        items = (
            Markup("<li>{}</li>").format(_link(link.label, link.url)) for link in message.links
        )
        parts.append(Markup('<ul class="links">{}</ul>').format(Markup("").join(items)))
    if message.footer:
        parts.append(Markup('<div class="footer">{}</div>').format(to_html_text(message.footer)))
    parts.append(Markup("</div>"))
    return Markup("\n").join(part for part in parts if part)


def _section(part: Message, prefix: str, post: _Poster) -> Markup:
    """One item of a gathered message, with its own heading, checklist and buttons."""
    parts = [Markup('<section class="qa-section" id="{}">').format(prefix)]
    if part.title:
        parts.append(Markup('<h4 class="title">{}</h4>').format(part.title))
    parts.append(to_html_text(part.text))
    if part.facts:
        parts.append(_facts(part))
    if part.checklist:
        parts.append(_checklist(part, prefix, post))
    parts += [_buttons(row, post) for row in button_rows(part.buttons)]
    parts.append(Markup("</section>"))
    return Markup("\n").join(p for p in parts if p)


def _facts(message: Message) -> Markup:
    rows = (
        Markup("<div><dt>{}</dt><dd>{}</dd></div>").format(f.label, f.value) for f in message.facts
    )
    return Markup('<dl class="facts">{}</dl>').format(Markup("").join(rows))


def to_html_text(text: str) -> Markup:
    """Markdown-light to HTML paragraphs and lists, every character of text escaped."""
    out = []
    for block in parse(text):
        if isinstance(block, Bullets):
            items = Markup("").join(Markup("<li>{}</li>").format(_line(i)) for i in block.items)
            out.append(Markup("<ul>{}</ul>").format(items))
        else:
            out.append(Markup("<p>{}</p>").format(_line(block.line)))
    return Markup("\n").join(out)


def _line(line: Line) -> Markup:
    return Markup("").join(_span(span) for span in line)


def _span(span: Span) -> Markup:
    if span.kind == "bold":
        return Markup("<strong>{}</strong>").format(span.text)
    if span.kind == "italic":
        return Markup("<em>{}</em>").format(span.text)
    if span.kind == "link":
        return _link(span.text, span.url)
    return escape(span.text)


def _link(label: str, url: str) -> Markup:
    return Markup('<a href="{}" rel="noopener noreferrer">{}</a>').format(url, label)


class _Poster:
    """Opens forms that post back to the sandbox, with the hidden fields every post carries."""

    def __init__(self, target: str, source_key: str, event_id: str) -> None:
        self.target, self.source_key, self.event_id = target, source_key, event_id

    def open(
        self, css: str, action: str, value: str, state: str, *, kind: str = "", said: str = ""
    ) -> Markup:
        """A form start; `kind` "form" marks a form, "button" lets the button name the action.

        `said` is the label of the button that posts it, so the conversation can show
        "You pressed …" without reading anything from what was typed."""
        if not self.target:
            return Markup('<form class="{}">').format(css)
        event_id = self.event_id or _digest(self.source_key, action, value, state)
        hidden = {
            "action": action,
            "value": value,
            "event_id": event_id,
            "source_key": self.source_key,
        }
        if said:
            hidden["said"] = said
        if kind == "form":
            hidden["is_form"] = "1"
        if kind == "button":
            del hidden["action"]
        fields = Markup("").join(
            Markup('<input type="hidden" name="{}" value="{}">').format(k, v)
            for k, v in hidden.items()
        )
        # qabot checks a form whole and names every problem at once, so the browser's own
        # check (one problem at a time, in a bubble) is left off
        novalidate = Markup(" novalidate") if kind == "form" else Markup("")
        return Markup('<form method="post" action="{}" class="{}"{}>{}').format(
            self.target, css, novalidate, fields
        )

    def submit(self, label: str, style: str = "default", **attrs: str) -> Markup:
        disabled = Markup("") if self.target else Markup(" disabled")
        extra = Markup("").join(Markup(' {}="{}"').format(k, v) for k, v in attrs.items())
        return Markup('<button type="submit" data-style="{}"{}{}>{}</button>').format(
            style, extra, disabled, label
        )


def _checklist(message: Message, prefix: str, post: _Poster) -> Markup:
    state = "".join("1" if e.done else "0" for e in message.checklist)
    items = []
    for entry in message.checklist:
        box_id = f"{prefix}-{CHECKLIST_FIELD}-{_slug(entry.id)}"
        checked = Markup(" checked") if entry.done else Markup("")
        items.append(
            Markup('<li><input type="checkbox" id="{}" name="{}" value="{}"{}> ').format(
                box_id, CHECKLIST_FIELD, entry.id, checked
            )
            + Markup('<label for="{}">{}</label></li>').format(box_id, entry.text)
        )
    legend = message.title or "Checklist"
    return Markup("").join(
        [
            post.open(
                "checklist",
                message.checklist_action,
                message.checklist_value,
                state,
                said=message.checklist_submit or "Save",
            ),
            Markup('<fieldset><legend>{}</legend><ul class="checklist">').format(legend),
            *items,
            Markup("</ul></fieldset>"),
            post.submit(message.checklist_submit or "Save"),
            Markup("</form>"),
        ]
    )


def _form(message: Message, prefix: str, post: _Poster) -> Markup:
    form = message.form
    assert form is not None
    state = "|".join(f"{f.id}={f.value}" for f in form.fields)
    fields = [_field(field, f"{prefix}-{_slug(field.id)}") for field in form.fields]
    problem = (
        Markup('<p class="problem" role="alert">{}</p>').format(form.problem)
        if form.problem
        else ""
    )
    return Markup("").join(
        [
            post.open("form", form.action, form.value, state, kind="form", said=form.submit_label),
            problem,
            *fields,
            post.submit(form.submit_label, "primary"),
            Markup("</form>"),
        ]
    )


def _field(field: FormField, dom_id: str) -> Markup:
    hint_id, error_id = f"{dom_id}-hint", f"{dom_id}-error"
    attrs = Markup(' id="{}" name="{}"').format(dom_id, field.id)
    if field.required:
        attrs += Markup(" required")
    described = [i for i, on in ((error_id, field.error), (hint_id, field.hint)) if on]
    if field.kind == "person":
        described.append(f"{dom_id}-who")
    if described:
        attrs += Markup(' aria-describedby="{}"').format(" ".join(described))
    if field.error:
        attrs += Markup(' aria-invalid="true"')
    label = Markup('<label for="{}">{}</label>').format(dom_id, field.label)
    control = _control(field, attrs, dom_id)
    hint = (
        Markup('<p class="hint" id="{}">{}</p>').format(hint_id, field.hint) if field.hint else ""
    )
    error = (
        Markup('<p class="error" id="{}">{}</p>').format(error_id, field.error)
        if field.error
        else ""
    )
    css = Markup(' class="field{}{}"').format(
        " checkbox" if field.kind == "checkbox" else "", " invalid" if field.error else ""
    )
    if field.kind == "checkbox":
        return Markup("<div{}>{} {}{}{}</div>").format(css, control, label, error, hint)
    return Markup("<div{}>{}{}{}{}</div>").format(css, label, error, control, hint)


def _control(field: FormField, attrs: Markup, dom_id: str) -> Markup:
    if field.kind == "textarea":
        return Markup('<textarea{} rows="4" maxlength="{}">{}</textarea>').format(
            attrs, field.max_length, field.value
        )
    if field.kind == "select":
        options = [Markup('<option value="">Choose…</option>')]
        for choice in field.choices:
            selected = Markup(" selected") if choice.value == field.value else Markup("")
            options.append(
                Markup('<option value="{}"{}>{}</option>').format(
                    choice.value, selected, choice.label
                )
            )
        return Markup("<select{}>{}</select>").format(attrs, Markup("").join(options))
    if field.kind == "person":
        return _person(field, attrs, dom_id)
    if field.kind == "checkbox":
        checked = Markup(" checked") if field.value.lower() in _TRUE else Markup("")
        return Markup('<input type="checkbox"{} value="true"{}>').format(attrs, checked)
    if field.kind == "date":
        return Markup('<input type="date"{} value="{}">').format(attrs, field.value)
    return Markup('<input type="text"{} value="{}" maxlength="{}">').format(
        attrs, field.value, field.max_length
    )


def _person(field: FormField, attrs: Markup, dom_id: str) -> Markup:
    """A people picker: type a name and choose from the list (name, role and team); the
    field carries the chosen staff id, and the line below says who that is."""
    list_id = f"{dom_id}-people"
    options = Markup("").join(
        Markup('<option value="{}">{}</option>').format(c.value, c.label) for c in field.choices
    )
    chosen = next((c.label for c in field.choices if c.value == field.value), "")
    return Markup(
        '<input type="text" class="person"{} value="{}" list="{}" autocomplete="off" '
        'maxlength="{}" placeholder="Type a name"><datalist id="{}">{}</datalist>'
        '<output class="who" id="{}-who" for="{}">{}</output>'
    ).format(attrs, field.value, list_id, field.max_length, list_id, options, dom_id, dom_id,
             chosen)  # fmt: skip


def _buttons(buttons: list[Button], post: _Poster) -> Markup:
    """One row of buttons, each button its own little form."""
    forms = [
        Markup("{}{}</form>").format(
            post.open("button", b.action, b.value, "", kind="button", said=b.label),
            post.submit(b.label, b.style, name="action", value=b.action),
        )
        for b in buttons
    ]
    return Markup('<div class="actions">{}</div>').format(Markup("").join(forms))


def _prefix(message: Message, source_key: str) -> str:
    return anchor(source_key) if source_key else "m" + _digest(repr(message.to_dict()))[:10]


def anchor(source_key: str) -> str:
    """The id of the message sent under `source_key`, to open the page at it."""
    return "m" + _digest(source_key)[:10]


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", text)[:40]
