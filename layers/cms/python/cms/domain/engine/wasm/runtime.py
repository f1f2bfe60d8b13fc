"""Running WebAssembly contracts: metered, time-limited, deterministic, atomic per call.

``WasmRuntime.execute`` runs one exported function against a ``ContractState`` and a
``GasMeter`` the caller provides, and returns the return data. The call's writes reach
``state`` only if it succeeds (they wait in the host until then); it never commits further:
the caller passes a ``StagedState`` and commits it when ``execute`` returns. Failures, each
leaving the meter at what was spent (``gas.py``):

- ``GasExhausted``: the meter would cross its limit (instructions, host calls, storage,
  events);
- ``ExecutionTimeout``: the wall-clock limit (``timeout_ms``, default 250 ms) passed;
- ``ContractReverted("Error", ["string"], [message])``: the contract called ``abort``,
  Solidity's ``Error(string)`` revert;
- ``ContractReverted("Trap", ["string"], [message])``: the guest trapped (``unreachable``,
  out-of-bounds access, division by zero, stack overflow...) or misused the host ABI; the
  message is fixed per trap kind, so the revert data is deterministic;
- ``ContractReverted("InvalidReturnData", ["string"], [message])``: the return data does not
  match the manifest;
- ``EngineValidationError``: the call itself is wrong (unknown function, input too large,
  bad timeout); nothing ran;
- anything else a host call raised that is not the contract's doing (a ``StorageError`` from
  the state backend), unchanged.

Gas: ``execute`` and ``init`` post the call's costs to the meter under ``call``,
``host_call``, ``storage_read``, ``storage_write``, ``event`` and ``instructions``. A batch call
posts ``call`` and one ``execution`` entry (five postings cost ~15% of a transfer's time);
``WasmCallOutcome.gas_breakdown`` splits it the same way.

Determinism: nothing survives an execution but its storage writes. ``execute`` and ``init``
run a fresh instance every time (a new store and a pre-linked instantiation from the
engine's pool of instance slots), so a global or memory written by one call is never seen by
another. No clock, randomness or I/O reaches the guest except through the ``CallContext``;
floats have canonical NaNs; SIMD and threads are off; fuel counts are exact.

Batches (``execute_batch``) trade part of that isolation for speed: the calls of one batch
share one instance, in order, so a contract's globals and memory carry over from one call of
the batch to the next; after any failed call the instance is dropped and the next call gets
a fresh one (a trap can leave memory half-written). Each call still has its own meter, its
own deadline, and its writes are committed to the batch's ``state`` when (and only when) that
call succeeds: a failed call in the middle leaves the others applied. A contract that keeps
nothing in globals or memory between calls (the examples in ``contracts/wasm/``) behaves
exactly as with ``execute``.

Threads: one runtime runs one execution at a time (a lock); the host functions it binds are
its own. One runtime per process is the intent (the Engine, the epoch ticker, the instance
pool and compiled modules are process-wide anyway).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

import wasmtime

from cms.domain.engine.errors import (
    ContractReverted,
    EngineValidationError,
    ExecutionTimeout,
    GasExhausted,
)
from cms.domain.engine.gas import GasMeter, validate_gas_limit
from cms.domain.engine.state import ContractState
from cms.domain.engine.wasm.abi import WasmEvent, WasmFunction
from cms.domain.engine.wasm.gas import DEFAULT_WASM_SCHEDULE, WasmGasSchedule
from cms.domain.engine.wasm.host import HOST_FUNCTIONS, HOST_MODULE, Host, HostTrap
from cms.domain.engine.wasm.limits import (
    DEFAULT_TIMEOUT_MS,
    MAX_BATCH_CALLS,
    MAX_INPUT_BYTES,
    MAX_MEMORY_BYTES,
    MAX_TIMEOUT_MS,
)
from cms.domain.engine.wasm.native import (
    TICKER,
    TRAP_INTERRUPT,
    TRAP_MESSAGES,
    TRAP_OUT_OF_FUEL,
    HostFailure,
    HostLinker,
    NativeInstance,
    compiled_module,
)
from cms.domain.engine.wasm.validation import WasmModuleInfo
from cms.domain.errors import DomainError

_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
_MAX_I64 = 2**63 - 1
_GUEST_FAILURES = (HostTrap, ContractReverted, GasExhausted)

EventSink = Callable[[WasmEvent], None]
# A call's costs, in the order of COST_KINDS (the meter labels ``execute`` posts them under).
Costs = tuple[int, ...]
COST_KINDS = ("host_call", "storage_read", "storage_write", "event", "instructions")
EXECUTION = "execution"  # the one entry a batch call posts them in


@lru_cache(maxsize=4096)
def address_bytes(value: object, name: str) -> bytes:
    """A 0x-hex 20-byte address as raw bytes (any letter case)."""
    if not isinstance(value, str) or not _ADDRESS.fullmatch(value):
        raise EngineValidationError(f"{name} must be a 0x-prefixed 20-byte hex address", name)
    return bytes.fromhex(value[2:])


@dataclass(frozen=True)
class CallContext:
    """What the guest may know about its call: addresses, block number and time."""

    contract_address: str
    caller: str
    block_number: int = 0
    timestamp: int = 0

    def __post_init__(self) -> None:
        address_bytes(self.contract_address, "contract_address")
        address_bytes(self.caller, "caller")
        for name in ("block_number", "timestamp"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or \
                    not 0 <= value <= _MAX_I64:
                raise EngineValidationError(f"{name} must be an integer from 0 to 2**63-1", name)


class WasmCall(NamedTuple):
    """One call of a batch; ``caller`` and ``gas_limit`` default to the batch's. (A named
    tuple: immutable, and several times cheaper to create than a frozen dataclass.)"""

    function: str
    input: bytes = b""
    caller: str | None = None
    gas_limit: int | None = None


@dataclass(slots=True)
class WasmCallOutcome:
    """What one call of a batch did: its return data or its error, its gas and events.

    ``meter`` is the call's own meter; ``gas_breakdown`` splits its ``execution`` entry
    into the kinds ``execute`` posts separately (see ``WasmRuntime``)."""

    function: str
    return_data: bytes | None
    error: DomainError | None
    gas_used: int
    events: list[WasmEvent] = field(default_factory=list)
    meter: GasMeter | None = field(default=None, repr=False)
    costs: Costs = field(default=(), repr=False)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def gas_breakdown(self) -> dict[str, int]:
        breakdown = dict(self.meter.breakdown) if self.meter is not None else {}
        if self.costs and breakdown.pop(EXECUTION, None) is not None:
            breakdown.update((kind, amount) for kind, amount in zip(COST_KINDS, self.costs,
                                                                    strict=True) if amount)
        return breakdown


@dataclass(frozen=True, slots=True)
class _Batch:
    """What the calls of a batch share."""

    module: WasmModuleInfo
    state: ContractState
    gas_limit: int
    context: CallContext
    ticks: int
    caller: bytes


class WasmRuntime:
    """Runs validated modules (``WasmModuleInfo``); see the module docstring for semantics."""

    def __init__(self, schedule: WasmGasSchedule = DEFAULT_WASM_SCHEDULE, *,
                 max_memory_bytes: int = MAX_MEMORY_BYTES,
                 default_timeout_ms: int = DEFAULT_TIMEOUT_MS) -> None:
        if not isinstance(max_memory_bytes, int) or not 0 < max_memory_bytes <= MAX_MEMORY_BYTES:
            raise ValueError(f"max_memory_bytes must be from 1 to {MAX_MEMORY_BYTES} (the "
                             "address space the engine reserves per memory)")
        self.schedule = schedule
        self.max_memory_bytes = max_memory_bytes
        self.default_timeout_ms = _timeout(default_timeout_ms)
        self._lock = threading.Lock()
        self._failure = HostFailure()
        self._host = Host(schedule)
        self._linker = HostLinker(HOST_MODULE, self._host.functions(), HOST_FUNCTIONS,
                                  self._failure)

    # -- public API --

    def execute(self, module: WasmModuleInfo, function: str, input: bytes, *,
                state: ContractState, gas: GasMeter, context: CallContext,
                events: EventSink | None = None, timeout_ms: int | None = None) -> bytes:
        """Run ``function`` with ``input`` in a fresh instance; returns the return data.
        Events reach ``events`` only if the call succeeds."""
        return self._execute_one(module, module.function(function), input, state=state,
                                 gas=gas, context=context, events=events,
                                 timeout_ms=timeout_ms)

    def init(self, module: WasmModuleInfo, input: bytes = b"", *,
             state: ContractState, gas: GasMeter, context: CallContext,
             events: EventSink | None = None, timeout_ms: int | None = None) -> bytes:
        """Run the module's ``init`` export once, as a deployment step (nothing to do, and
        nothing charged, for a module without one)."""
        if module.init_function is None:
            if input:
                raise EngineValidationError("the module exports no init function, so it takes "
                                            "no init input", "input")
            return b""
        return self._execute_one(module, module.init_function, input, state=state, gas=gas,
                                 context=context, events=events, timeout_ms=timeout_ms)

    def execute_batch(self, module: WasmModuleInfo, calls: Sequence[WasmCall], *,
                      state: ContractState, gas_limit: int, context: CallContext,
                      timeout_ms: int | None = None) -> list[WasmCallOutcome]:
        """Run ``calls`` in order, each atomic with its own meter (``gas_limit`` unless the
        call sets one) and deadline; each success is committed to ``state`` before the next
        call. One instance serves the batch until a call fails (module docstring)."""
        validate_gas_limit(gas_limit)
        if len(calls) > MAX_BATCH_CALLS:
            raise EngineValidationError(f"a batch holds at most {MAX_BATCH_CALLS} calls",
                                        "calls")
        batch = _Batch(module, state, gas_limit, context, self._ticks(timeout_ms),
                       address_bytes(context.caller, "caller"))
        outcomes = []
        with self._lock:
            TICKER.hold()
            try:
                instance: NativeInstance | None = None
                for call in calls:
                    outcome, instance = self._batch_call(batch, call, instance)
                    outcomes.append(outcome)
            finally:
                self._host.unbind()
                TICKER.release()
        return outcomes

    @contextmanager
    def session(self, module: WasmModuleInfo, context: CallContext, *,
                timeout_ms: int | None = None) -> Iterator[WasmSession]:
        """Calls run and committed one by one by the caller, on one instance as a batch's
        are (dropped after a failed call): the unified engine's batch segments. The runtime
        is held for the session's length."""
        ticks = self._ticks(timeout_ms)
        with self._lock:
            TICKER.hold()
            try:
                yield WasmSession(self, module, context, ticks)
            finally:
                self._host.unbind()
                TICKER.release()

    # -- one call --

    def _execute_one(self, module: WasmModuleInfo, function: WasmFunction, data: bytes, *,
                     state: ContractState, gas: GasMeter, context: CallContext,
                     events: EventSink | None, timeout_ms: int | None) -> bytes:
        ticks = self._ticks(timeout_ms)
        caller = address_bytes(context.caller, "caller")
        with self._lock:
            TICKER.hold()
            try:
                instance = self._instantiate(module, context)
                output, emitted, _ = self._run(instance, function, data, state, gas,
                                               caller=caller, ticks=ticks, lump=False)
            finally:
                self._host.unbind()
                TICKER.release()
        if events is not None:
            for event in emitted:
                events(event)
        return output

    def _batch_call(self, batch: _Batch, call: WasmCall, instance: NativeInstance | None
                    ) -> tuple[WasmCallOutcome, NativeInstance | None]:
        gas: GasMeter | None = None
        try:
            gas = GasMeter(batch.gas_limit if call.gas_limit is None else call.gas_limit,
                           self.schedule.storage)
            function = (batch.module.functions.get(call.function)  # type: ignore[call-overload]
                        or batch.module.function(call.function))
            caller = (batch.caller if call.caller is None
                      else address_bytes(call.caller, "caller"))
            if instance is None:
                instance = self._instantiate(batch.module, batch.context)
            output, events, costs = self._run(instance, function, call.input, batch.state,
                                              gas, caller=caller, ticks=batch.ticks, lump=True)
            return WasmCallOutcome(call.function, output, None, gas.used, events, gas,
                                   costs), instance
        except EngineValidationError as error:  # nothing ran: the instance is untouched
            return _failed(call, error, gas), instance
        except DomainError as error:
            return _failed(call, error, gas), None

    def _run(self, instance: NativeInstance, function: WasmFunction, data: bytes,
             state: ContractState, gas: GasMeter, *, caller: bytes, ticks: int, lump: bool
             ) -> tuple[bytes, list[WasmEvent], Costs]:
        """Call ``function`` on ``instance``; returns the return data, the events and the
        costs posted to ``gas`` (in one ``execution`` entry if ``lump``)."""
        if not isinstance(data, bytes) or len(data) > MAX_INPUT_BYTES:
            raise EngineValidationError(f"the input must be at most {MAX_INPUT_BYTES} bytes",
                                        "input")
        export = instance.function(function.name)
        if export is None:  # validation makes this unreachable; never call address 0
            raise EngineValidationError(f"the module does not export {function.name!r}",
                                        "function")
        gas.charge_call()
        host = self._host
        host.bind_call(state, gas, data, caller, function.read_only)
        price = self.schedule.instruction
        fuel = gas.remaining // price
        fuel_left, trap = instance.call(export, fuel, ticks)
        costs = self._settle(gas, (fuel - fuel_left) * price, trap, ticks, lump)
        function.check_result(host.output)
        host.commit()
        return host.output, host.events, costs

    def _settle(self, gas: GasMeter, instruction_gas: int, trap: int | None, ticks: int,
                lump: bool) -> Costs:
        """Post the call's costs to the meter (one ``execution`` entry if ``lump``, else one
        per kind), or turn what ended the call into the engine's error."""
        host = self._host
        costs = (host.spent - host.read_gas - host.write_gas - host.event_gas, host.read_gas,
                 host.write_gas, host.event_gas, instruction_gas)
        if trap is None and host.spent + instruction_gas <= gas.remaining:
            if lump:
                gas.charge(host.spent + instruction_gas, EXECUTION)
            else:
                for amount, kind in zip(costs, COST_KINDS, strict=True):
                    if amount:
                        gas.charge(amount, kind)
            return costs
        raise self._failed(gas, costs, trap, ticks)

    def _failed(self, gas: GasMeter, costs: Costs, trap: int | None, ticks: int
                ) -> BaseException:
        """The error that ended the call, after posting what fits of its costs.

        Gas spent only grows, so a total over the limit means some charge would have crossed
        it before whatever else ended the call: that is ``GasExhausted``, first.
        """
        error = self._failure.take() if trap is not None else None
        if error is not None and not isinstance(error, _GUEST_FAILURES):
            return error  # the state backend failed, or a bug: not the contract's doing
        unpaid = 0
        for amount, kind in zip(costs, COST_KINDS, strict=True):
            paid = min(amount, gas.remaining)
            if paid:
                gas.charge(paid, kind)
            unpaid += amount - paid
        if unpaid or isinstance(error, GasExhausted) or trap == TRAP_OUT_OF_FUEL:
            required = (error.gas_required if isinstance(error, GasExhausted)
                        else unpaid or self.schedule.instruction)
            return GasExhausted(gas.limit, gas.used, required)
        if trap == TRAP_INTERRUPT:
            return ExecutionTimeout(f"the execution ran past its time limit of {ticks - 1} ms")
        if isinstance(error, ContractReverted):
            return error
        message = str(error) if error is not None else TRAP_MESSAGES.get(trap, f"trap {trap}")
        return ContractReverted("Trap", ["string"], [message])

    # -- instances and limits --

    def _instantiate(self, module: WasmModuleInfo, context: CallContext) -> NativeInstance:
        """A fresh instance, bound to the host for calls in ``context``."""
        try:
            pre = self._linker.instance_pre(module.code_hash,
                                            compiled_module(module.wasm, module.code_hash))
            instance = NativeInstance(pre, self.max_memory_bytes)
        except (wasmtime.WasmtimeError, wasmtime.Trap) as error:
            raise EngineValidationError(f"the module cannot be instantiated in this runtime: "
                                        f"{error}", "module") from error
        self._host.bind_frame(instance, address_bytes(context.contract_address,
                                                      "contract_address"),
                              context.block_number, context.timestamp, module.events)
        return instance

    def _ticks(self, timeout_ms: int | None) -> int:
        """Epoch ticks for a deadline: one per millisecond, plus the tick in progress."""
        return (self.default_timeout_ms if timeout_ms is None else _timeout(timeout_ms)) + 1


