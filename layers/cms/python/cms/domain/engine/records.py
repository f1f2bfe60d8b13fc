"""What the engine stores about contracts and executions, shared by every storage backend."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

from cms.domain.engine.quick import quick_init

# Contract kinds the engine runs. ``wasm`` carries its module; the others are built in.
CONTRACT_KINDS = ("erc20", "wasm", "confidential_ledger", "sealed_bid_tally", "circuit")
CIRCUIT_KIND = "circuit"  # here, not in circuit_contract: naming it needs no X.509 or CBOR


class _Json:
    """Records travel as JSON (API responses, DynamoDB items)."""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Any:
        names = cls.__dataclass_fields__  # type: ignore[attr-defined]
        return cls(**{name: data[name] for name in names if name in data})


@dataclass(frozen=True)
class ContractMetadata(_Json):
    """A deployed contract (UnifiedContractMetadata in the engine design)."""

    address: str
    kind: str
    name: str
    owner: str  # the deployer's address
    created_at: str  # ISO-8601 UTC
    code_hash: str | None = None  # "0x" + sha256 of a WebAssembly module
    manifest: dict[str, Any] = field(default_factory=dict)  # callable functions and their ABI
    init_args: dict[str, Any] = field(default_factory=dict)  # as deployed (module excluded)
    description: str = ""
    owner_did: str | None = None  # the identity that deployed it, when deployed through the API
    # The CMS contract it runs under (cms.services.governance): none, or that contract's id.
    governed_by: str | None = None


@quick_init
@dataclass(frozen=True)
class ExecutionRecord(_Json):
    """One execution as history keeps it (ContractExecutionRecord in the engine design)."""

    execution_id: str
    address: str
    function: str
    caller: str
    success: bool
    read_only: bool
    gas_used: int
    gas_limit: int
    duration_us: int
    timestamp: str  # ISO-8601 UTC, also the time context the contract saw
    sequence: int  # the contract's state version the execution ran on
    return_value: Any = None
    events: list[dict[str, Any]] = field(default_factory=list)
    error: dict[str, Any] | None = None  # {"code", "detail", ...} for a failed execution
    # A gas estimate: it ran as the call would, changed nothing and kept no result, but its
    # work is counted against its caller like any execution's.
    dry_run: bool = False


@quick_init
@dataclass(frozen=True)
class ContractStats:
    """Running totals for one contract (or, with ``address`` None, for the engine)."""

    address: str | None = None
    executions: int = 0
    failures: int = 0
    gas_used: int = 0
    gas_limit: int = 0  # the limits granted, summed: gas efficiency is used / granted
    duration_us: int = 0
    last_execution_at: str | None = None

    COUNTERS: ClassVar[tuple[str, ...]] = (
        "executions", "failures", "gas_used", "gas_limit", "duration_us")

    @classmethod
    def of(cls, records: Sequence[ExecutionRecord], address: str | None = None) -> ContractStats:
        """The totals of some executions (one commit's, say)."""
        failures = gas_used = gas_limit = duration_us = 0
        last = None
        for r in records:  # one pass: a batch commit adds up to 100 records
            failures += not r.success
            gas_used += r.gas_used
            # A dry run grants no limit (estimates run under the largest): efficiency stays
            # a measure of what callers grant their calls.
            gas_limit += r.gas_used if r.dry_run else r.gas_limit
            duration_us += r.duration_us
            last = r.timestamp if last is None or r.timestamp > last else last
        return cls(address, len(records), failures, gas_used, gas_limit, duration_us, last)

    def __add__(self, other: ContractStats) -> ContractStats:
        last = self.last_execution_at
        if last is None or (other.last_execution_at or "") > last:
            last = other.last_execution_at
        return ContractStats(self.address, self.executions + other.executions,
                             self.failures + other.failures, self.gas_used + other.gas_used,
                             self.gas_limit + other.gas_limit,
                             self.duration_us + other.duration_us, last)


@quick_init
@dataclass(frozen=True)
class MinuteStats:
    """Executions in one minute across the engine: the window recent figures read."""

    minute: str  # "YYYY-MM-DDTHH:MM"
    executions: int = 0
    failures: int = 0
    contracts: frozenset[str] = frozenset()


def minute_of(timestamp: str) -> str:
    """The minute bucket of an ISO-8601 timestamp."""
    return timestamp[:16]
