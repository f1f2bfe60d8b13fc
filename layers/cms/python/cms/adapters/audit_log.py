"""Audit events in DynamoDB: one hash chain per stream (``contract:<id>``, ``identity:<did>``).

Stores add ``append(tx, event)`` to the transaction that changes the audited item, so an event
is written exactly when its change is; the condition on the free sequence number stops forks.
"""

from __future__ import annotations

from typing import Any

from pynamodb.transactions import TransactWrite

from cms.adapters.dynamo import unavailable_on_connection_errors
from cms.adapters.tables import AuditEventRecord
from cms.domain.anchoring import Placement
from cms.domain.audit import AuditEvent

PENDING = "pending"


def append(tx: TransactWrite, event: AuditEvent) -> None:
    """Write the event, entering it in the sparse index of events still to anchor."""
    record = _to_record(event)
    record.anchor_pending = PENDING
    record.pending_key = f"{event.at}#{event.stream}#{event.seq:012d}"
    tx.save(record, condition=AuditEventRecord.seq.does_not_exist())


def read_stream(stream: str, *, after: int = -1, limit: int | None = None) -> list[AuditEvent]:
    """Events with ``seq > after`` in order; at most ``limit`` (all when None)."""
    return [event for event, _ in read_placed(stream, after=after, limit=limit)]


def read_placed(stream: str, *, after: int = -1,
                limit: int | None = None) -> list[tuple[AuditEvent, Placement | None]]:
    """Events with where they are anchored (None while still queued)."""
    query = AuditEventRecord.query(stream, AuditEventRecord.seq > after, consistent_read=True,
                                   limit=limit)
    return unavailable_on_connection_errors(
        lambda: [(_to_event(r), _placement(r)) for r in query])


def _placement(record: AuditEventRecord) -> Placement | None:
    if record.anchor_batch is None or record.anchor_proof is None:
        return None
    return Placement(int(record.anchor_batch), int(record.anchor_seq), record.anchor_proof)


def _to_event(record: AuditEventRecord) -> AuditEvent:
    return AuditEvent(
        stream=record.stream, seq=int(record.seq), event_id=record.event_id,
        event_type=record.event_type, actor=record.actor, at=record.at, data=record.data,
        prev_hash=record.prev_hash, hash=record.hash)


def _to_record(event: AuditEvent) -> AuditEventRecord:
    return AuditEventRecord(
        event.stream, event.seq, event_id=event.event_id, event_type=event.event_type,
        actor=event.actor, at=event.at, data=event.data, prev_hash=event.prev_hash,
        hash=event.hash)


def event_from_stream_image(image: dict[str, Any]) -> AuditEvent:
    """An audit event from a DynamoDB stream record's NewImage (DynamoDB JSON)."""
    return _to_event(AuditEventRecord.from_raw_data(image))
