"""Where the engine keeps contracts, their state and their history (ContractStateStorage in
the engine design), and the in-memory backend.

The design's seven storage operations are here under its names. Two more make executions atomic: a
``snapshot`` reads a contract's state at a version, and ``commit`` applies one execution's
writes, its record and its counters together, only if the version has not moved since (an
optimistic lock: two executions racing on one contract cannot both commit against the same
state; the loser re-runs). ``deploy`` creates a contract the same way, only if the address is
free. The DynamoDB backend (cms.adapters.engine_store) implements the same protocol with one
TransactWriteItems per commit; ``InMemoryContractStorage`` is for development, tests and the
benchmark.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from cms.domain.engine.records import (
    ContractMetadata,
    ContractStats,
    ExecutionRecord,
    MinuteStats,
    minute_of,
)
from cms.domain.engine.state import ContractState, ReadOnlyState
from cms.domain.errors import DomainError

# Writes one execution may make: DynamoDB's TransactWriteItems takes 100 items, and a commit
# also writes the contract's version and the execution's record.
MAX_WRITES_PER_EXECUTION = 64

Writes = Mapping[str, bytes | None]  # key -> new value, None for a removal


class ContractExists(DomainError):
    code, status, title = "contract_exists", 409, "A contract already exists at this address"


class StateConflict(Exception):
    """The contract's state moved on since the snapshot: the execution must run again."""


@dataclass(frozen=True)
class Snapshot:
    """A contract as one execution sees it: metadata, state version and a state reader."""

    metadata: ContractMetadata
    version: int
    state: ContractState


class ContractStateStorage(Protocol):
    # -- the engine design's operations --
    def store_contract_metadata(self, metadata: ContractMetadata) -> None: ...
    def get_contract_metadata(self, address: str) -> ContractMetadata | None: ...
    def set_contract_state(self, contract: str, key: str, value: bytes) -> None: ...
    def get_contract_state(self, contract: str, key: str) -> bytes | None: ...
    def list_contracts(self) -> list[str]: ...
    def store_execution(self, record: ExecutionRecord) -> None: ...
    def get_execution_history(self, contract: str, limit: int = 50,
                              before: str | None = None) -> list[ExecutionRecord]:
        """Newest first; ``before`` is an execution's sort key from an earlier page."""
        ...

    # -- atomic executions --
    def snapshot(self, address: str) -> Snapshot | None: ...
    def deploy(self, metadata: ContractMetadata, writes: Writes,
               record: ExecutionRecord) -> None:
        """Create the contract with its initial state, or raise ``ContractExists``."""
        ...

    def commit(self, address: str, version: int, writes: Writes,
               records: Sequence[ExecutionRecord]) -> None:
        """Apply the writes, records and counters of one execution (or of a batch's calls)
        at ``version``, or raise ``StateConflict``. Writes move the version on."""
        ...

    # -- analytics --
    def contract_stats(self, address: str) -> ContractStats: ...
    def engine_stats(self) -> ContractStats: ...
    def recent_minutes(self, since_minute: str) -> list[MinuteStats]: ...
    def contract_count(self) -> int: ...


def by_minute(records: Sequence[ExecutionRecord]) -> dict[str, list[ExecutionRecord]]:
    """Records grouped by the minute they ran in (the recent-figures buckets)."""
    groups: dict[str, list[ExecutionRecord]] = {}
    for record in records:
        groups.setdefault(minute_of(record.timestamp), []).append(record)
    return groups


def history_key(record: ExecutionRecord) -> str:
    """The order of history: time, then id (ids break ties within a microsecond)."""
    return f"{record.timestamp}#{record.execution_id}"


class InMemoryContractStorage:
    """Every operation under one lock: a commit is atomic against concurrent executions."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._metadata: dict[str, ContractMetadata] = {}
        self._state: dict[str, dict[str, bytes]] = {}
        self._versions: dict[str, int] = {}
        self._history: dict[str, list[ExecutionRecord]] = {}
        self._stats: dict[str, ContractStats] = {}
        self._totals = ContractStats()
        self._minutes: dict[str, MinuteStats] = {}

    # -- the engine design's operations --

    def store_contract_metadata(self, metadata: ContractMetadata) -> None:
        with self._lock:
            self._metadata[metadata.address] = metadata
            self._state.setdefault(metadata.address, {})
            self._versions.setdefault(metadata.address, 0)

    def get_contract_metadata(self, address: str) -> ContractMetadata | None:
        return self._metadata.get(address)

    def set_contract_state(self, contract: str, key: str, value: bytes) -> None:
        with self._lock:
            self._state.setdefault(contract, {})[key] = bytes(value)

    def get_contract_state(self, contract: str, key: str) -> bytes | None:
        return self._state.get(contract, {}).get(key)

    def list_contracts(self) -> list[str]:
        return sorted(self._metadata)

    def store_execution(self, record: ExecutionRecord) -> None:
        with self._lock:
            self._record([record])

    def get_execution_history(self, contract: str, limit: int = 50,
                              before: str | None = None) -> list[ExecutionRecord]:
        records = sorted(self._history.get(contract, ()), key=history_key, reverse=True)
        if before is not None:
            records = [r for r in records if history_key(r) < before]
        return records[:limit]

    # -- atomic executions --

    def snapshot(self, address: str) -> Snapshot | None:
        metadata = self._metadata.get(address)
        if metadata is None:
            return None
        with self._lock:
            version = self._versions[address]
        return Snapshot(metadata, version, ReadOnlyState(self._state[address]))

    def deploy(self, metadata: ContractMetadata, writes: Writes,
               record: ExecutionRecord) -> None:
        with self._lock:
            if metadata.address in self._metadata:
                raise ContractExists(f"a contract already exists at {metadata.address}")
            self._metadata[metadata.address] = metadata
            self._state[metadata.address] = {}
            self._versions[metadata.address] = 0
            self._apply(metadata.address, writes)
            self._record([record])

    def commit(self, address: str, version: int, writes: Writes,
               records: Sequence[ExecutionRecord]) -> None:
        with self._lock:
            if self._versions.get(address) != version:
                raise StateConflict(address)
            if writes:
                self._apply(address, writes)
            self._record(records)

    # -- analytics --

    def contract_stats(self, address: str) -> ContractStats:
        return self._stats.get(address, ContractStats(address))

    def engine_stats(self) -> ContractStats:
        return self._totals

    def recent_minutes(self, since_minute: str) -> list[MinuteStats]:
        return [m for key, m in sorted(self._minutes.items()) if key >= since_minute]

    def contract_count(self) -> int:
        return len(self._metadata)

    # -- under the lock --

    def _apply(self, address: str, writes: Writes) -> None:
        state = self._state[address]
        for key, value in writes.items():
            if value is None:
                state.pop(key, None)
            else:
                state[key] = bytes(value)
        self._versions[address] += 1

    def _record(self, records: Sequence[ExecutionRecord]) -> None:
        """One commit's records (of one contract) into history and every counter."""
        address = records[0].address
        self._history.setdefault(address, []).extend(records)
        added = ContractStats.of(records, address)
        self._stats[address] = self._stats.get(address, ContractStats(address)) + added
        self._totals = self._totals + added
        for minute, group in by_minute(records).items():
            bucket = self._minutes.get(minute, MinuteStats(minute))
            self._minutes[minute] = replace(
                bucket, executions=bucket.executions + len(group),
                failures=bucket.failures + sum(not r.success for r in group),
                contracts=bucket.contracts | {address})
