"""What the engine is asked and answers: deployments, executions, their results, its
configuration, and the problem form failures take in results and history."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from cms.domain.engine.gas import MAX_GAS_LIMIT
from cms.domain.engine.quick import quick_init
from cms.domain.engine.storage import MAX_WRITES_PER_EXECUTION
from cms.domain.errors import DomainError

ENGINE_NAME = "cms-unified-contract-engine"
ENGINE_VERSION = "1.0"
MAX_BATCH = 100  # calls in one batch request
# Wall-clock limits a configuration may set: a call's is bounded by WebAssembly's epoch limit
# (wasm.limits.MAX_TIMEOUT_MS, not imported: it loads wasmtime), a batch's by the engine
# function's 29 s, less room for the commits after it.
MAX_CALL_TIME_MS = 10_000
MAX_BATCH_TIME_MS = 25_000


class ContractBusy(DomainError):
    code, status, title = "contract_busy", 409, "The contract is busy: try again"


@dataclass(frozen=True)
class EngineConfig:
    """The engine design's EnhancedEngineConfig (parallel execution is the platform's: Lambda)."""

    enable_caching: bool = True
    cache_ttl_secs: float = 300.0
    max_cache_entries: int = 1000
    enable_analytics: bool = True
    # Wall clock per call, for every kind: each call's meter carries the deadline, checked at
    # every charge, and priced computation that would end past it is refused before it
    # starts; WebAssembly is also interrupted by its epoch. At most MAX_CALL_TIME_MS.
    max_execution_time_ms: int = 2_000
    default_gas_limit: int = 3_000_000
    conflict_retries: int = 5
    # Wall clock per batch (and per request: retries after a conflict stop at it): no call
    # runs past it; the one it stops and those after it come back as not run, what ran is
    # committed. At least the call limit, at most MAX_BATCH_TIME_MS.
    max_batch_time_ms: int = 15_000

    def __post_init__(self) -> None:
        call, batch = self.max_execution_time_ms, self.max_batch_time_ms
        if not (isinstance(call, int) and 1 <= call <= MAX_CALL_TIME_MS):
            raise ValueError(f"max_execution_time_ms must be 1 to {MAX_CALL_TIME_MS}")
        if not (isinstance(batch, int) and call <= batch <= MAX_BATCH_TIME_MS):
            raise ValueError(f"max_batch_time_ms must be max_execution_time_ms to "
                             f"{MAX_BATCH_TIME_MS}")


@dataclass(frozen=True)
class EngineInfo:
    """What the engine runs and within which limits."""

    contract_kinds: list[str]
    config: EngineConfig
    name: str = ENGINE_NAME
    version: str = ENGINE_VERSION
    max_gas_limit: int = MAX_GAS_LIMIT
    max_batch: int = MAX_BATCH
    max_writes_per_execution: int = MAX_WRITES_PER_EXECUTION

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@quick_init
@dataclass(frozen=True)
class Execution:
    """One call (UnifiedContractExecution in the engine design)."""

    address: str
    function: str
    caller: str
    args: Any = None  # named arguments (JSON object)
    input: bytes | None = None  # raw input, for WebAssembly functions without a manifest entry
    gas_limit: int | None = None


@dataclass(frozen=True)
class Deployment:
    kind: str
    deployer: str  # becomes the owner
    name: str = ""
    init_args: Any = None
    code: bytes | str | None = None  # a WebAssembly module (binary, or WAT text)
    manifest: Any = None  # the module's ABI
    salt: bytes | None = None  # 32 bytes: a predictable address (CREATE2); random if None
    gas_limit: int | None = None
    description: str = ""
    owner_did: str | None = None
    governed_by: str | None = None  # a CMS contract's id: it runs only while that allows work


@quick_init
@dataclass(frozen=True)
class ExecutionResult:
    """The engine design's UnifiedContractResult, plus what a caller needs to find it again."""

    execution_id: str | None
    address: str
    function: str
    success: bool
    return_value: Any
    gas_used: int
    gas_limit: int
    events: list[dict[str, Any]]
    error: dict[str, Any] | None
    duration_us: int
    read_only: bool
    cached: bool = False
    sequence: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def problem_of(error: DomainError) -> dict[str, Any]:
    """An error as results and history carry it: its API code, detail and extensions."""
    return {"code": error.code, "title": error.title, "detail": error.detail, **error.extra}
