"""The Markdown source: normalised, parsed once, and the text conventions every rendering
shares (images as their alt text, the issue date)."""

from __future__ import annotations

import html
from collections.abc import Callable
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
    # Crafted Markdown ("[a [a [a …") costs tens of microseconds a character to parse: a
    # parse with a deadline checks it at every line and at every inline position.
    parser.block.ruler.before("table", "cms_deadline", _deadline_block)
    parser.inline.ruler.before("text", "cms_deadline", _deadline_inline)
    return parser


def _deadline_block(state: Any, *_: Any) -> bool:
    return _deadline(state)


def _deadline_inline(state: Any, *_: Any) -> bool:
    return _deadline(state)


def _deadline(state: Any) -> bool:
    check = state.env.get(_CHECK) if isinstance(state.env, dict) else None
    if check is not None:
        check()  # raises once the time is up
    return False  # never matches: parsing goes on with the next rule


_CHECK = "cms_deadline"


def token_stream(source: str, check: Callable[[], None] | None = None) -> list[Token]:
    """The parsed tokens; ``check`` (raising when time is up) is called as parsing goes."""
    parser = markdown_parser()
    tokens = parser.parse(source, {_CHECK: check} if check is not None else {})
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

