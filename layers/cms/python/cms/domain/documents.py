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

The heavy libraries are imported on first render, not when this module is imported.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache, cached_property
from itertools import groupby
from typing import TYPE_CHECKING, Any

from cms.domain.canonical import iso_utc, parse_iso, sha256_hex

if TYPE_CHECKING:
    from fpdf import FPDF
    from markdown_it import MarkdownIt
    from markdown_it.token import Token
    from markdown_it.tree import SyntaxTreeNode

FORMATS = {"markdown": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8",
           "pdf": "application/pdf"}
MAX_MARKDOWN_BYTES = 256 * 1024
_MAX_NESTING = 40  # markdown-it levels: about 18 nested lists, 38 nested quotes


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


def render_document(markdown: str, *, title: str, issued_at: str) -> RenderedDocument:
    """The three renderings of a contract's Markdown. ``issued_at`` is an ISO 8601 instant
    with a timezone (the PDF's creation date); ValueError for oversized or invalid input."""
    source = _normalised(markdown)
    issued = parse_iso(issued_at)
    heading = " ".join(title.split())  # one line in a header
    tokens = _tokens(source)
    return RenderedDocument(markdown=source.encode(),
                            html=_html_page(tokens, heading, issued).encode(),
                            pdf=_pdf(tokens, heading, issued))


def _normalised(markdown: str) -> str:
    # Characters never outnumber UTF-8 bytes: refuse a huge string before encoding it.
    if len(markdown) > MAX_MARKDOWN_BYTES or len(markdown.encode()) > MAX_MARKDOWN_BYTES:
        raise ValueError(f"the document exceeds {MAX_MARKDOWN_BYTES} bytes of Markdown")
    text = markdown.replace("\r\n", "\n").replace("\r", "\n")
    return text.rstrip("\n") + "\n"


@cache
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    # The commonmark preset allows raw HTML; a contract's text must never become markup.
    options = {"html": False, "maxNesting": _MAX_NESTING}
    parser = MarkdownIt("commonmark", options).enable(["table", "strikethrough"])
    parser.add_render_rule("image", _html_image)
    return parser


def _tokens(source: str) -> list[Token]:
    parser = _parser()
    tokens = parser.parse(source)
    # Past maxNesting levels markdown-it silently drops the rest of the document: a variable
    # of ">>>>>…" would hide every clause after it. Reaching the limit is refused.
    if any(token.level >= parser.options["maxNesting"] - 1 for token in tokens):
        raise ValueError("the Markdown nests lists or quotes too deeply to render")
    return tokens


def _image_text(alt: str) -> str:
    # Images are not loaded (the documents are self-contained); their alt text stands in.
    return f"[image: {alt}]" if alt else "[image]"


# ------------------------------------------------------------------ HTML

_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
        "form-action 'none'")
_STYLE = """\
body{font-family:"Fira Sans",system-ui,-apple-system,"Segoe UI",sans-serif;line-height:1.5;
color:#1a1a1a;max-width:46rem;margin:2rem auto;padding:0 1rem}
header{color:#555;font-size:.9rem;border-bottom:1px solid #ccc;margin-bottom:1.5rem}
header p{margin:.2rem 0}
h1,h2,h3,h4,h5,h6{line-height:1.25;margin:1.4em 0 .5em}
table{border-collapse:collapse;margin:1rem 0}
th,td{border:1px solid #bbb;padding:.3rem .6rem;text-align:left;vertical-align:top}
th{background:#f2f2f2}
code{background:#f2f2f2;padding:0 .2em;overflow-wrap:anywhere}
pre{background:#f2f2f2;padding:.6rem;overflow-x:auto}
pre code{padding:0}
blockquote{margin:1rem 0;padding-left:1rem;border-left:3px solid #ccc;color:#444}
@media print{body{margin:0;max-width:none}}"""


def render_html(markdown: str, *, title: str, issued_at: str) -> str:
    """The HTML rendering alone (previews: no PDF is made)."""
    return _html_page(_tokens(_normalised(markdown)), " ".join(title.split()),
                      parse_iso(issued_at))


