"""The contract engine's storage: contracts, their state and their history.

The engine design's seven storage operations are here under its names; ``snapshot``,
``deploy`` and ``commit`` make executions atomic. Two backends keep the same guarantees (the
contract tests hold them to it): in memory (cms.adapters.memory.engine) and DynamoDB
(cms.adapters.engine_store, one TransactWriteItems per commit).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from cms.domain.engine.records import (
    ContractMetadata,
    ContractStats,
    ExecutionRecord,
    MinuteStats,
)
from cms.domain.engine.storage import Snapshot, Writes


class ContractStateStorage(Protocol):
    """Unknown addresses read as None (or empty totals); writes to a contract that does not
    exist raise ``ContractNotFound``; an unavailable store raises ``StorageError``."""

    # -- the engine design's operations --

    def store_contract_metadata(self, metadata: ContractMetadata) -> None:
        """Create a contract with empty state, or replace an existing one's metadata (its
        state, version and totals stay)."""

    def get_contract_metadata(self, address: str) -> ContractMetadata | None: ...

    def set_contract_state(self, contract: str, key: str, value: bytes) -> None:
        """Write one value outside any execution (migrations, repairs): moves the version,
        so that no execution that read the old value commits."""

    def get_contract_state(self, contract: str, key: str) -> bytes | None:
        """The committed value, or None."""

    def list_contracts(self) -> list[str]:
        """Every contract's address, sorted."""

    def list_owned(self, owner_did: str, limit: int,
                   before: str | None = None) -> list[ContractMetadata]:
        """The contracts ``owner_did`` deployed, newest first (by ``owned_key``), at most
        ``limit``; with ``before``, only those whose key sorts below it. A query on the
        owner's index, never a scan."""

    def store_execution(self, record: ExecutionRecord) -> None:
        """Add a record to the contract's history and totals, outside any commit."""

    def get_execution_history(self, contract: str, limit: int = 50,
                              before: str | None = None) -> list[ExecutionRecord]:
        """Newest first, at most ``limit``; with ``before``, only the records whose
        ``history_key`` sorts below it (any string is a position)."""

    # -- atomic executions --

    def snapshot(self, address: str) -> Snapshot | None:
        """The contract's metadata, state version and a reader of its committed state.
        Reads are not isolated from later commits: ``commit``'s version check is what keeps
        an execution that read moved state from committing."""

    def deploy(self, metadata: ContractMetadata, writes: Writes,
               record: ExecutionRecord) -> None:
        """Create the contract at version 1 with its initial state and the constructor's
        record, or raise ``ContractExists`` (and write nothing)."""

    def commit(self, address: str, version: int, writes: Writes,
               records: Sequence[ExecutionRecord]) -> None:
        """Apply the writes, records and totals of one execution (or of a batch's calls)
        together, only at ``version``, or raise ``StateConflict`` (and write nothing).
        Writes move the version on; records alone do not."""

    # -- analytics --

    def contract_stats(self, address: str) -> ContractStats:
        """The contract's running totals (zero for an unknown address)."""

    def engine_stats(self) -> ContractStats:
        """Totals over every contract (``address`` None)."""

    def recent_minutes(self, since_minute: str) -> list[MinuteStats]:
        """Per-minute buckets from ``since_minute`` (``YYYY-MM-DDTHH:MM``) on, in order."""

    def contract_count(self) -> int: ...
