"""Inline text for the PDF: a paragraph's syntax tree as styled runs, grouped into words."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from cms.domain.documents.source import image_text

if TYPE_CHECKING:
    from markdown_it.tree import SyntaxTreeNode

_SPACES = re.compile(r"([ \t\n]+)")


def plain_text(node: SyntaxTreeNode) -> str:
    """The text of an inline subtree, markup dropped (table cells, image descriptions)."""
    parts = []
    for child in node.walk():
        if child.type in ("text", "code_inline", "html_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


@dataclass(frozen=True)
class Ink:
    """The inline style of a run of text."""

    bold: bool = False
    italic: bool = False
    strike: bool = False
    code: bool = False
    link: str = ""


_INLINE_STYLES: dict[str, Callable[[Ink, SyntaxTreeNode], Ink]] = {
    "strong": lambda ink, _: replace(ink, bold=True),
    "em": lambda ink, _: replace(ink, italic=True),
    "s": lambda ink, _: replace(ink, strike=True),
    "link": lambda ink, node: replace(ink, link=str(node.attrs.get("href", ""))),
}
Run = tuple[str, Ink]  # styled text; "\n" alone is a line break


def styled_runs(node: SyntaxTreeNode, ink: Ink) -> Iterator[Run]:
    """The styled text of an inline subtree, in order."""
    for child in node.children:
        kind = child.type
        if kind in _INLINE_STYLES:
            yield from styled_runs(child, _INLINE_STYLES[kind](ink, child))
        elif kind == "code_inline":
            yield child.content, replace(ink, code=True)
        elif kind == "image":
            yield image_text(plain_text(child)), ink
        elif kind in ("softbreak", "hardbreak"):
            yield (" " if kind == "softbreak" else "\n"), ink
        elif child.children:
            yield from styled_runs(child, ink)
        else:  # text, and html_inline shown as text
            yield child.content, ink


def words(runs: Iterator[Run]) -> Iterator[list[Run]]:
    """Runs grouped into words (no break inside); ``[(" ", ink)]`` is a breakable space and
    ``[("\\n", ink)]`` a forced break. Whitespace collapses as in HTML."""
    word: list[Run] = []
    for text, ink in runs:
        for part in [text] if text == "\n" else _SPACES.split(text):
            if not part:
                continue
            if not part.isspace():
                word.append((part, ink))
                continue
            if word:
                yield word
                word = []
            yield [("\n" if part == text == "\n" else " ", ink)]
    if word:
        yield word

