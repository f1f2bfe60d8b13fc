"""Hash-chained audit events.

Each event's hash covers its position (stream, seq), its content and the previous event's hash,
over RFC 8785 canonical JSON, so any edit, insertion, deletion or reordering breaks the chain.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cms.domain.canonical import digest_of

GENESIS_HASH = "0" * 64
HASH_VERSION = 1


@dataclass(frozen=True)
class AuditEvent:
    stream: str
    seq: int
    event_id: str
    event_type: str
    actor: str
    at: str
    data: dict[str, Any]
    prev_hash: str
    hash: str

    def body(self) -> dict[str, Any]:
        """Exactly what the hash covers."""
        return event_body(stream=self.stream, seq=self.seq, event_id=self.event_id,
                          event_type=self.event_type, actor=self.actor, at=self.at,
                          data=self.data, prev_hash=self.prev_hash)

    def recomputed_hash(self) -> str:
        return digest_of(self.body())

    def to_json(self) -> dict[str, Any]:
        return {**self.body(), "hash": self.hash}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AuditEvent:
        """Inverse of ``to_json`` (e.g. events fetched from the API, checked offline)."""
        return cls(stream=data["stream"], seq=data["seq"], event_id=data["event_id"],
                   event_type=data["type"], actor=data["actor"], at=data["at"],
                   data=data["data"], prev_hash=data["prev_hash"], hash=data["hash"])


def event_body(
    *, stream: str, seq: int, event_id: str, event_type: str, actor: str, at: str,
    data: dict[str, Any], prev_hash: str,
) -> dict[str, Any]:
    return {
        "v": HASH_VERSION,
        "stream": stream,
        "seq": seq,
        "event_id": event_id,
        "type": event_type,
        "actor": actor,
        "at": at,
        "data": data,
        "prev_hash": prev_hash,
    }


def seal(
    *, stream: str, seq: int, prev_hash: str, event_id: str, event_type: str, actor: str, at: str,
    data: dict[str, Any],
) -> AuditEvent:
    """Create the next link of a chain with its hash."""
    body = event_body(stream=stream, seq=seq, event_id=event_id, event_type=event_type,
                      actor=actor, at=at, data=data, prev_hash=prev_hash)
    return AuditEvent(stream, seq, event_id, event_type, actor, at, data, prev_hash,
                      digest_of(body))


@dataclass(frozen=True)
class ChainProblem:
    seq: int | None
    detail: str


def chain_problems(events: list[AuditEvent], stream: str) -> list[ChainProblem]:
    """Every way the stored chain deviates from an intact one, in order (empty when intact)."""
    problems: list[ChainProblem] = []
    expected_prev = GENESIS_HASH
    for position, event in enumerate(events):
        if event.stream != stream:
            problems.append(ChainProblem(event.seq, f"event belongs to stream {event.stream!r}"))
        if event.seq != position:
            problems.append(ChainProblem(
                event.seq, f"sequence gap: expected seq {position}, found {event.seq}"))
        if event.prev_hash != expected_prev:
            problems.append(ChainProblem(
                event.seq,
                f"prev_hash {event.prev_hash} does not match the previous event's hash "
                f"{expected_prev}"))
        recomputed = event.recomputed_hash()
        if recomputed != event.hash:
            problems.append(ChainProblem(
                event.seq,
                f"stored hash {event.hash} does not match the recomputed hash {recomputed} "
                "(the event's content was changed)"))
        expected_prev = event.hash
    return problems
