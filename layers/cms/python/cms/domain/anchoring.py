"""Anchoring batches: audit events become the leaves of one Merkle tree whose root goes on
chain with the batch's range of global anchoring sequence numbers (and so its size, which an
RFC 6962 root does not encode)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cms.domain.merkle import InclusionProof, batch

PREPARED, SENT, FINAL, ABANDONED = "prepared", "sent", "final", "abandoned"
# ContractLedger's numbering; only the legally significant states get an on-chain slot.
STATUS_CODES = {"draft": 0, "review": 1, "signed": 2, "active": 3, "completed": 4,
                "terminated": 5, "expired": 6}
SIGNIFICANT = frozenset({"signed", "active", "completed", "terminated", "expired"})


@dataclass(frozen=True)
class PendingEvent:
    stream: str
    seq: int
    hash: str  # the audit event's own hash: the Merkle leaf


@dataclass(frozen=True)
class Batch:
    first_seq: int
    root: str
    events: tuple[PendingEvent, ...]
    state: str = PREPARED
    tx_hash: str | None = None
    block_number: int | None = None

    @property
    def count(self) -> int:
        return len(self.events)

    @property
    def last_seq(self) -> int:
        return self.first_seq + self.count - 1

    def proofs(self) -> list[InclusionProof]:
        return batch([event.hash for event in self.events])[1]

    def placement(self) -> list[tuple[PendingEvent, int, dict[str, Any]]]:
        """Each event with its global sequence number and inclusion proof."""
        return [(event, self.first_seq + index, proof.to_json())
                for index, (event, proof) in enumerate(zip(self.events, self.proofs(),
                                                           strict=True))]


@dataclass(frozen=True)
class Placement:
    """Where an event sits once its batch is final: the batch, its global anchoring sequence
    number, and its inclusion proof (RFC 6962 JSON)."""

    batch_first_seq: int
    anchor_seq: int
    proof: dict[str, Any]


def prepare(first_seq: int, events: list[PendingEvent]) -> Batch:
    root, _ = batch([event.hash for event in events])
    return Batch(first_seq=first_seq, root=root, events=tuple(events))
