"""One call: its validated request, its metered run (or the constructor's), and the
execution record and result made from it."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from cms.domain.canonical import iso_utc
from cms.domain.engine.errors import (
    ContractReverted,
    EngineValidationError,
    ExecutionTimeout,
    GasExhausted,
)
from cms.domain.engine.gas import GasMeter
from cms.domain.engine.kinds import CallContext, ContractKind, Invocation, Prepared
from cms.domain.engine.quick import quick_init
from cms.domain.engine.records import ContractMetadata, ExecutionRecord
from cms.domain.engine.state import ContractState, ReadOnlyState, StagedState
from cms.domain.engine.storage import MAX_WRITES_PER_EXECUTION, Snapshot
from cms.domain.engine.unified.requests import Execution, ExecutionResult, problem_of
from cms.domain.errors import DomainError


@dataclass
class Outcome:
    """One call's run, before it is recorded."""

    return_value: Any = None
    events: list[dict[str, Any]] = field(default_factory=list)
    error: DomainError | None = None
    gas_used: int = 0
    duration_us: int = 0
    writes: dict[str, bytes | None] = field(default_factory=dict)
    # Stopped by its batch's deadline, not its own: it did not run (nothing is recorded).
    cut_by_batch: bool = False


class TimeLimit(NamedTuple):
    """When a call must end: ``call_ms`` after it starts, and never after ``batch_deadline``
    (``timer`` seconds) if it runs in a batch. Every kind's meter carries the deadline."""

    call_ms: int
    timer: Callable[[], float] = time.monotonic
    batch_deadline: float | None = None

    def meter(self, gas_limit: int) -> tuple[GasMeter, bool]:
        """A meter with the call's deadline, and whether the batch's is the nearer one."""
        own = self.timer() + self.call_ms / 1000
        cut = self.batch_deadline is not None and self.batch_deadline < own
        deadline = self.batch_deadline if cut and self.batch_deadline is not None else own
        return GasMeter(gas_limit, deadline=deadline, time_limit_ms=self.call_ms,
                        timer=self.timer), cut

    def batch_over(self) -> bool:
        return self.batch_deadline is not None and self.timer() > self.batch_deadline


@quick_init
@dataclass(frozen=True)
class Call:
    execution: Execution
    caller: str
    gas_limit: int
    read_only: bool
    cache_key: tuple[Any, ...]


class Moment(NamedTuple):
    """A segment's time, formatted once for all its records."""

    iso: str
    microsecond: int

    @classmethod
    def of(cls, now: datetime) -> Moment:
        return cls(iso_utc(now), now.microsecond)


def run_call(kind: ContractKind, snapshot: Snapshot, call: Call, stage: StagedState,
             now: datetime, *, time_limit: TimeLimit, session: dict[str, Any]) -> Outcome:
    """One call on ``stage``, metered and time-limited; a failure is the outcome's error,
    never raised."""
    gas, cut = time_limit.meter(call.gas_limit)
    outcome = Outcome()
    context = CallContext(snapshot.metadata.address, call.caller, snapshot.version,
                          int(now.timestamp()), time_limit.call_ms)
    started = time.perf_counter_ns()
    try:
        outcome.return_value = kind.call(Invocation(
            snapshot.metadata, call.execution.function, call.execution.args,
            call.execution.input, stage, gas, outcome.events.append, context, session))
    except ExecutionTimeout:
        # One problem for every kind (WebAssembly's epoch reports the ticks it was given).
        outcome.error, outcome.events, outcome.cut_by_batch = gas.timeout(), [], cut
        gas.used = gas.limit  # the EVM rule: out of gas or time spends the whole limit
    except GasExhausted as error:
        outcome.error, outcome.events = error, []
        gas.used = gas.limit
    except (ContractReverted, EngineValidationError) as error:
        outcome.error, outcome.events = error, []
    outcome.duration_us = (time.perf_counter_ns() - started) // 1000
    outcome.gas_used = gas.used
    if outcome.error is None:
        if call.read_only and stage.dirty:
            outcome.error = read_only_wrote(call.execution.function)
            outcome.return_value, outcome.events = None, []
        else:
            outcome.writes = stage.pending
    return outcome


def construct(kind: ContractKind, metadata: ContractMetadata, prepared: Prepared,
              gas: GasMeter, now: datetime) -> Outcome:
    """The constructor's run on the prepared code's state, on the meter (and deadline) its
    deployment's preparation started."""
    base = ReadOnlyState(prepared.code_writes or {})
    stage, outcome = StagedState(base), Outcome()
    context = CallContext(metadata.address, metadata.owner, 0, int(now.timestamp()),
                          gas.time_limit_ms or 0)
    started = time.perf_counter_ns()
    try:
        kind.construct(Invocation(metadata, "constructor", metadata.init_args, None, stage,
                                  gas, outcome.events.append, context))
    except ExecutionTimeout:
        outcome.error = gas.timeout()
    except (GasExhausted, ContractReverted) as error:
        outcome.error = error
    outcome.duration_us = (time.perf_counter_ns() - started) // 1000
    outcome.gas_used, outcome.writes = gas.used, stage.pending
    if outcome.error is None and len(outcome.writes) > MAX_WRITES_PER_EXECUTION:
        outcome.error = too_many_writes()
    return outcome


def record_of(snapshot: Snapshot, call: Call, outcome: Outcome, now: Moment,
            index: int) -> ExecutionRecord:
    return ExecutionRecord(
        execution_id=_execution_id(now, index), address=snapshot.metadata.address,
        function=call.execution.function, caller=call.caller, success=outcome.error is None,
        read_only=call.read_only, gas_used=outcome.gas_used, gas_limit=call.gas_limit,
        duration_us=outcome.duration_us, timestamp=now.iso, sequence=snapshot.version,
        return_value=outcome.return_value, events=outcome.events,
        error=problem_of(outcome.error) if outcome.error else None)


def _execution_id(now: Moment, index: int) -> str:
    """Sortable within a millisecond's history page: microseconds, position, randomness."""
    return f"{now.microsecond:06d}{index:03d}-{os.urandom(8).hex()}"


def not_run(call: Call, error: DomainError) -> ExecutionResult:
    """A call of a batch that did not run (refused, or not reached): nothing recorded."""
    return ExecutionResult(
        execution_id=None, address=call.execution.address, function=call.execution.function,
        success=False, return_value=None, gas_used=0, gas_limit=call.gas_limit, events=[],
        error=problem_of(error), duration_us=0, read_only=call.read_only)


def result_of(record: ExecutionRecord) -> ExecutionResult:
    return ExecutionResult(
        execution_id=record.execution_id, address=record.address, function=record.function,
        success=record.success, return_value=record.return_value, gas_used=record.gas_used,
        gas_limit=record.gas_limit, events=record.events, error=record.error,
        duration_us=record.duration_us, read_only=record.read_only, sequence=record.sequence)


def stage_write(state: ContractState, key: str, value: bytes | None) -> None:
    if value is None:
        state.remove(key)
    else:
        state.set(key, value)


def too_many_writes() -> ContractReverted:
    return ContractReverted("Error", ["string"], [
        f"an execution may write at most {MAX_WRITES_PER_EXECUTION} storage keys"])


def read_only_wrote(function: str) -> ContractReverted:
    return ContractReverted("Error", ["string"], [
        f"{function} is declared read-only but wrote state"])
