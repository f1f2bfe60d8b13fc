"""What each identity keeps in storage, counted against its quota: attachments it uploaded,
on every contract. A charge is counted once per item whatever the retries, and refused as a
whole when it would take the owner past either limit, under any interleaving of charges."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Usage:
    objects: int
    bytes: int


class QuotaExceeded(Exception):
    """A charge would take the owner past a limit; nothing was counted."""

    def __init__(self, owner: str, usage: Usage) -> None:
        super().__init__(f"{owner} keeps {usage.objects} objects, {usage.bytes} bytes")
        self.usage = usage


class StorageUsage(Protocol):
    def usage(self, owner: str) -> Usage:
        """What ``owner`` keeps now (zeros for an owner never charged)."""

    def charge(self, owner: str, item: str, size: int, *, max_objects: int,
               max_bytes: int) -> bool:
        """Count ``item`` (``size`` bytes) for ``owner``: True if counted now, False if it
        already was. QuotaExceeded if the owner would keep more than ``max_objects`` objects
        or ``max_bytes`` bytes."""

    def refund(self, owner: str, item: str) -> None:
        """Undo the charge of ``item``; nothing if it was not counted."""
