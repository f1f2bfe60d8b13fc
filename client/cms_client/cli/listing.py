"""What every list command shares: the page size it asks the API for."""

from __future__ import annotations

# The largest page the API's paginated lists give (their documented maximum).
MAX_PAGE = 100

def page_size(limit: int | None) -> int:
    """Pages no larger than needed for ``limit`` items, and never above the API's maximum."""
    return min(limit or MAX_PAGE, MAX_PAGE)
