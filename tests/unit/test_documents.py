"""Contract documents: three deterministic renderings of a contract's Markdown.

The PDF's text is read back by decoding its streams with each font's ToUnicode map (no PDF
library needed), so the checks are on what a reader's text layer holds, not on our inputs.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import zlib
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cms.domain.canonical import parse_iso
from cms.domain.documents import (
    FORMATS,
    MAX_MARKDOWN_BYTES,
    RenderedDocument,
    render_document,
    render_html,
)
from cms.domain.templates.builtin import builtin_templates

REPO = Path(__file__).resolve().parents[2]
ISSUED = "2026-11-22T10:00:00.000Z"
TITLE = "AI training licence — Zoë Ångström"
NAMES = ("Zoë Ångström", "Łódź", "Δημήτρης", "ε ≤ 3.0", "δ ≤ 10⁻⁶", "—")


def ai_training_markdown(**changes: object) -> str:
    """The built-in ai_training template rendered with its example, Unicode names added."""
    template = builtin_templates()["ai_training"]
    variables = json.loads(json.dumps(template.definition["example"]))
    variables["purpose"] = ("Train a digit classifier for Zoë Ångström of Łódź — "
                            "Δημήτρης reviews it; budget ε ≤ 3.0 and δ ≤ 10⁻⁶.")
    variables["datasets"][0]["name"] = "Łódź postal digits"
    variables.update(changes)
    return template.render(variables)


@cache
def sample() -> RenderedDocument:
    return render_document(ai_training_markdown(), title=TITLE, issued_at=ISSUED)


# ------------------------------------------------------------------ reading a PDF back

_OBJECT = re.compile(rb"(\d+) 0 obj\n")
# Content stream operators that matter for text: font, line position, string shown.
_TEXT = re.compile(rb"/(F\d+) [\d.]+ Tf|BT [\d.-]+ ([\d.-]+) Td|\(((?:\\.|[^\\)])*)\) Tj", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def pdf_objects(pdf: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    """Each object's dictionary and, for a stream, its decoded data."""
    objects: dict[int, tuple[bytes, bytes | None]] = {}
    position = 0
    while match := _OBJECT.search(pdf, position):
        start = match.end()
        stream_at, end_at = pdf.find(b"stream\n", start), pdf.find(b"endobj", start)
        if stream_at == -1 or end_at < stream_at:
            objects[int(match.group(1))] = (pdf[start:end_at], None)
            position = end_at
            continue
        head = pdf[start:stream_at]
        length = int(re.search(rb"/Length (\d+)", head).group(1))
        data = pdf[stream_at + 7:stream_at + 7 + length]
        objects[int(match.group(1))] = (head, zlib.decompress(data)
                                        if b"/FlateDecode" in head else data)
        position = stream_at + 7 + length
    return objects


def _unescape(literal: bytes) -> bytes:
    def one(match: re.Match[bytes]) -> bytes:
        escaped = match.group(1)
        if escaped[:1].isdigit():
            return bytes([int(escaped, 8)])
        return _ESCAPES.get(escaped, escaped)

    return re.sub(rb"\\([0-7]{1,3}|.)", one, literal, flags=re.S)


def _to_unicode(cmap: bytes) -> dict[int, str]:
    return {int(code, 16): bytes.fromhex(text.decode()).decode("utf-16-be")
            for code, text in re.findall(rb"<([0-9A-F]{4})> <([0-9A-F]+)>", cmap)}


def pdf_text(pdf: bytes) -> list[str]:
    """The text lines of every page, in drawing order, decoded through ToUnicode."""
    objects = pdf_objects(pdf)
    fonts = {}
    for head, _ in objects.values():
        for name, number in re.findall(rb"/(F\d+) (\d+) 0 R", head):
            unicode_ref = re.search(rb"/ToUnicode (\d+) 0 R", objects[int(number)][0])
            fonts[name] = _to_unicode(objects[int(unicode_ref.group(1))][1])
    lines: list[str] = []
    for head, _ in objects.values():
        if b"/Type /Page\n" not in head:
            continue
        contents = int(re.search(rb"/Contents (\d+) 0 R", head).group(1))
        font, y, line_y = None, None, None
        for match in _TEXT.finditer(objects[contents][1]):
            if match.group(1):
                font = match.group(1)
            elif match.group(2):
                y = match.group(2)
            else:
                raw = _unescape(match.group(3))
                text = "".join(fonts[font][int.from_bytes(raw[i:i + 2], "big")]
                               for i in range(0, len(raw), 2))
                if y == line_y:
                    lines[-1] += text
                else:
                    lines.append(text)
                    line_y = y
    return lines


