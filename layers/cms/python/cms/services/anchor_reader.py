"""Reading anchoring results for one request: batch records and what the chain says of them.

Kept apart from the anchoring service so that reading contracts does not load web3 until a
request actually asks the chain something."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cms.domain.anchoring import FINAL, Batch, Placement
from cms.domain.verification import ChainAnchor, ChainSlot
from cms.ports.anchors import AnchorBatches, LedgerReads

PENDING, BATCHED, ANCHORED, UNKNOWN = "pending", "batched", "anchored", "unknown"


@dataclass(frozen=True)
class AnchorState:
    """Where an audit event is in its anchoring: ``pending`` (queued), ``batched`` (in a
    batch whose transaction is not final yet), ``anchored`` (final: what a receipt can
    prove), or ``unknown`` (no ledger to ask)."""

    state: str
    batch: int | None = None
    anchor_seq: int | None = None
    proof: dict[str, Any] | None = None
    root: str | None = None
    tx_hash: str | None = None
    block_number: int | None = None


class AnchorReader:
    """Batches and their on-chain records for one request (each batch looked up once)."""

    def __init__(self, batches: AnchorBatches, ledger: Callable[[], LedgerReads],
                 address: Callable[[], tuple[int, str]]) -> None:
        self._store = batches
        self._ledger_factory = ledger
        self._address = address
        self._ledger: LedgerReads | None = None
        self._batches: dict[int, Batch | None] = {}

    def batch(self, first_seq: int) -> Batch | None:
        if first_seq not in self._batches:
            self._batches[first_seq] = self._store.get(first_seq)
        return self._batches[first_seq]

    def final_batch(self, placement: Placement | None) -> Batch | None:
        """The batch of a placed event once it is final and names its transaction."""
        if placement is None:
            return None
        batch = self.batch(placement.batch_first_seq)
        return batch if _is_final(batch) else None

    def ledger_address(self) -> tuple[int, str]:
        """(chain id, ledger address) from the configuration alone: no chain access."""
        return self._address()

    def on_chain(self, first_seq: int) -> tuple[str, ChainAnchor | None]:
        batch = self.batch(first_seq)
        if batch is None:
            return "(no batch record)", None
        return batch.root, self._chain().anchor_of(batch.root)

    def slot(self, contract_id: str) -> ChainSlot | None:
        return self._chain().status_of(contract_id)

    def describe(self, placement: Placement | None) -> AnchorState:
        if placement is None:
            return AnchorState(PENDING)
        batch = self.batch(placement.batch_first_seq)
        # "anchored" only once the batch's transaction is final: what a receipt can prove.
        return AnchorState(ANCHORED if _is_final(batch) else BATCHED,
                           batch=placement.batch_first_seq, anchor_seq=placement.anchor_seq,
                           proof=placement.proof, root=batch.root if batch else None,
                           tx_hash=batch.tx_hash if batch else None,
                           block_number=batch.block_number if batch else None)

    def _chain(self) -> LedgerReads:
        if self._ledger is None:
            self._ledger = self._ledger_factory()
        return self._ledger


def _is_final(batch: Batch | None) -> bool:
    return bool(batch and batch.state == FINAL and batch.tx_hash)
