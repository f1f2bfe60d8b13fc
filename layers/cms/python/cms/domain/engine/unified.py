"""The unified contract engine (seed 004): one interface over every kind of contract.

``UnifiedContractEngine`` is the seed's UnifiedContractEngine and EnhancedUnifiedContractEngine
in one: deploy, execute (one call or a batch), get, estimate gas, engine info, with result
caching, analytics and health reports (cms.domain.engine.analytics). It is pure: storage is a
``ContractStateStorage`` (in memory, or DynamoDB through cms.adapters.engine_store) and
WebAssembly runs in a ``WasmRuntime`` handed in.

How one execution runs:
1. validate the request (unknown contract, function, arguments, gas limit: nothing runs);
2. a read-only call whose result is cached at the contract's current state version returns
   it (the version is in the key, so a hit is never stale);
3. the kind's adapter runs the call on a ``StagedState`` over a snapshot, metered by a
   ``GasMeter``;
4. success commits the staged writes with the execution record at the snapshot's version; a
   revert, ``GasExhausted`` or a timeout commits the record alone. If another execution
   committed first, the call runs again on the new state (optimistic concurrency).

Gas billed on failure follows the EVM: out of gas or out of time spends the whole limit; a
revert spends what was used up to it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from eth_utils import keccak, to_checksum_address

from cms.domain.canonical import canonical_json, iso_utc
from cms.domain.engine import analytics
from cms.domain.engine.erc20 import parse_address
from cms.domain.engine.errors import (
    ContractNotFound,
    ContractReverted,
    EngineValidationError,
    ExecutionTimeout,
    GasExhausted,
    StorageError,
)
from cms.domain.engine.gas import MAX_GAS_LIMIT, GasMeter, validate_gas_limit
from cms.domain.engine.kinds import (
    CallContext,
    CircuitKind,
    ContractKind,
    Erc20Kind,
    Invocation,
    Prepared,
    PrivacyKind,
    WasmKind,
)
from cms.domain.engine.privacy_contracts import ConfidentialLedger, SealedBidTally
from cms.domain.engine.records import (
    CONTRACT_KINDS,
    ContractMetadata,
    ContractStats,
    ExecutionRecord,
    minute_of,
)
from cms.domain.engine.state import ContractState, ReadOnlyState, StagedState
from cms.domain.engine.storage import (
    MAX_WRITES_PER_EXECUTION,
    ContractStateStorage,
    Snapshot,
    StateConflict,
)
from cms.domain.errors import DomainError

if TYPE_CHECKING:
    from cms.domain.attestation.roots import TrustedRoot

ENGINE_NAME = "cms-unified-contract-engine"
ENGINE_VERSION = "1.0"
MAX_BATCH = 100  # calls in one batch request
MAX_NAME_LENGTH = 100
_FUNCTION_NAME_LIMIT = 64


class ContractBusy(DomainError):
    code, status, title = "contract_busy", 409, "The contract is busy: try again"


@dataclass(frozen=True)
class EngineConfig:
    """The seed's EnhancedEngineConfig (parallel execution is the platform's: Lambda)."""

    enable_caching: bool = True
    cache_ttl_secs: float = 300.0
    max_cache_entries: int = 1000
    enable_analytics: bool = True
    # Wall clock per call, enforced on WebAssembly by epoch interruption (the built-in kinds
    # are bounded Python); at most 10 s (the runtime's limit).
    max_execution_time_ms: int = 2_000
    default_gas_limit: int = 3_000_000
    conflict_retries: int = 5
    # A batch stops starting calls after this long (what ran is committed, the rest comes
    # back as not run): it must end within the engine function's 29 s.
    max_batch_time_ms: int = 15_000


@dataclass(frozen=True)
class Execution:
    """One call (the seed's UnifiedContractExecution)."""

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


@dataclass(frozen=True)
class ExecutionResult:
    """The seed's UnifiedContractResult, plus what a caller needs to find it again."""

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


@dataclass
class _Outcome:
    """One call's run, before it is recorded."""

    return_value: Any = None
    events: list[dict[str, Any]] = field(default_factory=list)
    error: DomainError | None = None
    gas_used: int = 0
    duration_us: int = 0
    writes: dict[str, bytes | None] = field(default_factory=dict)


def problem_of(error: DomainError) -> dict[str, Any]:
    """An error as results and history carry it: its API code, detail and extensions."""
    return {"code": error.code, "title": error.title, "detail": error.detail, **error.extra}


def create2_address(deployer: str, salt: bytes, init_code: bytes) -> str:
    """EIP-1014: keccak256(0xff ++ deployer ++ salt ++ keccak256(init_code))[12:]."""
    digest = keccak(b"\xff" + bytes.fromhex(deployer[2:]) + salt + keccak(init_code))
    return to_checksum_address(digest[12:])


class UnifiedContractEngine:
    def __init__(self, storage: ContractStateStorage, config: EngineConfig | None = None, *,
                 kinds: Mapping[str, ContractKind] | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.storage = storage
        self.config = config or EngineConfig()
        self.kinds = dict(kinds or builtin_kinds())
        self._clock = clock
        self.cache = analytics.ResultCache(self.config.cache_ttl_secs,
                                           self.config.max_cache_entries)

    # -- the seed's interface ----------------------------------------------------------------

    def deploy_contract(self, deployment: Deployment) -> ContractMetadata:
        """Validate, construct (metered, atomic) and store a contract; returns its metadata."""
        kind = self._kind(deployment.kind)
        deployer = parse_address(deployment.deployer, "deployer")
        name = _name(deployment.name or deployment.kind)
        prepared = kind.prepare(deployment.init_args, deployment.code, deployment.manifest)
        salt = _salt(deployment.salt)
        init_code = _canonical({"kind": deployment.kind, "code_hash": prepared.code_hash,
                                "init_args": prepared.init_args})
        if init_code is None:
            raise EngineValidationError("init_args must be JSON", "init_args")
        address = create2_address(deployer, salt, init_code)
        metadata = ContractMetadata(
            address=address, kind=deployment.kind, name=name, owner=deployer,
            created_at=iso_utc(self._clock()), code_hash=prepared.code_hash,
            manifest=prepared.manifest, init_args=prepared.init_args,
            description=deployment.description, owner_did=deployment.owner_did)
        gas_limit = self._gas_limit(deployment.gas_limit)
        now = self._clock()
        outcome = self._construct(kind, metadata, prepared, gas_limit, now)
        constructor = _Call(Execution(address, "constructor", deployer, gas_limit=gas_limit),
                            deployer, gas_limit, False, ())
        record = _record(Snapshot(metadata, 0, ReadOnlyState({})), constructor, outcome,
                         _Moment.of(now), 0)
        if outcome.error is not None:
            raise outcome.error
        self.storage.deploy(metadata, {**(prepared.code_writes or {}), **outcome.writes}, record)
        return metadata

    def execute_contract(self, execution: Execution) -> ExecutionResult:
        return self.execute_batch([execution])[0]

    def get_contract(self, address: str) -> ContractMetadata | None:
        return self.storage.get_contract_metadata(_address(address))

    def estimate_gas(self, execution: Execution) -> int:
        """Gas the call would use now: a dry run (nothing is written, recorded or cached).

        A call that would revert raises its revert, as eth_estimateGas does."""
        snapshot = self.snapshot(execution.address)
        kind = self._kind(snapshot.metadata.kind)
        call = self._validated(execution, snapshot.metadata, default_limit=MAX_GAS_LIMIT)
        with ExitStack() as closing:
            outcome = self._run(kind, snapshot, call, StagedState(snapshot.state),
                                self._clock(), session={"close": closing})
        if outcome.error is not None:
            raise outcome.error
        return outcome.gas_used

    def engine_info(self) -> dict[str, Any]:
        config = asdict(self.config)
        return {"name": ENGINE_NAME, "version": ENGINE_VERSION,
                "contract_kinds": sorted(self.kinds), "max_gas_limit": MAX_GAS_LIMIT,
                "max_batch": MAX_BATCH, "max_writes_per_execution": MAX_WRITES_PER_EXECUTION,
                "config": config}

    # -- batches ------------------------------------------------------------------------------

    def execute_batch(self, executions: Sequence[Execution]) -> list[ExecutionResult]:
        """Run calls on one contract in order. Each call is atomic on its own: a failed call
        changes nothing and the rest go on. Successful writes commit together, in as few
        commits as the write limit allows; a batch never raises once a commit is made: a
        call refused before running (bad arguments) and the calls a later commit could not
        make are results that were not run (``execution_id`` None). A single call that is
        refused raises its error."""
        if not executions:
            raise EngineValidationError("a batch needs at least one call", "calls")
        if len(executions) > MAX_BATCH:
            raise EngineValidationError(f"a batch takes at most {MAX_BATCH} calls", "calls")
        addresses = {_address(e.address) for e in executions}
        if len(addresses) != 1:
            raise EngineValidationError("a batch runs calls on one contract", "calls")
        metadata = self.metadata(executions[0].address)
        calls = [self._validated(e, metadata) for e in executions]  # all before any runs
        results: list[ExecutionResult] = []
        deadline = time.monotonic() + self.config.max_batch_time_ms / 1000
        while len(results) < len(calls):
            if results and time.monotonic() > deadline:
                late = ExecutionTimeout("the batch ran out of time before this call: send it "
                                        "again")
                return results + [_not_run(call, late) for call in calls[len(results):]]
            try:
                results += self._with_retries(calls[len(results):], single=len(calls) == 1,
                                              deadline=deadline)
            except (ContractBusy, StorageError) as error:
                if not results:
                    raise  # nothing committed: the whole request failed
                results += [_not_run(call, error) for call in calls[len(results):]]
        return results

    def _with_retries(self, calls: Sequence[_Call], *, single: bool, deadline: float
                      ) -> list[ExecutionResult]:
        for _ in range(self.config.conflict_retries + 1):
            try:
                return self._execute_segment(calls, single=single, deadline=deadline)
            except StateConflict:
                continue
        raise ContractBusy("other executions kept committing first; try again")

    def _execute_segment(self, calls: Sequence[_Call], *, single: bool, deadline: float
                         ) -> list[ExecutionResult]:
        """Run a prefix of the calls on one snapshot and commit it once: the whole batch,
        unless its writes would outgrow one commit (then the rest runs after, on the new
        state). Returns the prefix's results."""
        snapshot = self.snapshot(calls[0].execution.address)
        kind = self._kind(snapshot.metadata.kind)
        with ExitStack() as closing:
            return self._run_segment(kind, snapshot, calls, {"close": closing}, single=single,
                                     deadline=deadline)

    def _run_segment(self, kind: ContractKind, snapshot: Snapshot, calls: Sequence[_Call],
                     session: dict[str, Any], *, single: bool, deadline: float
                     ) -> list[ExecutionResult]:
        batch, now = StagedState(snapshot.state), self._clock()
        moment = _Moment.of(now)
        results: list[ExecutionResult] = []
        ran: list[ExecutionRecord] = []
        written: set[str] = set()
        to_cache: list[tuple[tuple[Any, ...], ExecutionResult]] = []
        for call in calls:
            if results and time.monotonic() > deadline:
                break  # commit what ran; the batch reports the rest as not run
            clean = not batch.pending  # the state is still the snapshot's: the cache applies
            cached = self._cached(call, snapshot.version) if clean else None
            if cached is not None:
                results.append(cached)
                continue
            outcome = self._run(kind, snapshot, call, StagedState(batch), now, session=session)
            if isinstance(outcome.error, EngineValidationError):
                if single:
                    raise outcome.error  # the request itself is refused
                results.append(_not_run(call, outcome.error))  # never ran: not recorded
                continue
            new = [key for key in outcome.writes if key not in written]
            if outcome.error is None and len(written) + len(new) > MAX_WRITES_PER_EXECUTION:
                if written:
                    break  # commit what ran; this call runs again on the new state
                outcome = _Outcome(error=_too_many_writes(), gas_used=outcome.gas_used,
                                   duration_us=outcome.duration_us)
            else:
                written.update(new)
            for key, value in outcome.writes.items():
                _stage(batch, key, value)
            record = _record(snapshot, call, outcome, moment, len(ran))
            ran.append(record)
            results.append(_result(record))
            if clean and call.cache_key and record.success:
                to_cache.append(((snapshot.version, *call.cache_key), results[-1]))
        session["close"].close()  # free the runtime (WebAssembly) before the storage round trip
        self._commit(snapshot, batch, ran, to_cache)
        return results

    def _commit(self, snapshot: Snapshot, batch: StagedState, ran: list[ExecutionRecord],
                to_cache: list[tuple[tuple[Any, ...], ExecutionResult]]) -> None:
        """One commit for a segment's writes and records; its read-only results are cached
        only once the commit stands (a lost race would have run them on an old state)."""
        if ran:
            self.storage.commit(snapshot.metadata.address, snapshot.version, batch.pending, ran)
        if self.config.enable_caching:
            for key, result in to_cache:
                self.cache.put(key, result)

    # -- analytics ----------------------------------------------------------------------------

    def performance_metrics(self) -> analytics.PerformanceMetrics:
        since = self._clock() - timedelta(minutes=analytics.RECENT_MINUTES - 1)
        recent = self.storage.recent_minutes(minute_of(iso_utc(since)))
        return analytics.performance_metrics(
            self.storage.engine_stats(), recent, self.storage.contract_count(),
            self.cache.stats())

    def health_report(self, address: str) -> analytics.ContractHealthReport:
        metadata = self.metadata(address)
        stats: ContractStats = self.storage.contract_stats(metadata.address)
        recent = self.storage.get_execution_history(metadata.address, analytics.HEALTH_SAMPLE)
        return analytics.health_report(stats, recent)

    # -- one call -----------------------------------------------------------------------------

    def _run(self, kind: ContractKind, snapshot: Snapshot, call: _Call, stage: StagedState,
             now: datetime, *, session: dict[str, Any]) -> _Outcome:
        gas = GasMeter(call.gas_limit)
        outcome = _Outcome()
        context = CallContext(snapshot.metadata.address, call.caller, snapshot.version,
                              int(now.timestamp()), self.config.max_execution_time_ms)
        started = time.perf_counter_ns()
        try:
            outcome.return_value = kind.call(Invocation(
                snapshot.metadata, call.execution.function, call.execution.args,
                call.execution.input, stage, gas, outcome.events.append, context, session))
        except (GasExhausted, ExecutionTimeout) as error:
            outcome.error, outcome.events = error, []
            gas.used = gas.limit  # the EVM rule: out of gas or time spends the whole limit
        except (ContractReverted, EngineValidationError) as error:
            outcome.error, outcome.events = error, []
        outcome.duration_us = (time.perf_counter_ns() - started) // 1000
        outcome.gas_used = gas.used
        if outcome.error is None:
            if call.read_only and stage.pending:
                outcome.error = _read_only_wrote(call.execution.function)
                outcome.return_value, outcome.events = None, []
            else:
                outcome.writes = stage.pending
        return outcome

    def _construct(self, kind: ContractKind, metadata: ContractMetadata, prepared: Prepared,
                   gas_limit: int, now: datetime) -> _Outcome:
        base = ReadOnlyState(prepared.code_writes or {})
        stage, gas, outcome = StagedState(base), GasMeter(gas_limit), _Outcome()
        context = CallContext(metadata.address, metadata.owner, 0, int(now.timestamp()),
                              self.config.max_execution_time_ms)
        started = time.perf_counter_ns()
        try:
            kind.construct(Invocation(metadata, "constructor", metadata.init_args, None, stage,
                                      gas, outcome.events.append, context))
        except (GasExhausted, ExecutionTimeout, ContractReverted) as error:
            outcome.error = error
        outcome.duration_us = (time.perf_counter_ns() - started) // 1000
        outcome.gas_used, outcome.writes = gas.used, stage.pending
        if outcome.error is None and len(outcome.writes) > MAX_WRITES_PER_EXECUTION:
            outcome.error = _too_many_writes()
        return outcome

    def _validated(self, execution: Execution, metadata: ContractMetadata,
                   default_limit: int | None = None) -> _Call:
        function = execution.function
        if not isinstance(function, str) or not 0 < len(function) <= _FUNCTION_NAME_LIMIT:
            raise EngineValidationError("function must be a function name", "function")
        kind = self._kind(metadata.kind)
        caller = parse_address(execution.caller, "caller")
        read_only = kind.is_read_only(metadata, function)
        limit = self._gas_limit(execution.gas_limit, default_limit)
        return _Call(execution, caller, limit, read_only,
                     self._cache_key(kind, metadata, execution, caller, limit)
                     if read_only else ())

    @staticmethod
    def _cache_key(kind: ContractKind, metadata: ContractMetadata, execution: Execution,
                   caller: str, limit: int) -> tuple[Any, ...]:
        """What a read-only result depends on besides the state version (() if uncacheable)."""
        args = _canonical(execution.args)
        if args is None:
            return ()
        shared = kind.caller_independent(metadata)
        return (metadata.address, execution.function, args, execution.input,
                None if shared else caller, limit)

    def _cached(self, call: _Call, version: int) -> ExecutionResult | None:
        if not (self.config.enable_caching and call.cache_key):
            return None
        hit, value = self.cache.get((version, *call.cache_key))
        return replace(value, cached=True, execution_id=None, duration_us=0) if hit else None

    # -- lookups ------------------------------------------------------------------------------

    def snapshot(self, address: str) -> Snapshot:
        snapshot = self.storage.snapshot(_address(address))
        if snapshot is None:
            raise ContractNotFound(f"no contract at {address}")
        return snapshot

    def metadata(self, address: str) -> ContractMetadata:
        metadata = self.get_contract(address)
        if metadata is None:
            raise ContractNotFound(f"no contract at {address}")
        return metadata

    def _kind(self, name: str) -> ContractKind:
        kind = self.kinds.get(name) if isinstance(name, str) else None
        if kind is None:
            raise EngineValidationError(
                f"unknown contract kind {name!r} (kinds: {sorted(self.kinds)})", "kind")
        return kind

    def _gas_limit(self, limit: int | None, default: int | None = None) -> int:
        if limit is None:
            return default or self.config.default_gas_limit
        return validate_gas_limit(limit)


@dataclass(frozen=True)
class _Call:
    execution: Execution
    caller: str
    gas_limit: int
    read_only: bool
    cache_key: tuple[Any, ...]


def builtin_kinds(roots: Callable[[], tuple[TrustedRoot, ...]] = tuple
                  ) -> dict[str, ContractKind]:
    """Every kind the engine runs; ``roots()`` gives the attestation roots circuit results
    may chain to besides AWS's (a development root on the local stack)."""
    return {"erc20": Erc20Kind(), "wasm": WasmKind(),
            "confidential_ledger": PrivacyKind(ConfidentialLedger),
            "sealed_bid_tally": PrivacyKind(SealedBidTally), "circuit": CircuitKind(roots)}


class _Moment(NamedTuple):
    """A segment's time, formatted once for all its records."""

    iso: str
    microsecond: int

    @classmethod
    def of(cls, now: datetime) -> _Moment:
        return cls(iso_utc(now), now.microsecond)


def _record(snapshot: Snapshot, call: _Call, outcome: _Outcome, now: _Moment,
            index: int) -> ExecutionRecord:
    return ExecutionRecord(
        execution_id=_execution_id(now, index), address=snapshot.metadata.address,
        function=call.execution.function, caller=call.caller, success=outcome.error is None,
        read_only=call.read_only, gas_used=outcome.gas_used, gas_limit=call.gas_limit,
        duration_us=outcome.duration_us, timestamp=now.iso, sequence=snapshot.version,
        return_value=outcome.return_value, events=outcome.events,
        error=problem_of(outcome.error) if outcome.error else None)


def _execution_id(now: _Moment, index: int) -> str:
    """Sortable within a millisecond's history page: microseconds, position, randomness."""
    return f"{now.microsecond:06d}{index:03d}-{os.urandom(8).hex()}"


def _not_run(call: _Call, error: DomainError) -> ExecutionResult:
    """A call of a batch that did not run (refused, or not reached): nothing recorded."""
    return ExecutionResult(
        execution_id=None, address=call.execution.address, function=call.execution.function,
        success=False, return_value=None, gas_used=0, gas_limit=call.gas_limit, events=[],
        error=problem_of(error), duration_us=0, read_only=call.read_only)


def _result(record: ExecutionRecord) -> ExecutionResult:
    return ExecutionResult(
        execution_id=record.execution_id, address=record.address, function=record.function,
        success=record.success, return_value=record.return_value, gas_used=record.gas_used,
        gas_limit=record.gas_limit, events=record.events, error=record.error,
        duration_us=record.duration_us, read_only=record.read_only, sequence=record.sequence)


def _stage(state: ContractState, key: str, value: bytes | None) -> None:
    if value is None:
        state.remove(key)
    else:
        state.set(key, value)


def _address(value: object) -> str:
    try:
        return parse_address(value, "address")
    except EngineValidationError:
        raise ContractNotFound(f"no contract at {value!r}: not an address") from None


def _name(value: object) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= MAX_NAME_LENGTH:
        raise EngineValidationError(f"name must be 1 to {MAX_NAME_LENGTH} characters", "name")
    return value


def _salt(value: bytes | None) -> bytes:
    if value is None:
        return os.urandom(32)
    if not isinstance(value, bytes) or len(value) != 32:
        raise EngineValidationError("salt must be 32 bytes", "salt")
    return value


def _canonical(value: Any) -> bytes | None:
    """RFC 8785 bytes of a JSON value, integers past 2**53 as decimal strings (JCS only
    takes what a double holds exactly); None for what is not JSON at all."""
    try:
        return canonical_json(_wide_ints_as_text(value))
    except (TypeError, ValueError):
        return None


def _wide_ints_as_text(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _wide_ints_as_text(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_wide_ints_as_text(item) for item in value]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**53:
        return str(value)
    return value


def _too_many_writes() -> ContractReverted:
    return ContractReverted("Error", ["string"], [
        f"an execution may write at most {MAX_WRITES_PER_EXECUTION} storage keys"])


def _read_only_wrote(function: str) -> ContractReverted:
    return ContractReverted("Error", ["string"], [
        f"{function} is declared read-only but wrote state"])


__all__ = ["CONTRACT_KINDS", "ContractBusy", "Deployment", "EngineConfig", "Execution",
           "ExecutionResult", "UnifiedContractEngine", "create2_address", "problem_of"]
