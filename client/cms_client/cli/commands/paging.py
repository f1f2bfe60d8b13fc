"""Following a cursor-paginated list to its end, for the facade's one-page methods (the SDK's
generated ``iter_<op>`` methods do the same once every command uses them)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

Page = dict[str, Any]


def follow_cursor(fetch_page: Callable[[str | None], Page], items_key: str = "items"
                  ) -> Iterator[Any]:
    """Every item of every page: ``fetch_page(cursor)`` gets one page (``None``: the first)
    until a page has no ``next_cursor``. Items are yielded as they arrive, so ``--limit``
    stops the reading early."""
    cursor: str | None = None
    while True:
        page = fetch_page(cursor)
        yield from page.get(items_key) or []
        cursor = page.get("next_cursor")
        if not cursor:
            return

