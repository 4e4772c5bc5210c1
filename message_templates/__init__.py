"""The neutral message model and the Jinja2 wording of every message qabot sends."""

from message_templates.model import (
    CHECKLIST_FIELD,
    Button,
    ChecklistEntry,
    Choice,
    Fact,
    Form,
    FormField,
    Link,
    Message,
)
from message_templates.wording import Wording, WordingError

__all__ = [
    "CHECKLIST_FIELD",
    "Button",
    "ChecklistEntry",
    "Choice",
    "Fact",
    "Form",
    "FormField",
    "Link",
    "Message",
    "Wording",
    "WordingError",
]
