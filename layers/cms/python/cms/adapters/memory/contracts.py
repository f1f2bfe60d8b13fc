"""Contracts in memory (the port: cms.ports.contracts), their events in the shared audit log."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from cms.adapters.memory.database import MemoryDatabase
from cms.domain.anchoring import Placement
from cms.domain.audit import AuditEvent
from cms.domain.contracts import EXPIRABLE, Contract, Status, stream_of
from cms.domain.contracts.listing import ListingFilter, key_range, listing_key, merged_page
from cms.ports.contracts import ContractPage
from cms.ports.errors import WriteConflict


class MemoryContractStore:
    def __init__(self, database: MemoryDatabase) -> None:
        self._db = database
        self.snapshots: dict[str, Contract] = {}  # public for tests that tamper with them

    def get(self, contract_id: str) -> Contract | None:
        with self._db.lock:
            return self.snapshots.get(contract_id)

    def events(self, contract_id: str, *, after: int = -1,
               limit: int | None = None) -> list[AuditEvent]:
        return self._db.read_stream(stream_of(contract_id), after=after, limit=limit)

    def placed_events(self, contract_id: str, *, after: int = -1, limit: int | None = None
                      ) -> list[tuple[AuditEvent, Placement | None]]:
        return self._db.read_placed(stream_of(contract_id), after=after, limit=limit)

    def head_state(self, contract_id: str) -> tuple[str, int] | None:
        contract = self.get(contract_id)
        return None if contract is None else (contract.status.value, contract.version - 1)

    def commit(self, contract: Contract, event: AuditEvent,
               expected_version: int | None) -> None:
        with self._db.lock:
            current = self.snapshots.get(contract.id)
            if expected_version is None and current is not None:
                raise WriteConflict(f"contract {contract.id} exists")
            if expected_version is not None and (current is None
                                                 or current.version != expected_version):
                raise WriteConflict(f"contract {contract.id} is not at {expected_version}")
            self._db.check_free([event])
            self.snapshots[contract.id] = contract
            self._db.append([event])

    def list_for_party(self, did: str, role: str | None, status: str | None,
                       before: str | None, limit: int, *,
                       filters: ListingFilter | None = None) -> ContractPage:
        kept = _with_status(filters, status)

        def matches(contract: Contract) -> bool:
            mine = contract.role_of(did)
            return mine is not None and role in (None, mine) and kept.keeps(contract, did)

        return self._page(matches, kept, before, limit)

    def list_all(self, status: str | None, before: str | None, limit: int, *,
                 filters: ListingFilter | None = None) -> ContractPage:
        kept = _with_status(filters, status)
        return self._page(lambda c: kept.keeps(c, None), kept, before, limit)

    def due_for_expiry(self, now_iso: str, limit: int = 100) -> list[str]:
        with self._db.lock:
            contracts = list(self.snapshots.values())
        ended = [c.id for c in contracts
                 if c.status in EXPIRABLE and c.content.valid_until <= now_iso]
        unsigned = [c.id for c in contracts if c.status == Status.REVIEW
                    and c.signing_deadline is not None and c.signing_deadline <= now_iso]
        return list(dict.fromkeys(ended + unsigned))[:limit]

    def _page(self, matches: Callable[[Contract], bool], filters: ListingFilter,
              before: str | None, limit: int) -> ContractPage:
        """Every match at once: memory has no read to bound, so pages are always full."""
        bounds = key_range(filters, before)
        if bounds is None:  # nothing lies in the window (as the DynamoDB store answers)
            return ContractPage([], None)
        with self._db.lock:
            below = [c for c in self.snapshots.values() if matches(c) and (
                bounds.upper is None or listing_key(c.created_at, c.id) < bounds.upper)]
        items, cursor = merged_page(below, limit)
        return ContractPage(items, cursor)


def _with_status(filters: ListingFilter | None, status: str | None) -> ListingFilter:
    filters = filters or ListingFilter()
    return filters if status is None else replace(filters, status=status)
