"""Calls the typed SDK makes (``client.api.<operation>``) for routes the CmsClient facade has
no method for, with a plain GET until the generated operations are on this branch. Results
are plain JSON either way, so commands read them one way. Remove once ``client.api`` is
everywhere."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

from cms_client.cli.output import plain
from cms_client.client import CmsClient


def path_part(value: str) -> str:
    """A DID or id as one path segment (a DID's colons stay, as the API's routes expect)."""
    return quote(value, safe=":")


def operation(client: CmsClient, name: str, *path_args: str, fallback: str,
              **query: Any) -> Any:
    """``client.api.<name>(*path_args, **query)``, else ``GET fallback`` with the query."""
    api = getattr(client, "api", None)
    if api is not None:
        return plain(getattr(api, name)(*path_args, **query))
    params = {key: value for key, value in query.items() if value is not None}
    return client._call("GET", fallback, params=params or None)


def pages(fetch: Callable[[str | None], dict[str, Any]], *, items: str = "items",
          next_key: str = "next_cursor") -> Iterator[dict[str, Any]]:
    """Every item of a cursor-paginated list: ``fetch(cursor)`` is one page."""
    cursor: str | None = None
    while True:
        page = plain(fetch(cursor))
        yield from page.get(items) or []
        cursor = page.get(next_key)
        if cursor is None:
            return
