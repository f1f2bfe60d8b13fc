"""What the ledger status reads of anchoring: the queue of events still to anchor (how many,
the oldest) and the last final batch.

Events and batches are written as the platform writes them: on DynamoDB by the audit log and
the anchor store, in memory into the database the in-memory stores share.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import replace

from cms.bootstrap import MemoryServices
from cms.domain.anchoring import FINAL, SENT, PendingEvent, Placement, prepare
from cms.domain.audit import AuditEvent
from cms.domain.canonical import iso_utc, parse_iso, utc_now

MOMENTS = ("2001-01-01T00:00:01.000Z", "2001-01-01T00:00:02.000Z", "2001-01-01T00:00:03.000Z")


def audit_event(stream: str, seq: int, at: str) -> AuditEvent:
    digest = hashlib.sha256(f"{stream}#{seq}".encode()).hexdigest()
    return AuditEvent(stream, seq, str(uuid.uuid4()), "contract.created", "system:test", at,
                      {}, "0" * 64, digest)


def write_events(services, events: list[AuditEvent]) -> None:
    if isinstance(services, MemoryServices):
        with services.database.lock:
            services.database.append(events)
        return
    from cms.adapters import audit_log
    from cms.adapters.dynamo import transaction

    with transaction() as tx:
        for event in events:
            audit_log.append(tx, event)


def settle(services, first_seq: int, events: list[AuditEvent], state: str = FINAL) -> None:
    """A batch of ``events`` (oldest first, as the queue hands them) reaching ``state``; a
    final one takes its events off the queue."""
    batch = prepare(first_seq, [PendingEvent(e.stream, e.seq, e.hash) for e in events])
    if isinstance(services, MemoryServices):
        database = services.database
        with database.lock:
            database.anchor_batches[first_seq] = replace(batch, state=state,
                                                         tx_hash="0x" + "ab" * 32)
            if state == FINAL:
                for event, anchor_seq, proof in batch.placement():
                    database.placements[(event.stream, event.seq)] = Placement(
                        first_seq, anchor_seq, proof)
        return
    from cms.adapters.anchor_store import AnchorStore

    store = AnchorStore()
    store.create(batch)
    marked = store.mark(batch, state, tx_hash="0x" + "ab" * 32, block_number=7)
    if state == FINAL:
        store.settle(marked)


def stream() -> str:
    return f"contract:{uuid.uuid4()}"


def test_queued_events_are_counted_and_the_oldest_named(services):
    progress = services.anchoring_progress
    before, _ = progress.pending_count_and_oldest()
    one, two = stream(), stream()
    write_events(services, [audit_event(one, 0, MOMENTS[1]), audit_event(one, 1, MOMENTS[2])])
    write_events(services, [audit_event(two, 0, MOMENTS[0])])
    count, oldest = progress.pending_count_and_oldest()
    assert (count, oldest) == (before + 3, MOMENTS[0])
    assert progress.pending_count_and_oldest(limit=2) == (2, MOMENTS[0])


def test_settled_events_leave_the_queue_and_their_batch_is_the_last_final(services):
    progress = services.anchoring_progress
    events = [audit_event(stream(), 0, "2000-06-01T00:00:00.000Z") for _ in range(2)]
    write_events(services, events)
    before, _ = progress.pending_count_and_oldest()
    # After any other test's batch in the same store (their first_seq stay below 10**12).
    first_seq = 10**13 + uuid.uuid4().int % 10**6
    settle(services, first_seq, events)
    count, oldest = progress.pending_count_and_oldest()
    assert count == before - 2 and oldest != "2000-06-01T00:00:00.000Z"
    last = progress.last_final()
    assert (last.first_seq, last.last_seq, last.count, last.state) == (
        first_seq, first_seq + 1, 2, FINAL)
    assert last.tx_hash == "0x" + "ab" * 32


def test_a_batch_still_in_flight_is_not_final(services):
    progress = services.anchoring_progress
    earlier = progress.last_final()
    events = [audit_event(stream(), 0, MOMENTS[0])]
    write_events(services, events)
    settle(services, 2 * 10**9, events, state=SENT)
    assert progress.last_final() == earlier


def test_recent_final_batches_come_newest_first_with_their_times(services):
    progress = services.anchoring_progress
    base = 10**14 + uuid.uuid4().int % 10**6  # above every other test's batches
    older = [audit_event(stream(), 0, "2001-02-01T00:00:00.000Z")]
    newer = [audit_event(stream(), 0, "2001-03-01T00:00:00.000Z"),
             audit_event(stream(), 0, "2001-03-01T00:00:09.000Z")]
    write_events(services, older + newer)
    before = iso_utc(utc_now())
    settle(services, base, older)
    settle(services, base + 1, newer)
    settle(services, base + 3, [audit_event(stream(), 0, MOMENTS[0])], state=SENT)
    recent = progress.recent_final(2)
    assert [c.batch.first_seq for c in recent] == [base + 1, base]
    latest = recent[0]
    assert (latest.batch.count, latest.batch.state, latest.oldest_event_at) == (
        2, FINAL, "2001-03-01T00:00:00.000Z")
    assert recent[1].oldest_event_at == "2001-02-01T00:00:00.000Z"
    assert parse_iso(before) <= parse_iso(latest.prepared_at) <= parse_iso(latest.confirmed_at)
    assert len(progress.recent_final(1)) == 1


def test_a_batch_final_on_its_first_write_still_has_its_times(services):
    """No batch lacks its times on either store: in memory a batch written straight as final
    (as a memory stack or a test may) once had none, and /ledger/batches answered 500."""
    progress = services.anchoring_progress
    first_seq = 10**15 + uuid.uuid4().int % 10**6  # above every other test's batches
    events = [audit_event(stream(), 0, "2001-04-01T00:00:00.000Z")]
    write_events(services, events)
    before = iso_utc(utc_now())
    settle(services, first_seq, events)
    [latest] = progress.recent_final(1)
    assert latest.batch.first_seq == first_seq
    assert parse_iso(before) <= parse_iso(latest.prepared_at) <= parse_iso(latest.confirmed_at)