class WasmSession:
    """One instance for successive calls (see ``WasmRuntime.session``)."""

    def __init__(self, runtime: WasmRuntime, module: WasmModuleInfo, context: CallContext,
                 ticks: int) -> None:
        self._runtime, self._module, self._context, self._ticks = runtime, module, context, ticks
        self._instance: NativeInstance | None = None

    def call(self, function: str, data: bytes, *, state: ContractState, gas: GasMeter,
             caller: str, events: EventSink | None = None,
             timeout_ms: int | None = None) -> bytes:
        """Run one call (its writes reach ``state`` only if it succeeds); raises as
        ``execute`` does. A call that ran and failed costs the session its instance.
        ``timeout_ms`` replaces the session's limit for this call."""
        target = self._module.function(function)
        ticks = self._ticks if timeout_ms is None else self._runtime._ticks(timeout_ms)
        if self._instance is None:
            self._instance = self._runtime._instantiate(self._module, self._context)
        try:
            output, emitted, _ = self._runtime._run(
                self._instance, target, data, state, gas,
                caller=address_bytes(caller, "caller"), ticks=ticks, lump=True)
        except EngineValidationError:
            raise  # nothing ran: the instance is untouched
        except BaseException:
            self._instance = None  # a trap can leave memory half-written
            raise
        if events is not None:
            for event in emitted:
                events(event)
        return output


def _timeout(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= MAX_TIMEOUT_MS:
        raise EngineValidationError(f"timeout_ms must be an integer from 1 to {MAX_TIMEOUT_MS}",
                                    "timeout_ms")
    return value


def _failed(call: WasmCall, error: DomainError, gas: GasMeter | None) -> WasmCallOutcome:
    return WasmCallOutcome(call.function, None, error, gas.used if gas else 0, [], gas)
