"""The three renderings of one Markdown source, and their digests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from cms.domain.canonical import parse_iso, sha256_hex
from cms.domain.documents.html_page import html_page
from cms.domain.documents.pdf import render_pdf
from cms.domain.documents.source import normalised, token_stream

FORMATS = {"markdown": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8",
           "pdf": "application/pdf"}


@dataclass(frozen=True)
class RenderedDocument:
    markdown: bytes  # UTF-8, normalised line endings (\n), one trailing newline
    html: bytes
    pdf: bytes

    def digests(self) -> dict[str, str]:
        """Lower-case hex SHA-256 of each rendering, by format."""
        return dict(self._digests)

    def content(self, fmt: str) -> bytes:
        if fmt not in FORMATS:
            raise ValueError(f"unknown document format {fmt!r}")
        return getattr(self, fmt)

    @cached_property
    def _digests(self) -> dict[str, str]:
        return {fmt: sha256_hex(self.content(fmt)) for fmt in FORMATS}


def render_document(markdown: str, *, title: str, issued_at: str,
                    check: Callable[[], None] | None = None) -> RenderedDocument:
    """The three renderings of a contract's Markdown. ``issued_at`` is an ISO 8601 instant
    with a timezone (the PDF's creation date); ValueError for oversized or invalid input.
    ``check`` is called as the conversion goes (it raises to stop it: a deadline)."""
    source = normalised(markdown)
    issued = parse_iso(issued_at)
    heading = " ".join(title.split())  # one line in a header
    tokens = token_stream(source, check)
    return RenderedDocument(markdown=source.encode(),
                            html=html_page(tokens, heading, issued).encode(),
                            pdf=render_pdf(tokens, heading, issued, check))

