"""``UnifiedContractEngine``: deploy, execute (one call or a batch), get, estimate gas,
engine info, analytics; committing each batch segment once, with optimistic retries."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from cms.domain.canonical import iso_utc
from cms.domain.engine import analytics
from cms.domain.engine.erc20 import parse_address
from cms.domain.engine.errors import (
    ContractNotFound,
    EngineValidationError,
    ExecutionTimeout,
    StorageError,
)
from cms.domain.engine.gas import MAX_GAS_LIMIT, validate_gas_limit
from cms.domain.engine.kinds import CircuitKind, ContractKind, Erc20Kind, PrivacyKind, WasmKind
from cms.domain.engine.privacy_contracts import ConfidentialLedger, SealedBidTally
from cms.domain.engine.records import ContractMetadata, ContractStats, ExecutionRecord, minute_of
from cms.domain.engine.state import ReadOnlyState, StagedState
from cms.domain.engine.storage import MAX_WRITES_PER_EXECUTION, Snapshot, StateConflict
from cms.domain.engine.unified.calls import (
    Call,
    Moment,
    Outcome,
    TimeLimit,
    construct,
    not_run,
    record_of,
    result_of,
    run_call,
    stage_write,
    too_many_writes,
)
from cms.domain.engine.unified.inputs import (
    canonical_or_none,
    contract_address,
    create2_address,
    deployment_name,
    deployment_salt,
)
from cms.domain.engine.unified.requests import (
    MAX_BATCH,
    ContractBusy,
    Deployment,
    EngineConfig,
    EngineInfo,
    Execution,
    ExecutionResult,
)

if TYPE_CHECKING:
    from cms.domain.attestation.roots import TrustedRoot
    from cms.ports.engine import ContractStateStorage

_FUNCTION_NAME_LIMIT = 64


class UnifiedContractEngine:
    def __init__(self, storage: ContractStateStorage, config: EngineConfig | None = None, *,
                 kinds: Mapping[str, ContractKind] | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 timer: Callable[[], float] = time.monotonic) -> None:
        self.storage = storage
        self.config = config or EngineConfig()
        self.kinds = dict(kinds or builtin_kinds())
        self._clock = clock
        self.timer = timer  # deadlines: every call's and every batch's wall-clock limit
        self.cache = analytics.ResultCache(self.config.cache_ttl_secs,
                                           self.config.max_cache_entries)

    # -- the engine design's interface -------------------------------------------------------

    def deploy_contract(self, deployment: Deployment) -> ContractMetadata:
        """Validate, construct (metered, atomic) and store a contract; returns its metadata."""
        kind = self._kind(deployment.kind)
        deployer = parse_address(deployment.deployer, "deployer")
        name = deployment_name(deployment.name or deployment.kind)
        gas_limit = self._gas_limit(deployment.gas_limit)
        # One meter and deadline from here on: preparing code (compiling a module) is part
        # of the constructor's cost and time.
        gas, _ = self._time_limit().meter(gas_limit)
        try:
            prepared = kind.prepare(deployment.init_args, deployment.code, deployment.manifest,
                                    gas)
        except ExecutionTimeout:
            raise gas.timeout() from None
        salt = deployment_salt(deployment.salt)
        init_code = canonical_or_none({"kind": deployment.kind, "code_hash": prepared.code_hash,
                                "init_args": prepared.init_args})
        if init_code is None:
            raise EngineValidationError("init_args must be JSON", "init_args")
        address = create2_address(deployer, salt, init_code)
        metadata = ContractMetadata(
            address=address, kind=deployment.kind, name=name, owner=deployer,
            created_at=iso_utc(self._clock()), code_hash=prepared.code_hash,
            manifest=prepared.manifest, init_args=prepared.init_args,
            description=deployment.description, owner_did=deployment.owner_did,
            governed_by=deployment.governed_by)
        now = self._clock()
        outcome = construct(kind, metadata, prepared, gas, now)
        constructor = Call(Execution(address, "constructor", deployer, gas_limit=gas_limit),
                            deployer, gas_limit, False, ())
        record = record_of(Snapshot(metadata, 0, ReadOnlyState({})), constructor, outcome,
                         Moment.of(now), 0)
        if outcome.error is not None:
            raise outcome.error
        self.storage.deploy(metadata, {**(prepared.code_writes or {}), **outcome.writes}, record)
        return metadata

    def execute_contract(self, execution: Execution) -> ExecutionResult:
        return self.execute_batch([execution])[0]

    def get_contract(self, address: str) -> ContractMetadata | None:
        return self.storage.get_contract_metadata(contract_address(address))

    def estimate_gas(self, execution: Execution) -> int:
        """Gas the call would use now: a dry run, within the same gas and time limits as a
        call (up to ``MAX_GAS_LIMIT`` unless it names one). Nothing is written or cached, but
        the run is recorded and counted like an execution (``dry_run``, with the caller,
        its gas and time, and no result): an estimate is not free work.

        A call that would revert raises its revert, as eth_estimateGas does."""
        snapshot = self.snapshot(execution.address)
        kind = self._kind(snapshot.metadata.kind)
        call = self._validated(execution, snapshot.metadata, default_limit=MAX_GAS_LIMIT)
        now = self._clock()
        with ExitStack() as closing:
            outcome = run_call(kind, snapshot, call, StagedState(snapshot.state), now,
                               time_limit=self._time_limit(), session={"close": closing})
        if not isinstance(outcome.error, EngineValidationError):  # it ran: count it
            outcome.return_value, outcome.events = None, []
            record = record_of(snapshot, call, outcome, Moment.of(now), 0)
            self.storage.store_execution(replace(record, dry_run=True))
        if outcome.error is not None:
            raise outcome.error
        return outcome.gas_used

    def engine_info(self) -> EngineInfo:
        return EngineInfo(contract_kinds=sorted(self.kinds), config=self.config)

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
        if len({contract_address(e.address) for e in executions}) != 1:
            raise EngineValidationError("a batch runs calls on one contract", "calls")
        # The first segment's snapshot also gives the metadata calls are checked against:
        # one storage read fewer per request (a later segment, or a retry, reads its own).
        first: Snapshot | None = self.snapshot(executions[0].address)
        calls = [self._validated(e, first.metadata) for e in executions]  # all before any runs
        results: list[ExecutionResult] = []
        limit = self._time_limit(batch=True)
        while len(results) < len(calls):
            if results and limit.batch_over():
                return results + [not_run(call, _batch_late()) for call in calls[len(results):]]
            try:
                results += self._with_retries(calls[len(results):], single=len(calls) == 1,
                                              limit=limit, snapshot=first)
            except (ContractBusy, StorageError) as error:
                if not results:
                    raise  # nothing committed: the whole request failed
                results += [not_run(call, error) for call in calls[len(results):]]
            first = None
        return results

    def _with_retries(self, calls: Sequence[Call], *, single: bool, limit: TimeLimit,
                      snapshot: Snapshot | None = None) -> list[ExecutionResult]:
        """``snapshot``: one taken for the first attempt (a retry reads a newer one)."""
        for attempt in range(self.config.conflict_retries + 1):
            if attempt and limit.batch_over():
                break  # running again would take the request past its batch's time
            try:
                return self._execute_segment(calls, single=single, limit=limit,
                                             snapshot=None if attempt else snapshot)
            except StateConflict:
                continue
        raise ContractBusy("other executions kept committing first; try again")

    def _execute_segment(self, calls: Sequence[Call], *, single: bool, limit: TimeLimit,
                         snapshot: Snapshot | None = None) -> list[ExecutionResult]:
        """Run a prefix of the calls on one snapshot and commit it once: the whole batch,
        unless its writes would outgrow one commit (then the rest runs after, on the new
        state). Returns the prefix's results."""
        snapshot = snapshot or self.snapshot(calls[0].execution.address)
        kind = self._kind(snapshot.metadata.kind)
        with ExitStack() as closing:
            return self._run_segment(kind, snapshot, calls, {"close": closing}, single=single,
                                     limit=limit)

    def _run_segment(self, kind: ContractKind, snapshot: Snapshot, calls: Sequence[Call],
                     session: dict[str, Any], *, single: bool, limit: TimeLimit
                     ) -> list[ExecutionResult]:
        batch, now = StagedState(snapshot.state), self._clock()
        moment = Moment.of(now)
        results: list[ExecutionResult] = []
        ran: list[ExecutionRecord] = []
        written: set[str] = set()
        to_cache: list[tuple[tuple[Any, ...], ExecutionResult]] = []
        for index, call in enumerate(calls):
            if results and limit.batch_over():
                break  # commit what ran; the batch reports the rest as not run
            # The state is still the snapshot's: the cache applies. (Not ``pending``: it
            # copies the segment's writes, so asking it per call made a batch quadratic.)
            clean = not batch.dirty
            cached = self._cached(call, snapshot.version) if clean else None
            if cached is not None:
                results.append(cached)
                continue
            outcome = run_call(kind, snapshot, call, StagedState(batch), now,
                               time_limit=limit, session=session)
            if outcome.cut_by_batch:  # not this call's fault: it and the rest did not run
                results += [not_run(rest, _batch_late()) for rest in calls[index:]]
                break
            if isinstance(outcome.error, EngineValidationError):
                if single:
                    raise outcome.error  # the request itself is refused
                results.append(not_run(call, outcome.error))  # never ran: not recorded
                continue
            new = [key for key in outcome.writes if key not in written]
            if outcome.error is None and len(written) + len(new) > MAX_WRITES_PER_EXECUTION:
                if written:
                    break  # commit what ran; this call runs again on the new state
                outcome = Outcome(error=too_many_writes(), gas_used=outcome.gas_used,
                                   duration_us=outcome.duration_us)
            else:
                written.update(new)
            for key, value in outcome.writes.items():
                stage_write(batch, key, value)
            record = record_of(snapshot, call, outcome, moment, len(ran))
            ran.append(record)
            results.append(result_of(record))
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
    def _validated(self, execution: Execution, metadata: ContractMetadata,
                   default_limit: int | None = None) -> Call:
        function = execution.function
        if not isinstance(function, str) or not 0 < len(function) <= _FUNCTION_NAME_LIMIT:
            raise EngineValidationError("function must be a function name", "function")
        kind = self._kind(metadata.kind)
        caller = parse_address(execution.caller, "caller")
        read_only = kind.is_read_only(metadata, function)
        limit = self._gas_limit(execution.gas_limit, default_limit)
        return Call(execution, caller, limit, read_only,
                     self._cache_key(kind, metadata, execution, caller, limit)
                     if read_only else ())

    @staticmethod
    def _cache_key(kind: ContractKind, metadata: ContractMetadata, execution: Execution,
                   caller: str, limit: int) -> tuple[Any, ...]:
        """What a read-only result depends on besides the state version (() if uncacheable)."""
        args = canonical_or_none(execution.args)
        if args is None:
            return ()
        shared = kind.caller_independent(metadata)
        return (metadata.address, execution.function, args, execution.input,
                None if shared else caller, limit)

    def _cached(self, call: Call, version: int) -> ExecutionResult | None:
        if not (self.config.enable_caching and call.cache_key):
            return None
        hit, value = self.cache.get((version, *call.cache_key))
        return replace(value, cached=True, execution_id=None, duration_us=0) if hit else None

    # -- lookups ------------------------------------------------------------------------------

    def snapshot(self, address: str) -> Snapshot:
        snapshot = self.storage.snapshot(contract_address(address))
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

    def _time_limit(self, *, batch: bool = False) -> TimeLimit:
        """Deadlines from now: one call's, and with ``batch`` the batch's as well."""
        config = self.config
        deadline = self.timer() + config.max_batch_time_ms / 1000 if batch else None
        return TimeLimit(config.max_execution_time_ms, self.timer, deadline)


def _batch_late() -> ExecutionTimeout:
    return ExecutionTimeout("the batch ran out of time before this call could run: send it "
                            "again")


def builtin_kinds(roots: Callable[[], tuple[TrustedRoot, ...]] = tuple
                  ) -> dict[str, ContractKind]:
    """Every kind the engine runs; ``roots()`` gives the attestation roots circuit results
    may chain to besides AWS's (a development root on the local stack)."""
    return {"erc20": Erc20Kind(), "wasm": WasmKind(),
            "confidential_ledger": PrivacyKind(ConfidentialLedger),
            "sealed_bid_tally": PrivacyKind(SealedBidTally), "circuit": CircuitKind(roots)}
