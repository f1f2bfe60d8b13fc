"""The contract engine's storage in memory (the port: cms.ports.engine): for service tests,
the benchmark and development. Every operation runs under the database's lock, so a commit
is atomic against concurrent executions as a DynamoDB transaction is."""

from __future__ import annotations

from collections.abc import Sequence

from cms.adapters.memory.database import MemoryDatabase
from cms.domain.engine.errors import ContractExists, ContractNotFound
from cms.domain.engine.records import (
    ContractMetadata,
    ContractStats,
    ExecutionRecord,
    MinuteStats,
)
from cms.domain.engine.state import ReadOnlyState
from cms.domain.engine.storage import (
    Snapshot,
    StateConflict,
    Writes,
    by_minute,
    history_key,
    owned_key,
)


class MemoryContractStorage:
    def __init__(self, database: MemoryDatabase | None = None) -> None:
        self._lock = (database or MemoryDatabase()).lock
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
            self._existing(contract)
            self._apply(contract, {key: value})

    def get_contract_state(self, contract: str, key: str) -> bytes | None:
        return self._state.get(contract, {}).get(key)

    def list_contracts(self) -> list[str]:
        return sorted(self._metadata)

    def list_owned(self, owner_did: str, limit: int,
                   before: str | None = None) -> list[ContractMetadata]:
        with self._lock:
            owned = sorted((m for m in self._metadata.values() if m.owner_did == owner_did
                            and (before is None or owned_key(m) < before)),
                           key=owned_key, reverse=True)
        return owned[:limit]

    def store_execution(self, record: ExecutionRecord) -> None:
        with self._lock:
            self._existing(record.address)
            self._record([record])

    def get_execution_history(self, contract: str, limit: int = 50,
                              before: str | None = None) -> list[ExecutionRecord]:
        with self._lock:
            records = sorted(self._history.get(contract, ()), key=history_key, reverse=True)
        if before is not None:
            records = [r for r in records if history_key(r) < before]
        return records[:limit]

    # -- atomic executions --

    def snapshot(self, address: str) -> Snapshot | None:
        with self._lock:
            metadata = self._metadata.get(address)
            if metadata is None:
                return None
            return Snapshot(metadata, self._versions[address],
                            ReadOnlyState(self._state[address]))

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
        with self._lock:
            return [m for key, m in sorted(self._minutes.items()) if key >= since_minute]

    def contract_count(self) -> int:
        return len(self._metadata)

    # -- under the lock --

    def _existing(self, address: str) -> None:
        if address not in self._metadata:
            raise ContractNotFound(f"no contract at {address}")

    def _apply(self, address: str, writes: Writes) -> None:
        """The writes, and the version moved on (even for none: a deployment is version 1)."""
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
            bucket = self._minutes.get(minute) or MinuteStats(minute)
            # Built directly (dataclasses.replace introspects the fields at every commit), the
            # set of contracts copied only when this one is new to the minute.
            self._minutes[minute] = MinuteStats(
                minute, bucket.executions + len(group),
                bucket.failures + sum(not r.success for r in group),
                bucket.contracts if address in bucket.contracts
                else bucket.contracts | {address})
