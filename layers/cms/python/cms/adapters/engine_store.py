"""The contract engine's storage on DynamoDB (the port: cms.ports.engine).

One commit is one TransactWriteItems: the contract item's version (condition: unchanged since
the snapshot, then moved on if anything is written) and running totals, every state write
(Put, or Delete for a removal) and one history item holding the commit's records. A lost
condition is ``StateConflict`` and the engine runs the call again. Engine-wide totals and the
per-minute buckets are updated after the commit with atomic ADDs: metrics, not records of
truth, so a crash between the two loses a count, never a write.

State reads are cached per container by (contract, version): state items change only in
commits, and commits move the version, so values read at a version stay right for it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.exceptions import PynamoDBConnectionError

from cms.adapters.dynamo import (
    WriteConflict,
    get_or_none,
    transaction,
    unavailable_on_connection_errors,
)
from cms.adapters.tables import (
    EngineContractRecord,
    EngineHistoryRecord,
    EngineMinuteRecord,
    EngineStateRecord,
)
from cms.domain.engine.errors import ContractExists, ContractNotFound, StorageError
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
from cms.domain.errors import DependencyUnavailable

log = logging.getLogger(__name__)

CONTRACT_SK, TOTALS_SK = "contract", "totals"
ENGINE_PARTITION = "#engine"
STATE_PREFIX, HISTORY_PREFIX, MINUTE_PREFIX = "state#", "exec#", "minute#"
MINUTE_RETENTION = timedelta(days=1)
HISTORY_ITEM_BYTES = 300_000  # DynamoDB items hold 400 KB with keys and attribute names


def _storage_errors(call: Any) -> Any:
    try:
        return unavailable_on_connection_errors(call)
    except DependencyUnavailable as error:
        raise StorageError(f"the contract state store failed: {error.detail}") from error


class DynamoContractStorage:
    def __init__(self) -> None:
        self._cache: dict[str, tuple[int, dict[str, bytes | None]]] = {}
        self._lock = threading.Lock()

    # -- the engine design's operations --

    def store_contract_metadata(self, metadata: ContractMetadata) -> None:
        def create() -> None:
            with transaction() as tx:
                tx.save(_new_contract(metadata, version=0),
                        condition=EngineContractRecord.address.does_not_exist())
        try:
            _storage_errors(create)
        except WriteConflict:  # it exists: its metadata alone changes
            _storage_errors(lambda: EngineContractRecord(metadata.address, CONTRACT_SK).update(
                actions=[EngineContractRecord.metadata.set(metadata.to_json())]))
            return
        self._after_commit([], deployed=True)

    def get_contract_metadata(self, address: str) -> ContractMetadata | None:
        item = _storage_errors(lambda: get_or_none(EngineContractRecord, address, CONTRACT_SK))
        return ContractMetadata.from_json(item.metadata) if item else None

    def set_contract_state(self, contract: str, key: str, value: bytes) -> None:
        def write() -> None:
            with transaction() as tx:
                tx.update(EngineContractRecord(contract, CONTRACT_SK),
                          actions=[EngineContractRecord.version.add(1)],
                          condition=EngineContractRecord.address.exists())
                tx.save(EngineStateRecord(contract, STATE_PREFIX + key, value=bytes(value)))
        self._transact(write, on_conflict=lambda: ContractNotFound(f"no contract at {contract}"))

    def get_contract_state(self, contract: str, key: str) -> bytes | None:
        item = _storage_errors(
            lambda: get_or_none(EngineStateRecord, contract, STATE_PREFIX + key))
        return item.value if item else None

    def list_contracts(self) -> list[str]:
        def scan() -> list[str]:
            items = EngineContractRecord.scan(EngineContractRecord.sk == CONTRACT_SK,
                                              attributes_to_get=["address"])
            return sorted(item.address for item in items)
        return _storage_errors(scan)

    def list_owned(self, owner_did: str, limit: int,
                   before: str | None = None) -> list[ContractMetadata]:
        def query() -> list[ContractMetadata]:
            condition = EngineContractRecord.owned_key < before if before is not None else None
            keys = [item.address for item in EngineContractRecord.by_owner.query(
                owner_did, condition, scan_index_forward=False, limit=limit)][:limit]
            items = {item.address: item for item in EngineContractRecord.batch_get(
                [(address, CONTRACT_SK) for address in keys])}
            # The index is eventually consistent: a contract it names is always there.
            return [ContractMetadata.from_json(items[a].metadata) for a in keys if a in items]
        return _storage_errors(query)

    def store_execution(self, record: ExecutionRecord) -> None:
        def write() -> None:
            with transaction() as tx:
                tx.update(EngineContractRecord(record.address, CONTRACT_SK),
                          actions=_total_actions([record]),
                          condition=EngineContractRecord.address.exists())
                tx.save(_history_item([record]))
        self._transact(write, on_conflict=lambda: ContractNotFound(
            f"no contract at {record.address}"))
        self._after_commit([record])

    def get_execution_history(self, contract: str, limit: int = 50,
                              before: str | None = None) -> list[ExecutionRecord]:
        upper = HISTORY_PREFIX + (before or "\uffff")

        def query() -> list[ExecutionRecord]:
            records: list[ExecutionRecord] = []
            for item in EngineHistoryRecord.query(
                    contract, EngineHistoryRecord.sk.between(HISTORY_PREFIX, upper),
                    scan_index_forward=False, consistent_read=True):
                batch = [ExecutionRecord.from_json(r) for r in reversed(item.records)]
                records += [r for r in batch if before is None or history_key(r) < before]
                if len(records) >= limit:
                    break
            return records[:limit]
        return _storage_errors(query)

    # -- atomic executions --

    def snapshot(self, address: str) -> Snapshot | None:
        item = _storage_errors(lambda: get_or_none(EngineContractRecord, address, CONTRACT_SK))
        if item is None:
            return None
        version = int(item.version or 0)
        return Snapshot(ContractMetadata.from_json(item.metadata), version,
                        _StateView(address, self._values(address, version)))

    def deploy(self, metadata: ContractMetadata, writes: Writes,
               record: ExecutionRecord) -> None:
        def write() -> None:
            with transaction() as tx:
                contract = _new_contract(metadata, version=1)
                _add_record_totals(contract, [record])
                tx.save(contract, condition=EngineContractRecord.address.does_not_exist())
                _stage_writes(tx, metadata.address, writes)
                tx.save(_history_item([record]))
        self._transact(write, on_conflict=lambda: ContractExists(
            f"a contract already exists at {metadata.address}"))
        self._after_commit([record], deployed=True)

    def commit(self, address: str, version: int, writes: Writes,
               records: Sequence[ExecutionRecord]) -> None:
        def write() -> None:
            with transaction() as tx:
                tx.update(EngineContractRecord(address, CONTRACT_SK),
                          actions=_contract_actions(records, moves=bool(writes)),
                          condition=EngineContractRecord.version == version)
                _stage_writes(tx, address, writes)
                tx.save(_history_item(records))
        self._transact(write, on_conflict=lambda: StateConflict(address))
        if writes:
            self._remember(address, version, writes)
        self._after_commit(records)

    # -- analytics --

    def contract_stats(self, address: str) -> ContractStats:
        item = _storage_errors(lambda: get_or_none(EngineContractRecord, address, CONTRACT_SK))
        return _stats(address, item)

    def engine_stats(self) -> ContractStats:
        item = _storage_errors(
            lambda: get_or_none(EngineContractRecord, ENGINE_PARTITION, TOTALS_SK))
        return _stats(None, item)

    def contract_count(self) -> int:
        item = _storage_errors(
            lambda: get_or_none(EngineContractRecord, ENGINE_PARTITION, TOTALS_SK))
        return int(item.contracts or 0) if item else 0

    def recent_minutes(self, since_minute: str) -> list[MinuteStats]:
        def query() -> list[MinuteStats]:
            items = EngineMinuteRecord.query(
                ENGINE_PARTITION, EngineMinuteRecord.sk >= MINUTE_PREFIX + since_minute)
            return [MinuteStats(item.sk.removeprefix(MINUTE_PREFIX), int(item.executions or 0),
                                int(item.failures or 0), frozenset(item.active or ()))
                    for item in items if item.sk.startswith(MINUTE_PREFIX)]
        return _storage_errors(query)

    # -- internals --

    def _transact(self, write: Any, on_conflict: Any) -> None:
        try:
            _storage_errors(write)
        except WriteConflict:
            raise on_conflict() from None

    def _values(self, address: str, version: int) -> dict[str, bytes | None]:
        with self._lock:
            cached = self._cache.get(address)
            if cached is None or cached[0] != version:
                cached = (version, {})
                self._cache[address] = cached
            return cached[1]

    def _remember(self, address: str, version: int, writes: Writes) -> None:
        """After our own commit the next version's values are known: keep the cache warm."""
        with self._lock:
            cached = self._cache.get(address)
            values = dict(cached[1]) if cached and cached[0] == version else {}
            values.update(writes)
            self._cache[address] = (version + 1, values)

    def _after_commit(self, records: Sequence[ExecutionRecord], deployed: bool = False) -> None:
        """Engine-wide totals and the minute bucket: best effort (see the module docstring)."""
        try:
            totals = EngineContractRecord(ENGINE_PARTITION, TOTALS_SK)
            actions = _total_actions(records) if records else []
            if deployed:
                actions.append(EngineContractRecord.contracts.add(1))
            totals.update(actions=actions)
            for minute, group in by_minute(records).items():
                expires = datetime.now(UTC) + MINUTE_RETENTION
                EngineMinuteRecord(ENGINE_PARTITION, MINUTE_PREFIX + minute).update(actions=[
                    EngineMinuteRecord.executions.add(len(group)),
                    EngineMinuteRecord.failures.add(sum(not r.success for r in group)),
                    EngineMinuteRecord.active.add({r.address for r in group}),
                    EngineMinuteRecord.ttl.set(expires)])
        except PynamoDBConnectionError as error:
            log.warning("engine totals not updated: %s", error)


