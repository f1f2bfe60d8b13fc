"""Anchoring's progress in memory (the port: cms.ports.ledger.AnchoringProgress), read from
the shared database: an event is queued until it has a placement, as on DynamoDB an event
stays in the sparse index of un-anchored events until its batch settles it."""

from __future__ import annotations

from cms.adapters.memory.database import MemoryDatabase
from cms.domain.anchoring import FINAL, Batch


class MemoryAnchoringProgress:
    def __init__(self, database: MemoryDatabase) -> None:
        self._db = database

    def pending_count_and_oldest(self, limit: int = 1000) -> tuple[int, str | None]:
        with self._db.lock:
            # The index's sort key: written time, then stream and sequence number.
            waiting = sorted((event.at, stream, seq)
                             for stream, events in self._db.streams.items()
                             for seq, event in events.items()
                             if (stream, seq) not in self._db.placements)[:limit]
        return len(waiting), (waiting[0][0] if waiting else None)

    def last_final(self) -> Batch | None:
        with self._db.lock:
            final = [batch for batch in self._db.anchor_batches.values() if batch.state == FINAL]
        return max(final, key=lambda batch: batch.first_seq, default=None)