def _html_page(tokens: list[Token], title: str, issued: datetime) -> str:
    parser = _parser()
    body = parser.renderer.render(tokens, parser.options, {})
    return (
        "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{_CSP}\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{html.escape(title)}</title>\n<style>\n{_STYLE}\n</style>\n</head>\n<body>\n"
        f"<header>\n<p><strong>{html.escape(title)}</strong></p>\n"
        f"<p>Issued <time datetime=\"{iso_utc(issued)}\">{_issued_text(issued)}</time></p>\n"
        f"</header>\n<main>\n{body}</main>\n</body>\n</html>\n"
    )


def _html_image(renderer: Any, tokens: list[Any], idx: int, options: Any, env: Any) -> str:
    alt = renderer.renderInlineAsText(tokens[idx].children or [], options, env)
    return html.escape(_image_text(alt))


def _issued_text(issued: datetime) -> str:
    return issued.strftime("%Y-%m-%d %H:%M UTC")


# ------------------------------------------------------------------ PDF

_FONT = "fira"
_FACES = {"": "Regular", "B": "Bold", "I": "Italic", "BI": "BoldItalic"}
_UNUSED_TABLES = ("GSUB", "GPOS", "GDEF")  # fpdf2 drops them from the embedded subset anyway
_MM_PER_PT = 25.4 / 72
_LEADING = 1.45  # line height over font size
_BODY_PT = 10.5
_SMALL_PT = 8.5
_CODE_SCALE = 0.92
_HEADING_PT = {"h1": 16.0, "h2": 13.5, "h3": 12.0, "h4": 11.0, "h5": 10.5, "h6": 10.5}
_MARGIN_MM = 20.0
_INDENT_MM = 6.0
_MAX_LEFT_MM = 105.0  # deep nesting stops indenting at half the text width
_MIN_CELL_MM = 8.0  # rows of narrower table cells are printed as lines of text
_CELL_PAD_MM = 1.5
_TABLE_SCALE = 0.95
_INK = (26, 26, 26)
_MUTED = (95, 95, 95)
_LINK = (20, 70, 160)
_CODE = (125, 35, 35)
_SHADE = (242, 242, 242)
_RULE = (190, 190, 190)
_ALIGN = {"text-align:left": "LEFT", "text-align:center": "CENTER", "text-align:right": "RIGHT"}
_LINKABLE = ("http://", "https://", "mailto:")
_SPACES = re.compile(r"([ \t\n]+)")


def _pdf(tokens: list[Token], title: str, issued: datetime) -> bytes:
    from markdown_it.tree import SyntaxTreeNode

    pdf = _new_pdf(title, issued)
    writer = _PdfWriter(pdf)
    writer.title_block(title, issued)
    writer.blocks(SyntaxTreeNode(tokens).children)
    return bytes(pdf.output())


@cache
def _font_files() -> dict[str, str]:
    from importlib.resources import files

    directory = files("fontpkg_fira_sans") / "files"
    return {style: str(directory / f"FiraSans-{face}.ttf") for style, face in _FACES.items()}


@cache
def _glyphs() -> frozenset[int]:
    from fontTools.ttLib import TTFont

    # The four faces cover the same characters.
    return frozenset(TTFont(_font_files()[""], lazy=True).getBestCmap())


def _printable(text: str) -> str:
    """Text the font can draw: composed (NFC), each character it lacks as its code point
    (``[U+1F600]``)."""
    glyphs = _glyphs()
    text = unicodedata.normalize("NFC", text).expandtabs(4)
    return "".join(char if ord(char) in glyphs or char == "\n" else f"[U+{ord(char):04X}]"
                   for char in text)