def joined(lines: list[str]) -> str:
    return " ".join(lines)


# ------------------------------------------------------------------ interface


def test_markdown_is_utf8_with_normalised_line_endings() -> None:
    document = render_document("# Title\r\nline one\rline two\n\n\n", title="t",
                               issued_at=ISSUED)
    assert document.markdown == b"# Title\nline one\nline two\n"
    assert render_document("no newline", title="t", issued_at=ISSUED).markdown == \
        b"no newline\n"
    assert sample().markdown == ai_training_markdown().encode()


def test_digests_are_the_sha256_of_each_rendering() -> None:
    document = sample()
    digests = document.digests()
    assert set(digests) == set(FORMATS) == {"markdown", "html", "pdf"}
    for fmt in FORMATS:
        assert digests[fmt] == hashlib.sha256(document.content(fmt)).hexdigest()
    assert document.content("pdf") is document.pdf
    digests["pdf"] = "changed"
    assert document.digests()["pdf"] == hashlib.sha256(document.pdf).hexdigest()
    with pytest.raises(ValueError, match="unknown document format"):
        document.content("docx")


def test_rendering_is_deterministic_in_process() -> None:
    again = render_document(ai_training_markdown(), title=TITLE, issued_at=ISSUED)
    assert again == sample()
    assert again.digests() == sample().digests()


@pytest.mark.parametrize("hash_seed", ["0", "4242"])
def test_rendering_is_deterministic_across_processes(hash_seed: str) -> None:
    script = ("import json\n"
              "from tests.unit.test_documents import sample\n"
              "print(json.dumps(sample().digests()))\n")
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env,
                            capture_output=True, text=True, check=True, timeout=120)
    assert json.loads(result.stdout) == sample().digests()


def test_different_input_gives_different_digests() -> None:
    base = sample().digests()
    other_terms = render_document(ai_training_markdown(max_epochs=21), title=TITLE,
                                  issued_at=ISSUED).digests()
    assert all(other_terms[fmt] != base[fmt] for fmt in FORMATS)
    other_title = render_document(ai_training_markdown(), title=TITLE + " (2)",
                                  issued_at=ISSUED).digests()
    assert other_title["markdown"] == base["markdown"]
    assert other_title["html"] != base["html"] and other_title["pdf"] != base["pdf"]
    later = render_document(ai_training_markdown(), title=TITLE,
                            issued_at="2026-11-22T10:01:00.000Z").digests()
    assert later["html"] != base["html"] and later["pdf"] != base["pdf"]


