"""The Markdown source: normalised, parsed once, and the text conventions every rendering
shares (images as their alt text, the issue date)."""

from __future__ import annotations

import html
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

MAX_MARKDOWN_BYTES = 256 * 1024
_MAX_NESTING = 40  # markdown-it levels: about 18 nested lists, 38 nested quotes


def normalised(markdown: str) -> str:
    # Characters never outnumber UTF-8 bytes: refuse a huge string before encoding it.
    if len(markdown) > MAX_MARKDOWN_BYTES or len(markdown.encode()) > MAX_MARKDOWN_BYTES:
        raise ValueError(f"the document exceeds {MAX_MARKDOWN_BYTES} bytes of Markdown")
    text = markdown.replace("\r\n", "\n").replace("\r", "\n")
    return text.rstrip("\n") + "\n"


@cache
def markdown_parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    # The commonmark preset allows raw HTML; a contract's text must never become markup.
    options = {"html": False, "maxNesting": _MAX_NESTING}
    parser = MarkdownIt("commonmark", options).enable(["table", "strikethrough"])
    parser.add_render_rule("image", _image_as_alt_text)
    return parser


def token_stream(source: str) -> list[Token]:
    parser = markdown_parser()
    tokens = parser.parse(source)
    # Past maxNesting levels markdown-it silently drops the rest of the document: a variable
    # of ">>>>>…" would hide every clause after it. Reaching the limit is refused.
    if any(token.level >= parser.options["maxNesting"] - 1 for token in tokens):
        raise ValueError("the Markdown nests lists or quotes too deeply to render")
    return tokens


def image_text(alt: str) -> str:
    # Images are not loaded (the documents are self-contained); their alt text stands in.
    return f"[image: {alt}]" if alt else "[image]"


def _image_as_alt_text(renderer: Any, tokens: list[Any], idx: int, options: Any, env: Any) -> str:
    alt = renderer.renderInlineAsText(tokens[idx].children or [], options, env)
    return html.escape(image_text(alt))


def issued_text(issued: datetime) -> str:
    return issued.strftime("%Y-%m-%d %H:%M UTC")