@cache
def _pdf_class() -> type[FPDF]:
    from fpdf import FPDF

    class ContractPdf(FPDF):
        """Fira Sans faces registered on first use; the title and page number in each footer."""

        def set_font(self, family: str | None = None, style: Any = "", size: float = 0) -> None:
            letters = str(getattr(style, "style", style))  # a TextEmphasis or its letters
            face = "".join(sorted(set(letters) & set("BI")))
            if f"{_FONT}{face}" not in self.fonts:
                self.add_font(_FONT, face, _font_files()[face])
                # Parsing the layout tables is most of the subsetting time and they are
                # dropped from the subset: never load them.
                ttfont = getattr(self.fonts[f"{_FONT}{face}"], "ttfont", None)
                for table in _UNUSED_TABLES:
                    if ttfont is not None and table in ttfont:
                        del ttfont[table]
            super().set_font(family, style, size)

        def footer(self) -> None:
            # Called at a page break, possibly inside an indented list or quote.
            width = (self.w - 2 * _MARGIN_MM) / 2
            self.set_font(_FONT, "", _SMALL_PT)
            self.set_text_color(*_MUTED)
            if not hasattr(self, "footer_title"):
                self.footer_title = _fitted(self, _printable(self.title or ""), width)
            self.set_xy(_MARGIN_MM, self.h - _MARGIN_MM + 6)
            self.cell(width, 4, self.footer_title)
            self.cell(width, 4, f"Page {self.page_no()} of {{nb}}", align="R")

    return ContractPdf


def _new_pdf(title: str, issued: datetime) -> FPDF:
    pdf = _pdf_class()(orientation="portrait", unit="mm", format="A4")
    pdf.set_title(title)
    pdf.set_creation_date(issued)  # also seeds the file /ID, a hash of the content
    pdf.set_margins(_MARGIN_MM, _MARGIN_MM, _MARGIN_MM)
    pdf.set_auto_page_break(True, margin=_MARGIN_MM)
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


