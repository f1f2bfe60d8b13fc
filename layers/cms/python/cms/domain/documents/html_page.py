"""The HTML rendering: CommonMark as markdown-it renders it, inside a page whose
Content-Security-Policy forbids scripts and every external load."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from cms.domain.canonical import iso_utc, parse_iso
from cms.domain.documents.source import issued_text, markdown_parser, normalised, token_stream

if TYPE_CHECKING:
    from markdown_it.token import Token

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


def render_html(markdown: str, *, title: str, issued_at: str,
                check: Callable[[], None] | None = None) -> str:
    """The HTML rendering alone (previews: no PDF is made); ``check`` as in
    ``render_document``."""
    return html_page(token_stream(normalised(markdown), check), " ".join(title.split()),
                     parse_iso(issued_at))


def html_page(tokens: list[Token], title: str, issued: datetime) -> str:
    parser = markdown_parser()
    body = parser.renderer.render(tokens, parser.options, {})
    return (
        "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{_CSP}\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{html.escape(title)}</title>\n<style>\n{_STYLE}\n</style>\n</head>\n<body>\n"
        f"<header>\n<p><strong>{html.escape(title)}</strong></p>\n"
        f"<p>Issued <time datetime=\"{iso_utc(issued)}\">{issued_text(issued)}</time></p>\n"
        f"</header>\n<main>\n{body}</main>\n</body>\n</html>\n"
    )

