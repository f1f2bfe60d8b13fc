"""Anchoring in memory: batch records (the reads of cms.ports.anchors, and the writes the
anchoring makes, so that tests can anchor), and a ledger contract's reads.

Settling a batch gives each of its events the placement the contract store then shows with
it (``MemoryDatabase.placements``), as the DynamoDB adapter writes the proof onto the event.
"""

from __future__ import annotations

from dataclasses import replace

from cms.adapters.memory.database import MemoryDatabase
from cms.domain.anchoring import FINAL, Batch, PendingEvent, Placement
from cms.domain.verification import ChainAnchor, ChainSlot
from cms.ports.errors import WriteConflict


class MemoryAnchorStore:
    def __init__(self, database: MemoryDatabase) -> None:
        self._db = database
        self._batches: dict[int, Batch] = {}

    def pending(self, limit: int) -> list[PendingEvent]:
        """The oldest events not yet placed in a final batch."""
        with self._db.lock:
            waiting = [event for stream in self._db.streams.values()
                       for event in stream.values()
                       if (event.stream, event.seq) not in self._db.placements]
        waiting.sort(key=lambda e: (e.at, e.stream, e.seq))
        return [PendingEvent(e.stream, e.seq, e.hash) for e in waiting[:limit]]

    def get(self, first_seq: int) -> Batch | None:
        with self._db.lock:
            return self._batches.get(first_seq)

    def last_final(self) -> Batch | None:
        with self._db.lock:
            final = [b for b in self._batches.values() if b.state == FINAL]
        return max(final, key=lambda b: b.first_seq, default=None)

    def create(self, batch: Batch) -> None:
        with self._db.lock:
            if batch.first_seq in self._batches:
                raise WriteConflict(f"batch {batch.first_seq} exists")
            self._batches[batch.first_seq] = batch

    def mark(self, batch: Batch, state: str, *, tx_hash: str | None = None,
             block_number: int | None = None) -> Batch:
        marked = replace(batch, state=state, tx_hash=tx_hash or batch.tx_hash,
                         block_number=block_number or batch.block_number)
        with self._db.lock:
            self._batches[batch.first_seq] = marked
        return marked

    def settle(self, batch: Batch) -> None:
        """Each event of the batch gets its proof, unless another batch placed it first."""
        with self._db.lock:
            for event, global_seq, proof in batch.placement():
                key = (event.stream, event.seq)
                placed = self._db.placements.get(key)
                if placed is None or placed.batch_first_seq == batch.first_seq:
                    self._db.placements[key] = Placement(batch.first_seq, global_seq, proof)


class MemoryLedger:
    """What a ContractLedger on chain would answer; ``record_*`` is what anchoring sends."""

    def __init__(self) -> None:
        self._anchors: dict[str, ChainAnchor] = {}
        self._slots: dict[str, ChainSlot] = {}

    def anchor_of(self, root: str) -> ChainAnchor | None:
        return self._anchors.get(root)

    def status_of(self, contract_id: str) -> ChainSlot | None:
        return self._slots.get(contract_id)

    def record_anchor(self, root: str, anchor: ChainAnchor) -> None:
        self._anchors[root] = anchor

    def record_status(self, contract_id: str, slot: ChainSlot) -> None:
        self._slots[contract_id] = slot
