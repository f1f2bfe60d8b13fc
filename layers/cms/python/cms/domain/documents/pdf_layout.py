"""Laying out and drawing the PDF: blocks top to bottom, paragraphs filled a line at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from itertools import groupby
from typing import TYPE_CHECKING

from cms.domain.documents.pdf_inline import Ink, Run, plain_text, styled_runs, words
from cms.domain.documents.pdf_style import (
    ALIGN,
    BODY_PT,
    CELL_PAD_MM,
    CODE_RGB,
    CODE_SCALE,
    FONT,
    HEADING_PT,
    INDENT_MM,
    INK_RGB,
    LEADING,
    LINK_RGB,
    LINKABLE,
    MARGIN_MM,
    MAX_LEFT_MM,
    MIN_CELL_MM,
    MM_PER_PT,
    MUTED_RGB,
    RULE_RGB,
    SHADE_RGB,
    SMALL_PT,
    TABLE_SCALE,
    printable,
)
from cms.domain.documents.source import issued_text

if TYPE_CHECKING:
    from fpdf import FPDF
    from markdown_it.tree import SyntaxTreeNode


class PdfWriter:
    """Draws a Markdown syntax tree: blocks top to bottom, each paragraph laid out here (greedy
    line filling) and drawn a line at a time, much faster than fpdf2's write()."""

    def __init__(self, pdf: FPDF, check: Callable[[], None] | None = None) -> None:
        self.pdf = pdf
        # Called at every block, word and drawn line (it raises to stop: a deadline), so that
        # one huge block (a list of thousands of items, a table, a long paragraph) cannot
        # take seconds past it.
        self.check = check or _nothing
        self.size = BODY_PT
        self.colour = INK_RGB
        self.bold = False
        self._widths: dict[tuple[str, Ink, float, bool], float] = {}

    @property
    def line(self) -> float:
        return self.size * MM_PER_PT * LEADING

    @contextmanager
    def context(self, *, size: float | None = None, colour: tuple[int, int, int] | None = None,
                bold: bool | None = None, indent: float = 0.0) -> Iterator[None]:
        saved = (self.size, self.colour, self.bold, self.pdf.l_margin)
        self.size = size or self.size
        self.colour = colour or self.colour
        self.bold = self.bold if bold is None else bold
        self.pdf.set_left_margin(min(self.pdf.l_margin + indent, MAX_LEFT_MM))
        try:
            yield
        finally:
            self.size, self.colour, self.bold, margin = saved
            self.pdf.set_left_margin(margin)

    # ------------------------------------------------------------ blocks

    def title_block(self, title: str, issued: datetime) -> None:
        with self.context(colour=MUTED_RGB, bold=True):
            self.paragraph([(title, Ink())])
        with self.context(size=SMALL_PT, colour=MUTED_RGB):
            self.paragraph([(f"Issued {issued_text(issued)}", Ink())])
        self.rule()

    def blocks(self, nodes: list[SyntaxTreeNode]) -> None:
        for node in nodes:
            self.check()
            getattr(self, f"block_{node.type}", self.block_other)(node)

    def block_paragraph(self, node: SyntaxTreeNode) -> None:
        self.paragraph(styled_runs(node.children[0], Ink()))
        # A tight list's paragraphs are hidden in HTML: no gap between its items.
        self.gap(0 if node.hidden else self.line / 2)

    def block_heading(self, node: SyntaxTreeNode) -> None:
        with self.context(size=HEADING_PT[node.tag], bold=True):
            if self.pdf.will_page_break(3 * self.line):  # keep a heading with its text
                self.pdf.add_page()
            else:
                self.gap(self.line / 3)
            self.paragraph(styled_runs(node.children[0], Ink()))
            self.gap(self.line / 4)

    def block_bullet_list(self, node: SyntaxTreeNode) -> None:
        self.list_items(node.children, ["•"] * len(node.children))

    def block_ordered_list(self, node: SyntaxTreeNode) -> None:
        start = int(node.attrs.get("start", 1))
        self.list_items(node.children, [f"{start + n}." for n in range(len(node.children))])

    def list_items(self, items: list[SyntaxTreeNode], markers: list[str]) -> None:
        # Wide enough for the widest marker ("1000.").
        indent = max(INDENT_MM, max(self.width(m, Ink()) for m in markers) + INDENT_MM / 3)
        for item, marker in zip(items, markers, strict=True):
            if self.pdf.will_page_break(self.line):
                self.pdf.add_page()
            self.draw(self.pdf.l_margin, self.pdf.get_y(), [(marker, Ink())])
            with self.context(indent=indent):
                if item.children:
                    self.blocks(item.children)
                else:
                    self.gap(self.line)
        self.gap(self.line / 2)

    def block_blockquote(self, node: SyntaxTreeNode) -> None:
        with self.context(colour=MUTED_RGB, indent=INDENT_MM):
            self.blocks(node.children)

    def block_fence(self, node: SyntaxTreeNode) -> None:
        pdf = self.pdf
        with self.context(size=self.size * CODE_SCALE, colour=CODE_RGB):
            pdf.set_font(FONT, "", self.size)
            pdf.set_text_color(*self.colour)
            pdf.set_fill_color(*SHADE_RGB)
            pdf.multi_cell(0, self.line, printable(node.content.rstrip("\n")), fill=True,
                           align="LEFT", new_x="LMARGIN", new_y="NEXT", padding=1.5)
        self.gap(self.line / 2)

    block_code_block = block_fence

    def block_hr(self, _node: SyntaxTreeNode) -> None:
        self.rule()

    def rule(self) -> None:
        pdf = self.pdf
        if pdf.will_page_break(self.line):
            pdf.add_page()
        y = pdf.get_y() + self.line / 2
        pdf.set_draw_color(*RULE_RGB)
        pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
        pdf.set_y(y + self.line / 2)

    def block_table(self, node: SyntaxTreeNode) -> None:
        rows = [row for section in node.children for row in section.children]
        room = self.pdf.epw / len(rows[0].children) - 2 * CELL_PAD_MM
        with self.context(size=self.size * TABLE_SCALE):
            for index, row in enumerate(rows):
                heading = index == 0 and node.children[0].type == "thead"
                with self.context(bold=heading or None):
                    cells = [self.lines(styled_runs(cell.children[0], Ink()) if cell.children
                                        else iter(()), room) for cell in row.children]
                    height = max(map(len, cells)) * self.line + 2 * CELL_PAD_MM
                    if room < MIN_CELL_MM or height > self.pdf.page_break_trigger - MARGIN_MM:
                        self.paragraph([(" | ".join(plain_text(cell) for cell in row.children),
                                         Ink())])  # too narrow or too tall for a grid
                    else:
                        self.table_row(row.children, cells, height, heading)
        self.gap(self.line / 2)

    def table_row(self, row: list[SyntaxTreeNode], cells: list[list[list[Run]]],
                  height: float, heading: bool) -> None:
        pdf = self.pdf
        if pdf.will_page_break(height):
            pdf.add_page()
        width, top = pdf.epw / len(row), pdf.get_y()
        pdf.set_draw_color(*RULE_RGB)
        pdf.set_fill_color(*SHADE_RGB)
        for column, (cell, lines) in enumerate(zip(row, cells, strict=True)):
            left = pdf.l_margin + column * width
            pdf.rect(left, top, width, height, style="DF" if heading else "D")
            align = ALIGN.get(str(cell.attrs.get("style", "")), "LEFT")
            for number, line in enumerate(lines):
                spare = width - 2 * CELL_PAD_MM - self.line_width(line)
                shift = {"LEFT": 0.0, "CENTER": spare / 2, "RIGHT": spare}[align]
                self.draw(left + CELL_PAD_MM + shift,
                          top + CELL_PAD_MM + number * self.line, line)
        pdf.set_y(top + height)

    def block_other(self, node: SyntaxTreeNode) -> None:
        # Anything else (an html_block can only appear if raw HTML is enabled) as plain text.
        if node.children:
            self.blocks(node.children)
        elif node.content:
            self.paragraph([(node.content, Ink())])
            self.gap(self.line / 2)

    def gap(self, height: float) -> None:
        self.pdf.set_y(self.pdf.get_y() + height)

    # ------------------------------------------------------------ inline

    def paragraph(self, runs: Iterator[Run] | list[Run]) -> None:
        """Draws ``runs`` as lines filling the text width from the left margin."""
        for line in self.lines(iter(runs), self.pdf.epw):
            self.draw_line(line)

    def lines(self, runs: Iterator[Run], room: float) -> list[list[Run]]:
        """Greedy line filling: as many words per line as fit in ``room`` millimetres."""
        lines: list[list[Run]] = [[]]
        width = 0.0
        for word in words(runs):
            self.check()
            text, ink = word[0]
            if text == "\n":
                lines.append([])
                width = 0.0
            elif text == " ":
                if lines[-1] and lines[-1][-1][0] != " ":
                    lines[-1].append(word[0])
                    width += self.width(text, ink)
            else:
                size = sum(self.width(part, style) for part, style in word)
                if width + size > room and lines[-1]:
                    lines.append([])
                    width = 0.0
                if size > room:  # longer than a line: cut anywhere
                    *full, rest = self.cut(word, room)
                    lines[-1:] = [*full, rest]
                    width = self.line_width(rest)
                else:
                    lines[-1].extend(word)
                    width += size
        return [line[:-1] if line and line[-1][0] == " " else line for line in lines]

    def line_width(self, line: list[Run]) -> float:
        return sum(self.width(text, ink) for text, ink in line)

    def cut(self, word: list[Run], room: float) -> list[list[Run]]:
        """A word too long for a line, as lines that fit (the last one partly filled)."""
        lines: list[list[Run]] = [[]]
        width = 0.0
        for text, ink in word:
            for char in text:
                size = self.width(char, ink)
                if width + size > room and lines[-1]:
                    lines.append([])
                    width = 0.0
                lines[-1].append((char, ink))
                width += size
        return lines

    def draw_line(self, line: list[Run]) -> None:
        pdf = self.pdf
        if pdf.will_page_break(self.line):
            pdf.add_page()
        self.draw(pdf.l_margin, pdf.get_y(), line)
        pdf.set_y(pdf.get_y() + self.line)

    def draw(self, x: float, top: float, line: list[Run]) -> None:
        """Draws one line of runs, adjacent runs of one style as one string."""
        self.check()
        baseline = top + self.line / 2 + 0.3 * self.size * MM_PER_PT
        for ink, group in groupby(line, key=lambda run: run[1]):
            text = "".join(part for part, _ in group)
            width = self.width(text, ink)
            self.font(ink)
            self.pdf.text(x, baseline, printable(text))
            if ink.link.startswith(LINKABLE):
                self.pdf.link(x, top, width, self.line, ink.link)
            x += width

    def font(self, ink: Ink) -> None:
        """Selects the font and colour of ``ink``."""
        link = ink.link.startswith(LINKABLE)
        style = ("B" if ink.bold or self.bold else "") + ("I" if ink.italic else "")
        style += ("S" if ink.strike else "") + ("U" if link else "")
        self.pdf.set_font(FONT, style, self.size * (CODE_SCALE if ink.code else 1))
        self.pdf.set_text_color(*(LINK_RGB if link else CODE_RGB if ink.code else self.colour))

    def width(self, text: str, ink: Ink) -> float:
        key = (text, ink, self.size, self.bold)
        if key not in self._widths:
            self.font(ink)
            self._widths[key] = self.pdf.get_string_width(printable(text))
        return self._widths[key]


def _nothing() -> None:
    return None