def _plain(node: SyntaxTreeNode) -> str:
    """The text of an inline subtree, markup dropped (table cells, image descriptions)."""
    parts = []
    for child in node.walk():
        if child.type in ("text", "code_inline", "html_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


@dataclass(frozen=True)
class _Ink:
    """The inline style of a run of text."""

    bold: bool = False
    italic: bool = False
    strike: bool = False
    code: bool = False
    link: str = ""


_INLINE_STYLES: dict[str, Callable[[_Ink, SyntaxTreeNode], _Ink]] = {
    "strong": lambda ink, _: replace(ink, bold=True),
    "em": lambda ink, _: replace(ink, italic=True),
    "s": lambda ink, _: replace(ink, strike=True),
    "link": lambda ink, node: replace(ink, link=str(node.attrs.get("href", ""))),
}
_Run = tuple[str, _Ink]  # styled text; "\n" alone is a line break


def _runs(node: SyntaxTreeNode, ink: _Ink) -> Iterator[_Run]:
    """The styled text of an inline subtree, in order."""
    for child in node.children:
        kind = child.type
        if kind in _INLINE_STYLES:
            yield from _runs(child, _INLINE_STYLES[kind](ink, child))
        elif kind == "code_inline":
            yield child.content, replace(ink, code=True)
        elif kind == "image":
            yield _image_text(_plain(child)), ink
        elif kind in ("softbreak", "hardbreak"):
            yield (" " if kind == "softbreak" else "\n"), ink
        elif child.children:
            yield from _runs(child, ink)
        else:  # text, and html_inline shown as text
            yield child.content, ink


def _words(runs: Iterator[_Run]) -> Iterator[list[_Run]]:
    """Runs grouped into words (no break inside); ``[(" ", ink)]`` is a breakable space and
    ``[("\\n", ink)]`` a forced break. Whitespace collapses as in HTML."""
    word: list[_Run] = []
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


class _PdfWriter:
    """Draws a Markdown syntax tree: blocks top to bottom, each paragraph laid out here (greedy
    line filling) and drawn a line at a time, much faster than fpdf2's write()."""

    def __init__(self, pdf: FPDF) -> None:
        self.pdf = pdf
        self.size = _BODY_PT
        self.colour = _INK
        self.bold = False
        self._widths: dict[tuple[str, _Ink, float, bool], float] = {}

    @property
    def line(self) -> float:
        return self.size * _MM_PER_PT * _LEADING

    @contextmanager
    def context(self, *, size: float | None = None, colour: tuple[int, int, int] | None = None,
                bold: bool | None = None, indent: float = 0.0) -> Iterator[None]:
        saved = (self.size, self.colour, self.bold, self.pdf.l_margin)
        self.size = size or self.size
        self.colour = colour or self.colour
        self.bold = self.bold if bold is None else bold
        self.pdf.set_left_margin(min(self.pdf.l_margin + indent, _MAX_LEFT_MM))
        try:
            yield
        finally:
            self.size, self.colour, self.bold, margin = saved
            self.pdf.set_left_margin(margin)

    # ------------------------------------------------------------ blocks

    def title_block(self, title: str, issued: datetime) -> None:
        with self.context(colour=_MUTED, bold=True):
            self.paragraph([(title, _Ink())])
        with self.context(size=_SMALL_PT, colour=_MUTED):
            self.paragraph([(f"Issued {_issued_text(issued)}", _Ink())])
        self.rule()

    def blocks(self, nodes: list[SyntaxTreeNode]) -> None:
        for node in nodes:
            getattr(self, f"block_{node.type}", self.block_other)(node)

    def block_paragraph(self, node: SyntaxTreeNode) -> None:
        self.paragraph(_runs(node.children[0], _Ink()))
        # A tight list's paragraphs are hidden in HTML: no gap between its items.
        self.gap(0 if node.hidden else self.line / 2)

    def block_heading(self, node: SyntaxTreeNode) -> None:
        with self.context(size=_HEADING_PT[node.tag], bold=True):
            if self.pdf.will_page_break(3 * self.line):  # keep a heading with its text
                self.pdf.add_page()
            else:
                self.gap(self.line / 3)
            self.paragraph(_runs(node.children[0], _Ink()))
            self.gap(self.line / 4)

    def block_bullet_list(self, node: SyntaxTreeNode) -> None:
        self.list_items(node.children, ["•"] * len(node.children))

    def block_ordered_list(self, node: SyntaxTreeNode) -> None:
        start = int(node.attrs.get("start", 1))
        self.list_items(node.children, [f"{start + n}." for n in range(len(node.children))])

    def list_items(self, items: list[SyntaxTreeNode], markers: list[str]) -> None:
        # Wide enough for the widest marker ("1000.").
        indent = max(_INDENT_MM, max(self.width(m, _Ink()) for m in markers) + _INDENT_MM / 3)
        for item, marker in zip(items, markers, strict=True):
            if self.pdf.will_page_break(self.line):
                self.pdf.add_page()
            self.draw(self.pdf.l_margin, self.pdf.get_y(), [(marker, _Ink())])
            with self.context(indent=indent):
                if item.children:
                    self.blocks(item.children)
                else:
                    self.gap(self.line)
        self.gap(self.line / 2)

    def block_blockquote(self, node: SyntaxTreeNode) -> None:
        with self.context(colour=_MUTED, indent=_INDENT_MM):
            self.blocks(node.children)

    def block_fence(self, node: SyntaxTreeNode) -> None:
        pdf = self.pdf
        with self.context(size=self.size * _CODE_SCALE, colour=_CODE):
            pdf.set_font(_FONT, "", self.size)
            pdf.set_text_color(*self.colour)
            pdf.set_fill_color(*_SHADE)
            pdf.multi_cell(0, self.line, _printable(node.content.rstrip("\n")), fill=True,
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
        pdf.set_draw_color(*_RULE)
        pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
        pdf.set_y(y + self.line / 2)

    def block_table(self, node: SyntaxTreeNode) -> None:
        rows = [row for section in node.children for row in section.children]
        room = self.pdf.epw / len(rows[0].children) - 2 * _CELL_PAD_MM
        with self.context(size=self.size * _TABLE_SCALE):
            for index, row in enumerate(rows):
                heading = index == 0 and node.children[0].type == "thead"
                with self.context(bold=heading or None):
                    cells = [self.lines(_runs(cell.children[0], _Ink()) if cell.children
                                        else iter(()), room) for cell in row.children]
                    height = max(map(len, cells)) * self.line + 2 * _CELL_PAD_MM
                    if room < _MIN_CELL_MM or height > self.pdf.page_break_trigger - _MARGIN_MM:
                        self.paragraph([(" | ".join(_plain(cell) for cell in row.children),
                                         _Ink())])  # too narrow or too tall for a grid
                    else:
                        self.table_row(row.children, cells, height, heading)
        self.gap(self.line / 2)

    def table_row(self, row: list[SyntaxTreeNode], cells: list[list[list[_Run]]],
                  height: float, heading: bool) -> None:
        pdf = self.pdf
        if pdf.will_page_break(height):
            pdf.add_page()
        width, top = pdf.epw / len(row), pdf.get_y()
        pdf.set_draw_color(*_RULE)
        pdf.set_fill_color(*_SHADE)
        for column, (cell, lines) in enumerate(zip(row, cells, strict=True)):
            left = pdf.l_margin + column * width
            pdf.rect(left, top, width, height, style="DF" if heading else "D")
            align = _ALIGN.get(str(cell.attrs.get("style", "")), "LEFT")
            for number, line in enumerate(lines):
                spare = width - 2 * _CELL_PAD_MM - self.line_width(line)
                shift = {"LEFT": 0.0, "CENTER": spare / 2, "RIGHT": spare}[align]
                self.draw(left + _CELL_PAD_MM + shift,
                          top + _CELL_PAD_MM + number * self.line, line)
        pdf.set_y(top + height)

    def block_other(self, node: SyntaxTreeNode) -> None:
        # Anything else (an html_block can only appear if raw HTML is enabled) as plain text.
        if node.children:
            self.blocks(node.children)
        elif node.content:
            self.paragraph([(node.content, _Ink())])
            self.gap(self.line / 2)

    def gap(self, height: float) -> None:
        self.pdf.set_y(self.pdf.get_y() + height)

    # ------------------------------------------------------------ inline

    def paragraph(self, runs: Iterator[_Run] | list[_Run]) -> None:
        """Draws ``runs`` as lines filling the text width from the left margin."""
        for line in self.lines(iter(runs), self.pdf.epw):
            self.draw_line(line)

    def lines(self, runs: Iterator[_Run], room: float) -> list[list[_Run]]:
        """Greedy line filling: as many words per line as fit in ``room`` millimetres."""
        lines: list[list[_Run]] = [[]]
        width = 0.0
        for word in _words(runs):
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

    def line_width(self, line: list[_Run]) -> float:
        return sum(self.width(text, ink) for text, ink in line)

    def cut(self, word: list[_Run], room: float) -> list[list[_Run]]:
        """A word too long for a line, as lines that fit (the last one partly filled)."""
        lines: list[list[_Run]] = [[]]
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

    def draw_line(self, line: list[_Run]) -> None:
        pdf = self.pdf
        if pdf.will_page_break(self.line):
            pdf.add_page()
        self.draw(pdf.l_margin, pdf.get_y(), line)
        pdf.set_y(pdf.get_y() + self.line)

    def draw(self, x: float, top: float, line: list[_Run]) -> None:
        """Draws one line of runs, adjacent runs of one style as one string."""
        baseline = top + self.line / 2 + 0.3 * self.size * _MM_PER_PT
        for ink, group in groupby(line, key=lambda run: run[1]):
            text = "".join(part for part, _ in group)
            width = self.width(text, ink)
            self.font(ink)
            self.pdf.text(x, baseline, _printable(text))
            if ink.link.startswith(_LINKABLE):
                self.pdf.link(x, top, width, self.line, ink.link)
            x += width

    def font(self, ink: _Ink) -> None:
        """Selects the font and colour of ``ink``."""
        link = ink.link.startswith(_LINKABLE)
        style = ("B" if ink.bold or self.bold else "") + ("I" if ink.italic else "")
        style += ("S" if ink.strike else "") + ("U" if link else "")
        self.pdf.set_font(_FONT, style, self.size * (_CODE_SCALE if ink.code else 1))
        self.pdf.set_text_color(*(_LINK if link else _CODE if ink.code else self.colour))

    def width(self, text: str, ink: _Ink) -> float:
        key = (text, ink, self.size, self.bold)
        if key not in self._widths:
            self.font(ink)
            self._widths[key] = self.pdf.get_string_width(_printable(text))
        return self._widths[key]
