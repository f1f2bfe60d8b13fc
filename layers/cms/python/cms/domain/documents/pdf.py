"""The PDF rendering: an fpdf2 document with the title and page numbers in its footer, drawn
by ``PdfWriter`` from the Markdown syntax tree."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from cms.domain.documents.pdf_layout import PdfWriter
from cms.domain.documents.pdf_style import (
    FONT,
    MARGIN_MM,
    MUTED_RGB,
    SMALL_PT,
    UNUSED_TABLES,
    font_files,
    printable,
)

if TYPE_CHECKING:
    from fpdf import FPDF
    from markdown_it.token import Token


def render_pdf(tokens: list[Token], title: str, issued: datetime,
               check: Callable[[], None] | None = None) -> bytes:
    """``check`` is called as the layout goes, at every block, word and line (it raises to
    stop: a deadline), and before the tree is built and the file written."""
    from markdown_it.tree import SyntaxTreeNode

    writer = PdfWriter(_new_pdf(title, issued), check)
    writer.check()
    tree = SyntaxTreeNode(tokens)
    writer.title_block(title, issued)
    writer.blocks(tree.children)
    writer.check()
    return bytes(writer.pdf.output())


@cache
def _pdf_class() -> type[FPDF]:
    from fpdf import FPDF

    class ContractPdf(FPDF):
        """Fira Sans faces registered on first use; the title and page number in each footer."""

        def set_font(self, family: str | None = None, style: Any = "", size: float = 0) -> None:
            letters = str(getattr(style, "style", style))  # a TextEmphasis or its letters
            face = "".join(sorted(set(letters) & set("BI")))
            if f"{FONT}{face}" not in self.fonts:
                self.add_font(FONT, face, font_files()[face])
                # Parsing the layout tables is most of the subsetting time and they are
                # dropped from the subset: never load them.
                ttfont = getattr(self.fonts[f"{FONT}{face}"], "ttfont", None)
                for table in UNUSED_TABLES:
                    if ttfont is not None and table in ttfont:
                        del ttfont[table]
            super().set_font(family, style, size)

        def footer(self) -> None:
            # Called at a page break, possibly inside an indented list or quote.
            width = (self.w - 2 * MARGIN_MM) / 2
            self.set_font(FONT, "", SMALL_PT)
            self.set_text_color(*MUTED_RGB)
            if not hasattr(self, "footer_title"):
                self.footer_title = _fitted(self, printable(self.title or ""), width)
            self.set_xy(MARGIN_MM, self.h - MARGIN_MM + 6)
            self.cell(width, 4, self.footer_title)
            self.cell(width, 4, f"Page {self.page_no()} of {{nb}}", align="R")

    return ContractPdf


def _new_pdf(title: str, issued: datetime) -> FPDF:
    pdf = _pdf_class()(orientation="portrait", unit="mm", format="A4")
    pdf.set_title(title)
    pdf.set_creation_date(issued)  # also seeds the file /ID, a hash of the content
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(True, margin=MARGIN_MM)
    pdf.add_page()
    return pdf


def _fitted(pdf: FPDF, text: str, width: float) -> str:
    """``text`` cut (with an ellipsis) to fit ``width`` in the current font."""
    full = pdf.get_string_width(text)
    if full <= width:
        return text
    keep = int(len(text) * width / full)  # a close first guess, even for a huge title
    while keep and pdf.get_string_width(text[:keep] + "…") > width:
        keep -= 1
    return text[:keep].rstrip() + "…"

