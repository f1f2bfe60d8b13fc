"""Storage usage in memory (the port: cms.ports.usage), every check and change under one lock
as a DynamoDB transaction makes them."""

from __future__ import annotations

import threading

from cms.ports.usage import QuotaExceeded, Usage


class MemoryStorageUsage:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[tuple[str, str], int] = {}
        self._totals: dict[str, Usage] = {}

    def usage(self, owner: str) -> Usage:
        with self._lock:
            return self._totals.get(owner, Usage(0, 0))

    def charge(self, owner: str, item: str, size: int, *, max_objects: int,
               max_bytes: int) -> bool:
        with self._lock:
            if (owner, item) in self._items:
                return False
            total = self._totals.get(owner, Usage(0, 0))
            if total.objects + 1 > max_objects or total.bytes + size > max_bytes:
                raise QuotaExceeded(owner, total)
            self._items[owner, item] = size
            self._totals[owner] = Usage(total.objects + 1, total.bytes + size)
            return True

    def refund(self, owner: str, item: str) -> None:
        with self._lock:
            size = self._items.pop((owner, item), None)
            if size is not None:
                total = self._totals[owner]
                self._totals[owner] = Usage(total.objects - 1, total.bytes - size)
