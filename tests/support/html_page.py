"""A strict reading of rendered HTML: unbalanced tags fail, tags and attributes are collected."""

from __future__ import annotations

from html.parser import HTMLParser

VOID = {"input", "br", "hr", "img", "meta", "link"}


class Page(HTMLParser):
    """Collects what the checks need and fails on unbalanced tags."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.open: list[str] = []
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.feed(html)
        self.close()
        assert self.open == [], f"unclosed tags {self.open}"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open.pop() == tag, f"unexpected </{tag}>"

    def all(self, tag: str) -> list[dict[str, str]]:
        return [attrs for name, attrs in self.tags if name == tag]

    def problems(self, target: str) -> list[str]:
        """What makes a sandbox message unusable: scripts, forms posting elsewhere, controls
        without a label, ids used twice."""
        found = []
        if self.all("script"):
            found.append("a script")
        if not all(f["method"] == "post" and f["action"] == target for f in self.all("form")):
            found.append("a form that does not post to the target")
        labelled = {label["for"] for label in self.all("label")}
        controls = self.all("select") + self.all("textarea")
        controls += [i for i in self.all("input") if i["type"] != "hidden"]
        found += [f"control {c.get('id')!r} has no label" for c in controls
                  if c.get("id") not in labelled]  # fmt: skip
        ids = [attrs["id"] for _, attrs in self.tags if "id" in attrs]
        found += [f"id {i!r} used twice" for i in sorted(set(ids)) if ids.count(i) > 1]
        return found
