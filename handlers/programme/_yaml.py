"""Where a programme file goes wrong: each problem as `file:line: key.path: reason`, one a line."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import yaml

# Pydantic puts the tag of a discriminated union in the error location; a reader never wrote it.
_KIND_TAGS = frozenset({"case_audit", "observation", "practice_week", "broadcast", "action"})


def yaml_problem(error: yaml.YAMLError, source: str) -> str:
    """One line for text that is not YAML, pointing at the line the parser stopped on."""
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    if mark is None:
        return f"{source}: not valid YAML: {problem}"
    where = f"column {mark.column + 1}"
    context, start = getattr(error, "context", None), getattr(error, "context_mark", None)
    if context and start is not None and start.line != mark.line:
        where += f"; {context} that began on line {start.line + 1}"
    return f"{source}:{mark.line + 1}: not valid YAML: {problem} ({where})"


def repeated_keys(node: yaml.Node | None, source: str) -> list[str]:
    """A key given twice in one mapping: YAML would silently keep the last, so we refuse it."""
    return [
        f"{source}:{line}: {_dotted(path)}: key repeated (first given on line {first})"
        for path, line, first in _walk_repeats(node, [])
    ]


def _walk_repeats(node: yaml.Node | None, path: list[Any]) -> Iterator[tuple[list[Any], int, int]]:
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key, value in node.value:
            line = key.start_mark.line + 1
            if key.value in seen:
                yield [*path, key.value], line, seen[key.value]
            seen.setdefault(key.value, line)
            yield from _walk_repeats(value, [*path, key.value])
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _walk_repeats(item, [*path, index])


def describe(error: Any, node: yaml.Node | None, source: str) -> str:
    """One pydantic error as `file:line: key.path: reason`."""
    path = [p for p in error["loc"] if not (isinstance(p, str) and p in _KIND_TAGS)]
    line = line_of(node, path)
    at = f"{source}:{line}" if line else source
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown key: check its spelling and indentation"
    return f"{at}: {_dotted(path)}: {message}"


def line_of(node: yaml.Node | None, path: Sequence[Any]) -> int | None:
    """The line of the deepest part of `path` present in the file (a key's own line)."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in path:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == str(part)), None)
            if pair is None:
                break
            line, node = pair[0].start_mark.line + 1, pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _dotted(path: Sequence[Any]) -> str:
    return ".".join(str(p) for p in path) or "(top level)"
