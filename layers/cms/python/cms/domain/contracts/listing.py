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
from dataclasses import dataclass

from cms.domain.contracts.model import Contract
from cms.domain.drafting import template_of
from cms.domain.errors import ValidationFailed

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


# Filters beyond the status narrow a listing inside the pages the store reads: a store reads
# at most READ_BUDGET contracts from each partition for one page (one bounded query each, no
# unbounded scans). When filters leave few matches, a page may therefore hold fewer contracts
# than asked, even none, and still carry a next_cursor: the position the reads reached. A
# client pages on until next_cursor is absent; every match appears once, newest first.
READ_BUDGET = 200
MAX_SEARCH_LENGTH = 100


@dataclass(frozen=True)
class ListingFilter:
    """What a listing keeps; every field None keeps all. Instants are canonical
    (cms.domain.canonical.iso_utc); ``title_contains`` is case-folded (``folded``)."""

    status: str | None = None
    counterparty: str | None = None  # the other party (or either party, for overseers)
    template_id: str | None = None
    created_after: str | None = None  # created at or after
    created_before: str | None = None  # created strictly before
    valid_at: str | None = None  # valid_from <= valid_at < valid_until
    title_contains: str | None = None

    @property
    def narrows_within_pages(self) -> bool:
        """Whether some contracts of a read range may be left out (so pages may run short)."""
        return any(value is not None for value in (
            self.status, self.counterparty, self.template_id, self.valid_at,
            self.title_contains))

    def keeps(self, contract: Contract, viewer: str | None) -> bool:
        """Whether ``contract`` passes, as seen by ``viewer`` (None: an overseer, for whom a
        counterparty is either party). The stores' queries express the same conditions."""
        content = contract.content
        key = listing_key(contract.created_at, contract.id)
        others = ({content.provider_did, content.consumer_did} if viewer is None else
                  {content.provider_did, content.consumer_did} - {viewer})
        template = template_of(content.metadata)
        return ((self.status is None or contract.status.value == self.status)
                and (self.counterparty is None or self.counterparty in others)
                and (self.template_id is None or (template or {}).get("id") == self.template_id)
                and (self.created_after is None or key > self.created_after)
                and (self.created_before is None or key < self.created_before)
                and (self.valid_at is None or
                     content.valid_from <= self.valid_at < content.valid_until)
                and (self.title_contains is None or self.title_contains in folded(content.title)))


def folded(text: str) -> str:
    """Text as searches compare it: case-insensitive (Unicode case folding)."""
    return text.casefold()


def check_created_window(filters: ListingFilter) -> None:
    """ValidationFailed, naming both parameters, when ``created_after`` is not before
    ``created_before`` (instants in the stored form): no contract can lie in such a window,
    so the request is a mistake rather than a question with an empty answer."""
    after, before = filters.created_after, filters.created_before
    if after is not None and before is not None and after >= before:
        message = "created_after must be earlier than created_before"
        raise ValidationFailed("The created window is empty", [
            {"pointer": "query:created_after", "message": message},
            {"pointer": "query:created_before", "message": message}])


@dataclass(frozen=True)
class KeyRange:
    """The listing keys one read covers: at or above ``lower`` (a bare instant, which sorts
    below every key that starts with it) and strictly below ``upper``; None is open.
    Never empty, never out of order, never an empty string: DynamoDB refuses a BETWEEN whose
    bounds are out of order and any key condition on an empty string (moto lets the first
    through), so a store can put these bounds into a key condition as they are."""

    lower: str | None
    upper: str | None


def key_range(filters: ListingFilter, before: str | None) -> KeyRange | None:
    """The listing keys a read covers: above ``created_after`` and below both the cursor and
    ``created_before``; None when no key lies there (a cursor at or below ``created_after``:
    the listing has passed the window's start), so there is nothing to read and the page is
    an empty last page."""
    lower = filters.created_after or None  # every key sorts above the empty string
    upper = min((bound for bound in (before, filters.created_before) if bound is not None),
                default=None)
    if upper is not None and (upper == "" or (lower is not None and lower >= upper)):
        return None
    return KeyRange(lower, upper)


def check_page_size(limit: int) -> None:
    """ValidationFailed unless a page may hold at least one contract (DynamoDB refuses a
    Limit below 1, and a page of none could never say where the next one starts)."""
    if limit < 1:
        raise ValidationFailed("A page holds at least one contract", [
            {"pointer": "query:limit", "message": "must be at least 1"}])


@dataclass(frozen=True)
class PartitionRead:
    """What one bounded read of a partition found: the matching contracts, and where the
    read stopped if the partition holds more below (its last evaluated listing key)."""

    items: list[Contract]
    stopped_at: str | None


def cursor_of_key(key: str) -> str:
    created_at, contract_id = key.split("#")
    return f"{created_at}_{contract_id}"


def bounded_page(reads: list[PartitionRead], limit: int) -> tuple[list[Contract], str | None]:
    """One page from bounded reads of several partitions below the same position. Only the
    range every read covered is known: above the highest point where a read stopped. The
    page is the newest ``limit`` matches within it; the cursor is the page's last contract
    when more matches remain known, else the highest stopping point (a position, maybe not a
    contract's), else none: every partition was read to its end."""
    horizon = max((read.stopped_at for read in reads if read.stopped_at is not None),
                  default=None)
    known = [contract for read in reads for contract in read.items
             if horizon is None or listing_key(contract.created_at, contract.id) >= horizon]
    page, cursor = merged_page(known, limit)
    if cursor is None and horizon is not None:
        cursor = cursor_of_key(horizon)
    return page, cursor
