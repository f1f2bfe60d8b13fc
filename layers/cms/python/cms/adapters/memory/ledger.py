"""Anchoring's progress in memory (the port: cms.ports.ledger.AnchoringProgress), read from
the shared database: an event is queued until it has a placement, as on DynamoDB an event
stays in the sparse index of un-anchored events until its batch settles it."""

from __future__ import annotations

from cms.adapters.memory.database import MemoryDatabase
from cms.domain.anchoring import FINAL, Batch
from cms.ports.ledger import RECENT_BATCHES_LIMIT, ConfirmedBatch


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

    def recent_final(self, limit: int) -> list[ConfirmedBatch]:
        limit = max(1, min(limit, RECENT_BATCHES_LIMIT))
        with self._db.lock:
            final = sorted((batch for batch in self._db.anchor_batches.values()
                            if batch.state == FINAL),
                           key=lambda batch: batch.first_seq, reverse=True)[:limit]
            confirmed = []
            for batch in final:
                prepared_at, confirmed_at = self._db.anchor_batch_times[batch.first_seq]
                first = batch.events[0] if batch.events else None
                event = self._db.streams.get(first.stream, {}).get(first.seq) if first else None
                confirmed.append(ConfirmedBatch(batch, prepared_at, confirmed_at,
                                                event.at if event else None))
        return confirmed
