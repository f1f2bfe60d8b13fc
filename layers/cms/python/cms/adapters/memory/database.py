"""One in-memory database shared by the in-memory stores: a lock and the audit log.

Stores that write an audit event with a change do both under the lock, after checking every
condition, so a change and its event land together or not at all, as in a DynamoDB
transaction.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from cms.domain.anchoring import Batch, Placement
from cms.domain.audit import AuditEvent
from cms.domain.canonical import iso_utc, utc_now
from cms.ports.errors import WriteConflict


@dataclass
class MemoryDatabase:
    lock: threading.RLock = field(default_factory=threading.RLock)
    streams: dict[str, dict[int, AuditEvent]] = field(default_factory=lambda: defaultdict(dict))
    placements: dict[tuple[str, int], Placement] = field(default_factory=dict)
    # (prepared_at, confirmed_at) of a batch, by first_seq, as the batch record keeps them.
    anchor_batch_times: dict[int, tuple[str, str]] = field(default_factory=dict)
    anchor_batches: dict[int, Batch] = field(init=False)  # by first_seq

    def __post_init__(self) -> None:
        self.anchor_batches = BatchRecords(self.anchor_batch_times)

    def check_free(self, events: Iterable[AuditEvent]) -> None:
        """WriteConflict if any event's sequence number is taken (a fork). Call under lock."""
        for event in events:
            if event.seq in self.streams[event.stream]:
                raise WriteConflict(f"{event.stream} #{event.seq} exists")

    def append(self, events: Iterable[AuditEvent]) -> None:
        """Write checked events. Call under lock, after ``check_free``."""
        for event in events:
            self.streams[event.stream][event.seq] = event

    def read_placed(self, stream: str, *, after: int = -1, limit: int | None = None
                    ) -> list[tuple[AuditEvent, Placement | None]]:
        with self.lock:
            events = [self.streams[stream][seq] for seq in sorted(self.streams[stream])
                      if seq > after]
            chosen = events if limit is None else events[:limit]
            return [(event, self.placements.get((stream, event.seq))) for event in chosen]

    def read_stream(self, stream: str, *, after: int = -1,
                    limit: int | None = None) -> list[AuditEvent]:
        return [event for event, _ in self.read_placed(stream, after=after, limit=limit)]


class BatchRecords(dict[int, Batch]):
    """Anchor batches by first_seq. Writing one stamps its times, as the DynamoDB record's
    ``created_at`` (kept) and ``updated_at`` (each write) are: so every batch, however it was
    written, has the times ``/ledger/batches`` reports, on either store."""

    def __init__(self, times: dict[int, tuple[str, str]]) -> None:
        super().__init__()
        self._times = times

    def __setitem__(self, first_seq: int, batch: Batch) -> None:
        now = iso_utc(utc_now())
        prepared = self._times[first_seq][0] if first_seq in self._times else now
        self._times[first_seq] = (prepared, now)
        super().__setitem__(first_seq, batch)
