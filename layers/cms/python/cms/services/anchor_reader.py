"""Reading anchoring results for one request: batch records and what the chain says of them.

Kept apart from the anchoring service so that reading contracts does not load web3 until a
request actually asks the chain something."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cms.adapters.anchor_store import AnchorStore
from cms.domain.anchoring import Batch, Placement
from cms.domain.verification import ChainAnchor, ChainSlot

if TYPE_CHECKING:
    from cms.adapters.ledger_client import LedgerClient


class AnchorReader:
    """Batches and their on-chain records for one request (each batch looked up once)."""

    def __init__(self, store: AnchorStore, ledger: Callable[[], LedgerClient]) -> None:
        self._store = store
        self._ledger_factory = ledger
        self._ledger: LedgerClient | None = None
        self._batches: dict[int, Batch | None] = {}

    def batch(self, first_seq: int) -> Batch | None:
        if first_seq not in self._batches:
            self._batches[first_seq] = self._store.get(first_seq)
        return self._batches[first_seq]

    def on_chain(self, first_seq: int) -> tuple[str, ChainAnchor | None]:
        batch = self.batch(first_seq)
        if batch is None:
            return "(no batch record)", None
        if self._ledger is None:
            self._ledger = self._ledger_factory()
        record = self._ledger.anchor_of(bytes.fromhex(batch.root))
        return batch.root, (None if record is None else
                            ChainAnchor(record.block_number, record.first_seq, record.count))

    def slot(self, contract_id: str) -> ChainSlot | None:
        if self._ledger is None:
            self._ledger = self._ledger_factory()
        slot = self._ledger.status_of(contract_id)
        return None if slot is None else ChainSlot(slot.status, slot.seq, slot.head_hash.hex())

    def describe(self, placement: Placement | None) -> dict[str, Any]:
        if placement is None:
            return {"state": "pending"}
        batch = self.batch(placement.batch_first_seq)
        return {"state": "anchored", "batch": placement.batch_first_seq,
                "anchor_seq": placement.anchor_seq, "proof": placement.proof,
                "root": batch.root if batch else None,
                "tx_hash": batch.tx_hash if batch else None,
                "block_number": batch.block_number if batch else None}
