"""Contract documents: one Markdown source, three deterministic renderings (Markdown, HTML, PDF).

The SHA-256 of each rendering goes into the signed contract digest and a verifier re-renders
to compare, so every byte follows from ``(markdown, title, issued_at)`` and the pinned versions
alone: no clock (the PDF's creation date is ``issued_at``), no random identifiers (the PDF /ID
is a hash of its content), no producer string. Upgrading markdown-it-py, mdurl, fpdf2,
fonttools or the font package can change the bytes: treat that as a new rendering version. The
PDF's streams are deflated (fpdf2 always deflates embedded fonts), so its bytes also assume
zlib's deflate: stock zlib agrees across versions, zlib-ng builds may not.

HTML: CommonMark with tables and strikethrough, raw HTML disabled (so anything a variable
injected is shown as text), markdown-it's link validation (no ``javascript:``/``vbscript:``/
``file:`` links), images shown as their alt text, and a Content-Security-Policy that forbids
scripts and every external load.

PDF: A4, drawn from the same token stream with fpdf2 and Fira Sans (OFL, installed by pip as
``fontpkg-fira-sans``: static faces covering Latin, Greek, Cyrillic, dashes and ``≤ ≥ ≠ →``).
A character the font lacks (emoji, CJK, ...) is printed as its code point, e.g. ``[U+1F600]``,
so nothing disappears silently; the Markdown and HTML renderings keep the character itself.

The heavy libraries are imported on first render, not when this package is imported.

Modules: ``rendering`` (``render_document`` and its result), ``source`` (normalising and
parsing the Markdown), ``html_page``, and the PDF's ``pdf`` (the document), ``pdf_layout``
(blocks and lines), ``pdf_inline`` (styled runs and words) and ``pdf_style`` (typography and
the font's coverage). Importers outside the package use the names below.
"""

from cms.domain.documents.html_page import render_html
from cms.domain.documents.rendering import FORMATS, RenderedDocument, render_document
from cms.domain.documents.source import MAX_MARKDOWN_BYTES

__all__ = ["FORMATS", "MAX_MARKDOWN_BYTES", "RenderedDocument", "render_document", "render_html"]
