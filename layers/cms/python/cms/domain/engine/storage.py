"""What the engine and its storage exchange (the port is cms.ports.engine.ContractStateStorage;
the backends are cms.adapters.memory.engine and cms.adapters.engine_store).

A ``Snapshot`` is a contract as one execution reads it, at a state version; the storage's
``commit`` applies the execution's ``Writes`` only if that version has not moved, else raises
``StateConflict`` and the engine runs the call again (optimistic concurrency per contract).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cms.domain.engine.records import ContractMetadata, ExecutionRecord, minute_of
from cms.domain.engine.state import ContractState

# Writes one execution may make: DynamoDB's TransactWriteItems takes 100 items, and a commit
# also writes the contract's version and the execution's record.
MAX_WRITES_PER_EXECUTION = 64

Writes = Mapping[str, bytes | None]  # key -> new value, None for a removal


class StateConflict(Exception):
    """The contract's state moved on since the snapshot: the execution must run again."""


@dataclass(frozen=True)
class Snapshot:
    """A contract as one execution sees it: metadata, state version and a state reader."""

    metadata: ContractMetadata
    version: int
    state: ContractState


def by_minute(records: Sequence[ExecutionRecord]) -> dict[str, list[ExecutionRecord]]:
    """Records grouped by the minute they ran in (the recent-figures buckets)."""
    groups: dict[str, list[ExecutionRecord]] = {}
    for record in records:
        groups.setdefault(minute_of(record.timestamp), []).append(record)
    return groups


def history_key(record: ExecutionRecord) -> str:
    """The order of history: time, then id (ids break ties within a microsecond)."""
    return f"{record.timestamp}#{record.execution_id}"