class _StateView(ReadOnlyState):
    """A contract's committed state at one version, read item by item and cached."""

    def __init__(self, address: str, values: dict[str, bytes | None]) -> None:
        super().__init__(values)
        self._address, self._values = address, values

    def get(self, key: str) -> bytes | None:
        if key not in self._values:
            item = _storage_errors(
                lambda: get_or_none(EngineStateRecord, self._address, STATE_PREFIX + key))
            self._values[key] = item.value if item else None
        return self._values[key]


def _new_contract(metadata: ContractMetadata, *, version: int) -> EngineContractRecord:
    contract = EngineContractRecord(metadata.address, CONTRACT_SK, metadata=metadata.to_json(),
                                    version=version)
    if metadata.owner_did:  # the sparse by-owner index
        contract.owner_did, contract.owned_key = metadata.owner_did, owned_key(metadata)
    for name in ContractStats.COUNTERS:
        setattr(contract, name, 0)
    return contract


def _history_item(records: Sequence[ExecutionRecord]) -> EngineHistoryRecord:
    return EngineHistoryRecord(records[0].address, HISTORY_PREFIX + history_key(records[0]),
                               records=_fitted([r.to_json() for r in records]))


def _fitted(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records that fit one item: past HISTORY_ITEM_BYTES, the largest return values and
    event lists are replaced by their SHA-256 (the caller had them in the response; the
    history keeps proof of what they were), so an execution never fails for its record."""
    sizes = sorted(((len(json.dumps(r[part], default=str)), i, part)
                    for i, r in enumerate(records) for part in ("return_value", "events")),
                   reverse=True)
    total = len(json.dumps(records, default=str))
    for size, i, part in sizes:
        if total <= HISTORY_ITEM_BYTES:
            break
        text = json.dumps(records[i][part], default=str, sort_keys=True)
        records[i][part] = {"omitted_bytes": size,
                            "sha256": hashlib.sha256(text.encode()).hexdigest()}
        total -= size
    return records


def _stage_writes(tx: Any, address: str, writes: Writes) -> None:
    for key, value in sorted(writes.items()):
        item = EngineStateRecord(address, STATE_PREFIX + key)
        if value is None:
            tx.delete(item)
        else:
            item.value = bytes(value)
            tx.save(item)


def _sums(records: Sequence[ExecutionRecord]) -> dict[str, int]:
    totals = ContractStats.of(records)
    return {name: getattr(totals, name) for name in ContractStats.COUNTERS}


def _total_actions(records: Sequence[ExecutionRecord]) -> list[Any]:
    actions = [getattr(EngineContractRecord, name).add(value)
               for name, value in _sums(records).items()]
    actions.append(EngineContractRecord.last_execution_at.set(
        max(r.timestamp for r in records)))
    return actions


def _contract_actions(records: Sequence[ExecutionRecord], *, moves: bool) -> list[Any]:
    actions = _total_actions(records)
    if moves:
        actions.append(EngineContractRecord.version.add(1))
    return actions


def _add_record_totals(item: EngineContractRecord, records: Sequence[ExecutionRecord]) -> None:
    for name, value in _sums(records).items():
        setattr(item, name, (getattr(item, name) or 0) + value)
    item.last_execution_at = max(r.timestamp for r in records)


def _stats(address: str | None, item: EngineContractRecord | None) -> ContractStats:
    if item is None:
        return ContractStats(address)
    counters = (int(getattr(item, name) or 0) for name in ContractStats.COUNTERS)
    return ContractStats(address, *counters, item.last_execution_at)
