"""Reading anchoring results for one request: batch records and what the chain says of them.

Kept apart from the anchoring service so that reading contracts does not load web3 until a
request actually asks the chain something."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cms.adapters.anchor_store import AnchorStore
from cms.domain.anchoring import FINAL, Batch, Placement
from cms.domain.verification import ChainAnchor, ChainSlot

if TYPE_CHECKING:
    from cms.adapters.ledger_client import LedgerClient
    from cms.adapters.ledger_config import LedgerConfig
    from cms.adapters.ledger_view import LedgerView


class AnchorReader:
    """Batches and their on-chain records for one request (each batch looked up once)."""

    def __init__(self, store: AnchorStore, ledger: Callable[[], LedgerClient],
                 config: Callable[[], LedgerConfig]) -> None:
        self._store = store
        self._ledger_factory = ledger
        self._config = config
        self._view: LedgerView | None = None
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
        config = self._config()
        return config.chain_id, config.address

    def on_chain(self, first_seq: int) -> tuple[str, ChainAnchor | None]:
        batch = self.batch(first_seq)
        if batch is None:
            return "(no batch record)", None
        return batch.root, self._chain().anchor_of(batch.root)

    def slot(self, contract_id: str) -> ChainSlot | None:
        return self._chain().status_of(contract_id)

    def describe(self, placement: Placement | None) -> dict[str, Any]:
        if placement is None:
            return {"state": "pending"}
        batch = self.batch(placement.batch_first_seq)
        # "anchored" only once the batch's transaction is final: what a receipt can prove.
        return {"state": "anchored" if _is_final(batch) else "batched",
                "batch": placement.batch_first_seq,
                "anchor_seq": placement.anchor_seq, "proof": placement.proof,
                "root": batch.root if batch else None,
                "tx_hash": batch.tx_hash if batch else None,
                "block_number": batch.block_number if batch else None}

    def _chain(self) -> LedgerView:
        if self._view is None:
            from cms.adapters.ledger_view import LedgerView

            self._view = LedgerView(self._ledger_factory())
        return self._view


def _is_final(batch: Batch | None) -> bool:
    return bool(batch and batch.state == FINAL and batch.tx_hash)
