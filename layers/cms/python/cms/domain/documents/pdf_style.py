"""The PDF's typography (A4, Fira Sans) and what the font can draw."""

from __future__ import annotations

import unicodedata
from functools import cache

FONT = "fira"
FACES = {"": "Regular", "B": "Bold", "I": "Italic", "BI": "BoldItalic"}
UNUSED_TABLES = ("GSUB", "GPOS", "GDEF")  # fpdf2 drops them from the embedded subset anyway
MM_PER_PT = 25.4 / 72
LEADING = 1.45  # line height over font size
BODY_PT = 10.5
SMALL_PT = 8.5
CODE_SCALE = 0.92
HEADING_PT = {"h1": 16.0, "h2": 13.5, "h3": 12.0, "h4": 11.0, "h5": 10.5, "h6": 10.5}
MARGIN_MM = 20.0
INDENT_MM = 6.0
MAX_LEFT_MM = 105.0  # deep nesting stops indenting at half the text width
MIN_CELL_MM = 8.0  # rows of narrower table cells are printed as lines of text
CELL_PAD_MM = 1.5
TABLE_SCALE = 0.95
INK_RGB = (26, 26, 26)
MUTED_RGB = (95, 95, 95)
LINK_RGB = (20, 70, 160)
CODE_RGB = (125, 35, 35)
SHADE_RGB = (242, 242, 242)
RULE_RGB = (190, 190, 190)
ALIGN = {"text-align:left": "LEFT", "text-align:center": "CENTER", "text-align:right": "RIGHT"}
LINKABLE = ("http://", "https://", "mailto:")


@cache
def font_files() -> dict[str, str]:
    from importlib.resources import files

    directory = files("fontpkg_fira_sans") / "files"
    return {style: str(directory / f"FiraSans-{face}.ttf") for style, face in FACES.items()}


@cache
def font_glyphs() -> frozenset[int]:
    from fontTools.ttLib import TTFont

    # The four faces cover the same characters.
    return frozenset(TTFont(font_files()[""], lazy=True).getBestCmap())


def printable(text: str) -> str:
    """Text the font can draw: composed (NFC), each character it lacks as its code point
    (``[U+1F600]``)."""
    glyphs = font_glyphs()
    text = unicodedata.normalize("NFC", text).expandtabs(4)
    return "".join(char if ord(char) in glyphs or char == "\n" else f"[U+{ord(char):04X}]"
                   for char in text)

