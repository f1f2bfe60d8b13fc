"""Anchoring state in DynamoDB: the queue of events still to anchor (a sparse index on the
audit table) and the batch records that make each anchoring step resumable."""

from __future__ import annotations

import contextvars
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from pynamodb.exceptions import PutError, UpdateError

from cms.adapters.audit_log import PENDING
from cms.adapters.dynamo import (
    WriteConflict,
    get_or_none,
    is_lost_condition,
    unavailable_on_connection_errors,
)
from cms.adapters.tables import AnchorBatchRecord, AuditEventRecord
from cms.domain.anchoring import ABANDONED, FINAL, Batch, PendingEvent
from cms.domain.canonical import iso_utc, utc_now
from cms.ports.ledger import RECENT_BATCHES_LIMIT, ConfirmedBatch

OPEN = "open"
PENDING_COUNT_LIMIT = 1000
SETTLE_THREADS = 8  # within botocore's default pool of 10 connections


class AnchorStore:
    def pending(self, limit: int) -> list[PendingEvent]:
        """The oldest events not yet anchored (eventually consistent: a just-written event
        may wait for the next run, never be lost)."""
        query = AuditEventRecord.unanchored.query(PENDING, limit=limit)
        return unavailable_on_connection_errors(
            lambda: [PendingEvent(r.stream, int(r.seq), r.hash) for r in query])

    def pending_count_and_oldest(self, limit: int = PENDING_COUNT_LIMIT
                                 ) -> tuple[int, str | None]:
        """How many events wait (counted up to ``limit``) and when the oldest was written."""
        query = AuditEventRecord.unanchored.query(PENDING, limit=limit)
        keys = unavailable_on_connection_errors(lambda: [r.pending_key for r in query])
        return len(keys), (keys[0].split("#", 1)[0] if keys else None)

    def open_batches(self) -> list[Batch]:
        query = AnchorBatchRecord.open_batches.query(OPEN, consistent_read=False)
        records = unavailable_on_connection_errors(lambda: list(query))
        # The index may lag: read each batch itself before acting on it.
        batches = [self.get(int(r.first_seq)) for r in records]
        return sorted((b for b in batches if b is not None and b.state != FINAL),
                      key=lambda b: b.first_seq)

    def get(self, first_seq: int) -> Batch | None:
        record = get_or_none(AnchorBatchRecord, first_seq)
        return None if record is None else _to_batch(record)

    def last_final(self) -> Batch | None:
        query = AnchorBatchRecord.final_batches.query(FINAL, scan_index_forward=False, limit=1)
        batches = unavailable_on_connection_errors(lambda: [_to_batch(r) for r in query])
        return batches[0] if batches else None

    def recent_final(self, limit: int) -> list[ConfirmedBatch]:
        """One query of the final index, newest first, and one batch read of each batch's
        first event (the oldest: a batch takes the queue in its time order) for its time.
        A final batch's record is not written again, so its ``updated_at`` is when it was
        marked final."""
        limit = max(1, min(limit, RECENT_BATCHES_LIMIT))
        query = AnchorBatchRecord.final_batches.query(FINAL, scan_index_forward=False,
                                                      limit=limit)
        records = unavailable_on_connection_errors(lambda: list(query))[:limit]
        firsts = {(r.events[0][0], int(r.events[0][1])) for r in records if r.events}
        written = unavailable_on_connection_errors(lambda: {
            (event.stream, int(event.seq)): event.at for event in AuditEventRecord.batch_get(
                list(firsts), attributes_to_get=["stream", "seq", "at"])}) if firsts else {}
        return [ConfirmedBatch(
            _to_batch(r), r.created_at, r.updated_at,
            written.get((r.events[0][0], int(r.events[0][1]))) if r.events else None)
            for r in records]

    def create(self, batch: Batch) -> None:
        now = iso_utc(utc_now())
        record = AnchorBatchRecord(
            batch.first_seq, last_seq=batch.last_seq, root=batch.root, state=batch.state,
            events=[[e.stream, e.seq, e.hash] for e in batch.events], created_at=now,
            updated_at=now, open=OPEN)
        try:
            unavailable_on_connection_errors(
                lambda: record.save(condition=AnchorBatchRecord.first_seq.does_not_exist()))
        except PutError as error:
            raise WriteConflict(f"batch {batch.first_seq} exists") from error

    def mark(self, batch: Batch, state: str, *, tx_hash: str | None = None,
             block_number: int | None = None) -> Batch:
        actions = [AnchorBatchRecord.state.set(state),
                   AnchorBatchRecord.updated_at.set(iso_utc(utc_now()))]
        if tx_hash is not None:
            actions.append(AnchorBatchRecord.tx_hash.set(tx_hash))
        if block_number is not None:
            actions.append(AnchorBatchRecord.block_number.set(block_number))
        if state in {FINAL, ABANDONED}:
            actions.append(AnchorBatchRecord.open.remove())
        if state == FINAL:
            actions.append(AnchorBatchRecord.final.set(FINAL))
        unavailable_on_connection_errors(
            lambda: AnchorBatchRecord(batch.first_seq).update(actions=actions))
        return replace(batch, state=state, tx_hash=tx_hash or batch.tx_hash,
                       block_number=block_number or batch.block_number)

    def settle(self, batch: Batch) -> None:
        """Give every event of a final batch its proof and take it off the queue. Each write
        is conditional and idempotent, so a crash half-way is completed by the next run; they
        are independent, so they go out in parallel (one per event is the anchoring cost)."""
        first, *rest = batch.placement()
        # The first write alone: it creates the table connection's botocore client, which is
        # not safe to create from several threads at once (using it is).
        self._settle_event(batch.first_seq, *first)
        # Each write in the caller's context: whatever it carries (a trace, the local stack's
        # IAM check) applies to every thread's writes as to the first.
        context = contextvars.copy_context()
        with ThreadPoolExecutor(SETTLE_THREADS) as pool:
            list(pool.map(lambda placed: context.copy().run(
                self._settle_event, batch.first_seq, *placed), rest))

    @staticmethod
    def _settle_event(batch_first_seq: int, event: PendingEvent, global_seq: int,
                      proof: dict) -> None:
        record = AuditEventRecord(event.stream, event.seq)
        # Still queued, or already settled by this very batch (a resumed run).
        condition = (AuditEventRecord.anchor_pending.exists()
                     | (AuditEventRecord.anchor_batch == batch_first_seq))
        try:
            unavailable_on_connection_errors(lambda: record.update(
                actions=[AuditEventRecord.anchor_batch.set(batch_first_seq),
                         AuditEventRecord.anchor_seq.set(global_seq),
                         AuditEventRecord.anchor_proof.set(proof),
                         AuditEventRecord.anchor_pending.remove(),
                         AuditEventRecord.pending_key.remove()],
                condition=condition))
        except UpdateError as error:
            # Anchored by another batch meanwhile: that batch's proof stands.
            if not is_lost_condition(error):
                raise


def _to_batch(record: AnchorBatchRecord) -> Batch:
    return Batch(
        first_seq=int(record.first_seq), root=record.root,
        events=tuple(PendingEvent(stream, int(seq), digest)
                     for stream, seq, digest in record.events),
        state=record.state, tx_hash=record.tx_hash,
        block_number=int(record.block_number) if record.block_number is not None else None)