def test_oversized_markdown_is_refused() -> None:
    with pytest.raises(ValueError, match="exceeds"):
        render_document("a" * (MAX_MARKDOWN_BYTES + 1), title="t", issued_at=ISSUED)
    # The limit is in UTF-8 bytes, not characters.
    with pytest.raises(ValueError, match="exceeds"):
        render_document("é" * (MAX_MARKDOWN_BYTES // 2 + 1), title="t", issued_at=ISSUED)


def test_issued_at_must_be_an_instant() -> None:
    with pytest.raises(ValueError):
        render_document("x", title="t", issued_at="2026-11-22T10:00:00")  # no timezone
    with pytest.raises(ValueError):
        render_document("x", title="t", issued_at="yesterday")


def test_nesting_too_deep_to_render_is_refused_not_truncated() -> None:
    # Past its nesting limit markdown-it drops the rest of the document; a variable could
    # use that to hide every clause after it.
    with pytest.raises(ValueError, match="too deeply"):
        render_document(">" * 60 + " x\n\nThe consumer pays.\n", title="t", issued_at=ISSUED)
    nested = "".join("  " * level + f"- level {level}\n" for level in range(12))
    document = render_document(nested + "\nThe consumer pays.\n", title="t", issued_at=ISSUED)
    assert b"The consumer pays." in document.html
    assert "The consumer pays." in pdf_text(document.pdf)


class _TimeUp(Exception):
    pass


def _deadline_after(calls: int):
    """A deadline check that passes ``calls`` times, then raises."""
    count = [0]

    def check() -> None:
        count[0] += 1
        if count[0] > calls:
            raise _TimeUp

    return check


@pytest.mark.parametrize("markdown", [
    "".join("- item\n" for _ in range(2000)),  # one list
    "|a|b|\n|-|-|\n" + "|x|y|\n" * 2000,  # one table
    "word " * 20000,  # one paragraph
    "".join("> quoted\n" for _ in range(2000)),  # one quote
])
def test_a_deadline_passed_inside_one_huge_block_stops_its_layout(markdown: str) -> None:
    # The conversion's time limit is read as the layout goes, not once per top-level block:
    # one block of the largest Markdown a render may produce lays out for seconds.
    from cms.domain.documents.pdf import render_pdf
    from cms.domain.documents.source import normalised, token_stream

    tokens = token_stream(normalised(markdown))
    with pytest.raises(_TimeUp):
        render_pdf(tokens, "t", parse_iso(ISSUED), _deadline_after(2))


def test_importing_the_module_loads_no_rendering_library() -> None:
    script = ("import sys\nimport cms.domain.documents\n"
              "print(sorted(m for m in ('fpdf', 'PIL', 'fontTools', 'markdown_it') "
              "if m in sys.modules))\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True,
                            text=True, check=True, timeout=60)
    assert result.stdout.strip() == "[]"


# ------------------------------------------------------------------ HTML

INJECTED = ("Benign purpose <script>alert(1)</script> and <img src=x onerror=alert(1)> "
            "<a href=\"https://evil.example\">here</a>")


def test_html_escapes_markup_a_variable_injected() -> None:
    page = render_document(ai_training_markdown(purpose=INJECTED), title="t",
                           issued_at=ISSUED).html.decode()
    body = page.split("<main>", 1)[1]
    assert "<script" not in page and "<img" not in page and "evil.example\">" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body


@pytest.mark.parametrize("link", [
    "[x](javascript:alert(1))", "[x](JavaScript:alert(1))", "<javascript:alert(1)>",
    "[x](vbscript:msgbox(1))", "[x](data:text/html;base64,PHNjcmlwdD4=)",
    "[x](file:///etc/passwd)", "[x][ref]\n\n[ref]: javascript:alert(1)",
])
def test_dangerous_links_are_not_links(link: str) -> None:
    document = render_document(f"Click {link} now.", title="t", issued_at=ISSUED)
    page = document.html.decode().lower()
    assert "<a " not in page
    assert "/URI" not in document.pdf.decode("latin-1")


def test_web_links_stay_links() -> None:
    document = render_document("See [the terms](https://example.com/terms).", title="t",
                               issued_at=ISSUED)
    assert b'<a href="https://example.com/terms">the terms</a>' in document.html
    assert b"/URI (https://example.com/terms)" in document.pdf


def test_html_is_a_standalone_document_that_forbids_scripts_and_loads() -> None:
    page = render_document("x", title="<b>Terms</b> & \"more\"", issued_at=ISSUED).html.decode()
    assert page.startswith("<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n")
    assert ('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            "style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
            "form-action 'none'\">") in page
    assert "<title>&lt;b&gt;Terms&lt;/b&gt; &amp; &quot;more&quot;</title>" in page
    assert '<time datetime="2026-11-22T10:00:00.000Z">2026-11-22 10:00 UTC</time>' in page
    assert not re.search(r"<(script|link|iframe|object|embed)\b|\bsrc=|url\(", page)


def test_images_are_shown_as_their_description_not_loaded() -> None:
    document = render_document("![company *logo*](https://tracker.example/pixel.png)",
                               title="t", issued_at=ISSUED)
    assert b"<img" not in document.html and b"tracker.example" not in document.html
    assert b"[image: company logo]" in document.html
    assert "[image: company logo]" in pdf_text(document.pdf)


def test_tables_are_rendered() -> None:
    page = sample().html.decode()
    assert "<table>" in page and "<td>2027-01-15</td>" in page


# ------------------------------------------------------------------ PDF


def test_pdf_is_an_a4_pdf_dated_when_issued_with_no_producer() -> None:
    pdf = sample().pdf
    assert pdf.startswith(b"%PDF-1.") and pdf.rstrip().endswith(b"%%EOF")
    assert b"/MediaBox [0 0 595.28 841.89]" in pdf  # A4 in points
    assert b"/CreationDate (D:20261122100000Z)" in pdf
    assert b"/Producer" not in pdf and b"fpdf" not in pdf.lower()
    # The file identifier is derived from the content, never random.
    assert re.search(rb"/ID \[<([0-9A-F]{32})><\1>\]", pdf)


def test_pdf_text_holds_the_title_the_unicode_names_and_page_numbers() -> None:
    lines = pdf_text(sample().pdf)
    text = joined(lines)
    assert lines[0] == TITLE
    assert "Issued 2026-11-22 10:00 UTC" in lines
    for name in NAMES:
        assert name in text, name
    for expected in ("Datasets", "Łódź postal digits", "Privacy", "2027-01-15", "6000 EUR",
                     "This agreement is governed by the law of EU."):
        assert expected in text, expected
    # Each footer: the title, then "Page n of N".
    footers = [line for line in lines if re.fullmatch(r".*Page \d+ of \d+", line)]
    assert footers == [f"{TITLE}Page {n} of {len(footers)}" for n in range(1, len(footers) + 1)]


def test_long_words_are_cut_to_fit_the_page() -> None:
    pcr0 = builtin_templates()["ai_training"].definition["example"]["enclave_measurements"][0]
    text = "".join(pdf_text(sample().pdf))
    assert pcr0["pcr0"] in text  # cut across lines, none of it lost


def test_glyphs_the_font_lacks_are_shown_as_their_code_points() -> None:
    markdown = "Signed with 😀 by 中文 — ✓ done.\n"
    document = render_document(markdown, title="Emoji 😀", issued_at=ISSUED)
    assert document.markdown == markdown.encode()
    assert "😀" in document.html.decode() and "中文" in document.html.decode()
    lines = pdf_text(document.pdf)
    assert "Signed with [U+1F600] by [U+4E2D][U+6587] — [U+2713] done." in lines
    assert lines[0] == "Emoji [U+1F600]"


def test_decomposed_accents_are_composed_in_the_pdf() -> None:
    decomposed = "Zoe\u0308 A\u030angstro\u0308m"
    lines = pdf_text(render_document(decomposed, title="t", issued_at=ISSUED).pdf)
    assert "Zoë Ångström" in lines


def test_every_block_kind_reaches_the_pdf() -> None:
    markdown = "\n".join([
        "# Heading", "", "Para with **bold**, *italic*, ~~struck~~ and `code`.", "",
        "> Quoted clause.", "", "1. first", "2. second", "", "- bullet", "",
        "```", "fenced code", "```", "", "    indented code", "", "---", "",
        "| due | amount |", "|:---|---:|", "| 2027-01-15 | 6000 EUR |", "",
        "Line one  ", "line two",
    ])
    lines = pdf_text(render_document(markdown, title="t", issued_at=ISSUED).pdf)
    # Strings drawn on one baseline (a marker and its item, a table row) read as one line.
    assert lines == ["t", "Issued 2026-11-22 10:00 UTC", "Heading",
                     "Para with bold, italic, struck and code.", "Quoted clause.", "1.first",
                     "2.second", "•bullet", "fenced code", "indented code", "dueamount",
                     "2027-01-156000 EUR", "Line one", "line two", "tPage 1 of 1"]


def test_awkward_tables_still_show_every_cell() -> None:
    many = 40
    markdown = ("|" + "|".join(f"c{n}" for n in range(many)) + "|\n|" + "---|" * many + "\n|"
                + "|".join(f"v{n}" for n in range(many)) + "|\n\n"
                + "| a | b |\n|---|---|\n| " + "y" * 300 + " | |\n")
    lines = pdf_text(render_document(markdown, title="t", issued_at=ISSUED).pdf)
    # Too many columns for a grid: each row becomes a paragraph, cells apart.
    assert " | ".join(f"v{n}" for n in range(many)) in joined(lines)
    assert "y" * 300 in "".join(lines)  # cut across lines inside its cell


def test_an_empty_document_still_renders() -> None:
    document = render_document("", title="Empty", issued_at=ISSUED)
    assert document.markdown == b"\n"
    assert pdf_text(document.pdf) == ["Empty", "Issued 2026-11-22 10:00 UTC", "EmptyPage 1 of 1"]


MARKDOWN_BITS = st.sampled_from([
    "# ", "## ", "- ", "1. ", "> ", "```", "    ", "|", "---", "**", "*", "_", "`", "[", "](",
    ")", "<", ">", "!", "\n", "\n\n", " ", "  \n", "\t", "Zoë", "δ", "≤", "😀", "中", "\u0301",
    "word", "https://example.com", "javascript:", "&amp;", "\\", "| a | b |\n|---|---|\n",
    "\r\n", "\x00", "1000) ",
])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(MARKDOWN_BITS, max_size=120).map("".join))
def test_any_markdown_renders_or_is_refused_cleanly(markdown: str) -> None:
    try:
        document = render_document(markdown, title="Zoë", issued_at=ISSUED)
    except ValueError as error:
        assert "too deeply" in str(error)
        return
    assert document.pdf.startswith(b"%PDF-")
    assert render_document(markdown, title="Zoë", issued_at=ISSUED) == document


def test_the_preview_html_is_the_documents_html() -> None:
    markdown = "# Terms\n\nε ≤ 3 for Zoë\n"
    document = render_document(markdown, title=TITLE, issued_at=ISSUED)
    assert render_html(markdown, title=TITLE, issued_at=ISSUED).encode() == document.html
