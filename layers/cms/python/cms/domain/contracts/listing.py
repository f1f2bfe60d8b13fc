"""The order contracts are listed in, newest first, and the cursor that pages through it.

Each contract's place is its listing key ``<created_at>#<id>``: unique, and ordered by
creation time, so contracts created in the same millisecond are neither skipped nor repeated
between pages. A cursor names the last contract of a page (``<created_at>_<id>``, URL-safe);
the next page holds the contracts whose key sorts below it. Any string of the cursor's form
is a position in that order, whether or not a contract sits exactly there: a cursor is never
refused, and carries nothing the caller could not see (the partitions read always come from
the caller's identity).
"""

from __future__ import annotations

import re

from cms.domain.contracts.model import Contract

_INSTANT = (r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
            r"T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\.[0-9]{3}Z")
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
CURSOR_PATTERN = f"^{_INSTANT}_{_UUID}$"
CURSOR_EXAMPLE = "2026-12-07T06:00:00.000Z_7d5b0f7e-2a51-4a47-9c43-3f6f0e4f7a10"
CURSOR_DESCRIPTION = (
    "Where the previous page ended: its last contract's created_at and id joined by '_' "
    "(the page's next_cursor). The next page lists the contracts created before it.")
_CURSOR = re.compile(CURSOR_PATTERN)


def listing_key(created_at: str, contract_id: str) -> str:
    """The contract's place in the listing order (the listing indexes' sort key)."""
    return f"{created_at}#{contract_id}"


def cursor_of(contract: Contract) -> str:
    return f"{contract.created_at}_{contract.id}"


def key_of_cursor(cursor: str) -> str:
    """The listing key a cursor stands for; ValueError if it is not of the cursor's form."""
    if not _CURSOR.fullmatch(cursor):
        raise ValueError(f"a cursor has the form {CURSOR_PATTERN}")
    created_at, contract_id = cursor.split("_")
    return listing_key(created_at, contract_id)


def merged_page(candidates: list[Contract], limit: int) -> tuple[list[Contract], str | None]:
    """One page from contracts read from several partitions below the same position (each
    read up to ``limit + 1``, so more remain exactly when more than ``limit`` came back):
    newest first, each once, and the cursor to the next page if there is one."""
    unique = {contract.id: contract for contract in candidates}
    ordered = sorted(unique.values(), key=lambda c: listing_key(c.created_at, c.id),
                     reverse=True)
    page = ordered[:limit]
    return page, cursor_of(page[-1]) if len(ordered) > limit else None
