"""The wasmtime layer: the process-wide Engine, its epoch ticker, compiled modules, raw calls.

Why raw calls: wasmtime-py's ``Func.__call__`` and ``Linker.define_func`` convert every value
through Python objects (~27 µs for an empty call on this machine); the C API's "unchecked"
entry points (``wasmtime_func_call_unchecked``, ``wasmtime_linker_define_func_unchecked``)
reached through ctypes prototypes that take plain addresses cost ~4 µs, and stores created
through the C API save ~15 µs per instance. They come from wasmtime-py's ctypes layer
(``wasmtime._bindings``), hence the exact pin of wasmtime in requirements.txt. Compiling,
linking and reading module types use wasmtime-py's public API.

The Engine is configured once for deterministic, bounded execution: fuel metering, epoch
interruption (the wall-clock limit), NaN canonicalization, and no SIMD, relaxed SIMD, threads,
shared or 64-bit or multiple memories, GC, exceptions or component model. Instances come from
the pooling allocator (no mmap/munmap per instance). Linear memory never moves
(``memory_may_move = False``), so a memory's base address stays valid for the life of its
instance and host functions read and write it through a memoryview.
"""

from __future__ import annotations

import atexit
import ctypes
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from ctypes import (
    c_bool,
    c_char_p,
    c_int64,
    c_size_t,
    c_uint8,
    c_uint32,
    c_uint64,
    c_void_p,
)
from typing import Any

import wasmtime
from wasmtime import _bindings as bindings
from wasmtime import _ffi as ffi

from cms.domain.engine.wasm.limits import (
    EPOCH_TICK_SECONDS,
    MAX_MEMORY_BYTES,
    MAX_TABLE_ELEMENTS,
    POOL_SLOTS,
    WASM_PAGE,
    WASM_STACK_BYTES,
)

_VALTYPES = {"i32": wasmtime.ValType.i32, "i64": wasmtime.ValType.i64}


# The same library loaded twice: through ``PyDLL`` a call keeps the GIL (cheaper, for calls
# that return at once); through ``CDLL`` it releases it, which running guest code must do so
# that the epoch ticker thread can interrupt it.
_LIBRARY = {False: bindings.dll, True: ctypes.PyDLL(bindings.dll._name)}


def _prototype(name: str, restype: Any, *argtypes: Any, keep_gil: bool = True) -> Any:
    """A private ctypes binding (``dll[name]`` is a new object: wasmtime-py's stay untouched)."""
    function = _LIBRARY[keep_gil][name]
    function.restype, function.argtypes = restype, list(argtypes)
    return function


_set_fuel = _prototype("wasmtime_context_set_fuel", c_void_p, c_void_p, c_uint64)
_get_fuel = _prototype("wasmtime_context_get_fuel", c_void_p, c_void_p, c_void_p)
_set_deadline = _prototype("wasmtime_context_set_epoch_deadline", None, c_void_p, c_uint64)
_call = _prototype("wasmtime_func_call_unchecked", c_void_p,
                   c_void_p, c_void_p, c_void_p, c_size_t, c_void_p, keep_gil=False)
_memory_data = _prototype("wasmtime_memory_data", c_void_p, c_void_p, c_void_p)
_memory_size = _prototype("wasmtime_memory_data_size", c_size_t, c_void_p, c_void_p)
_trap_new = _prototype("wasmtime_trap_new", c_void_p, c_char_p, c_size_t)
_trap_code = _prototype("wasmtime_trap_code", c_bool, c_void_p, c_void_p)
_trap_delete = _prototype("wasm_trap_delete", None, c_void_p)
_error_delete = _prototype("wasmtime_error_delete", None, c_void_p)
_store_new = _prototype("wasmtime_store_new", c_void_p, c_void_p, c_void_p, c_void_p)
_store_context = _prototype("wasmtime_store_context", c_void_p, c_void_p)
_store_limiter = _prototype("wasmtime_store_limiter", None, c_void_p, c_int64, c_int64, c_int64,
                            c_int64, c_int64)
_store_delete = _prototype("wasmtime_store_delete", None, c_void_p)
_pre_instantiate = _prototype("wasmtime_instance_pre_instantiate", c_void_p, c_void_p, c_void_p,
                              c_void_p, c_void_p)
_export_get = _prototype("wasmtime_instance_export_get", c_bool, c_void_p, c_void_p, c_char_p,
                         c_size_t, c_void_p)
_increment_epoch = _prototype("wasmtime_engine_increment_epoch", None, c_void_p,
                              keep_gil=False)
_define_unchecked = _prototype(
    "wasmtime_linker_define_func_unchecked", c_void_p, c_void_p, c_char_p, c_size_t,
    c_char_p, c_size_t, c_void_p, c_void_p, c_void_p, c_void_p)

# Trap codes the runtime tells apart (wasmtime_trap_code_t values).
TRAP_OUT_OF_FUEL = wasmtime.TrapCode.OUT_OF_FUEL.value
TRAP_INTERRUPT = wasmtime.TrapCode.INTERRUPT.value
TRAP_FROM_HOST = -1  # a host function raised: the Python exception is in a HostFailure
TRAP_MESSAGES = {code.value: code.name.lower().replace("_", " ") for code in wasmtime.TrapCode}
TRAP_MESSAGES[TRAP_FROM_HOST] = "a host function failed"
TRAP_MESSAGES.update({
    wasmtime.TrapCode.UNREACHABLE.value: "unreachable instruction executed",
    wasmtime.TrapCode.MEMORY_OUT_OF_BOUNDS.value: "out of bounds memory access",
    wasmtime.TrapCode.INTEGER_DIVISION_BY_ZERO.value: "integer divide by zero",
    wasmtime.TrapCode.BAD_CONVERSION_TO_INTEGER.value: "invalid conversion to integer",
    wasmtime.TrapCode.BAD_SIGNATURE.value: "indirect call type mismatch",
    wasmtime.TrapCode.INDIRECT_CALL_TO_NULL.value: "indirect call to a null table entry",
})


def _address(pointer: Any) -> int:
    return ctypes.cast(pointer, c_void_p).value or 0


# --- the engine -----------------------------------------------------------------------------

_engine_lock = threading.Lock()
_engine: wasmtime.Engine | None = None


def _config() -> wasmtime.Config:
    config = wasmtime.Config()
    config.consume_fuel = True
    config.epoch_interruption = True
    config.cranelift_nan_canonicalization = True  # NaN bit patterns would differ by CPU
    config.wasm_relaxed_simd = False  # before wasm_simd: relaxed SIMD on without SIMD aborts
    config.wasm_simd = False
    config.wasm_threads = False
    config.shared_memory = False
    config.wasm_memory64 = False
    config.wasm_multi_memory = False
    config.wasm_gc = False
    config.wasm_function_references = False
    config.wasm_exceptions = False
    config.wasm_component_model = False
    config.wasm_stack_switching = False
    config.wasm_wide_arithmetic = False
    config.wasm_custom_page_sizes = False
    config.memory_may_move = False  # host functions keep the memory's base address
    config.max_wasm_stack = WASM_STACK_BYTES
    # Reserve no more address space per memory than a contract may use (explicit bounds
    # checks instead of a 4 GiB reservation), and instantiate from a pool of such slots:
    # no mmap/munmap per instance, and the first pages stay resident between instances.
    config.memory_reservation = MAX_MEMORY_BYTES
    config.memory_guard_size = WASM_PAGE
    _pooling(config)
    return config


def _pooling(config: wasmtime.Config) -> None:
    pool = bindings.wasmtime_pooling_allocation_config_new()
    for setting, value in (("total_core_instances", POOL_SLOTS), ("total_memories", POOL_SLOTS),
                           ("total_tables", POOL_SLOTS), ("max_memory_size", MAX_MEMORY_BYTES),
                           ("table_elements", MAX_TABLE_ELEMENTS),
                           ("linear_memory_keep_resident", WASM_PAGE),
                           ("table_keep_resident", WASM_PAGE)):
        getattr(bindings, f"wasmtime_pooling_allocation_config_{setting}_set")(pool, value)
    bindings.wasmtime_pooling_allocation_strategy_set(config.ptr(), pool)
    bindings.wasmtime_pooling_allocation_config_delete(pool)


def _skip_frees_at_exit() -> None:
    """At interpreter exit wasmtime-py's finalizers run after its ctypes bindings are torn
    down and print a TypeError each; the process is ending, so there is nothing to free."""
    wasmtime._managed.Managed.__del__ = lambda _self: None  # type: ignore[method-assign]


atexit.register(_skip_frees_at_exit)


def engine() -> wasmtime.Engine:
    """The process-wide Engine (created on first use; compiled modules belong to it)."""
    global _engine, _engine_address  # noqa: PLW0603 - a lazily created process-wide singleton
    with _engine_lock:
        if _engine is None:
            _engine = wasmtime.Engine(_config())
            _engine_address = _address(_engine.ptr())
        return _engine


_engine_address = 0


def engine_address() -> int:
    """The Engine's C pointer, for the raw calls."""
    return _engine_address or _address(engine().ptr())


class EpochTicker:
    """One thread advancing the engine's epoch every millisecond while executions run.

    An execution's deadline is "this many ticks from now" (``set_epoch_deadline``); wasmtime
    checks it at function entries and loop back-edges and traps with ``INTERRUPT``. The thread
    sleeps on an event while nothing runs, so an idle process does not wake a thousand times a
    second. ``epoch`` counts its ticks (it may lag the engine's by the tick in progress).
    """

    def __init__(self) -> None:
        self.epoch = 0
        self._lock = threading.Lock()
        self._active = 0
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def hold(self) -> None:
        with self._lock:
            self._active += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="wasm-epoch",
                                                daemon=True)
                self._thread.start()
            self._wake.set()

    def release(self) -> None:
        with self._lock:
            self._active -= 1
            if self._active == 0:
                self._wake.clear()

    def _run(self) -> None:
        address = engine_address()
        last = time.monotonic()
        while True:
            if not self._wake.is_set():
                self._wake.wait()
                last = time.monotonic()  # idle time is no execution's
            time.sleep(EPOCH_TICK_SECONDS)
            # As many ticks as milliseconds passed: a sleep that overran (a busy host) must
            # not stretch every deadline by as much.
            ticks = max(1, int((time.monotonic() - last) / EPOCH_TICK_SECONDS))
            last += ticks * EPOCH_TICK_SECONDS
            for _ in range(ticks):
                _increment_epoch(address)
            self.epoch += ticks

    def forked(self) -> None:
        """In a forked child the thread is gone: start afresh (a new one on the next hold)."""
        self._lock, self._wake = threading.Lock(), threading.Event()
        self._active, self._thread = 0, None


TICKER = EpochTicker()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=TICKER.forked)


# --- compiled modules ---------------------------------------------------------------------

_MODULE_CACHE_SIZE = 128
_modules: OrderedDict[str, wasmtime.Module] = OrderedDict()
_modules_lock = threading.Lock()


def compiled_module(wasm: bytes, code_hash: str) -> wasmtime.Module:
    """The compiled module for ``wasm`` (compiled once per process, the last 128 kept).

    Raises ``wasmtime.WasmtimeError`` when the engine refuses the module.
    """
    with _modules_lock:
        module = _modules.get(code_hash)
        if module is not None:
            _modules.move_to_end(code_hash)
            return module
    module = wasmtime.Module(engine(), wasm)
    with _modules_lock:
        _modules[code_hash] = module
        while len(_modules) > _MODULE_CACHE_SIZE:
            _modules.popitem(last=False)
    return module


def func_type(params: Sequence[str], results: Sequence[str]) -> wasmtime.FuncType:
    return wasmtime.FuncType([_VALTYPES[p]() for p in params], [_VALTYPES[r]() for r in results])


def type_names(types: Sequence[wasmtime.ValType]) -> tuple[str, ...]:
    return tuple(str(t) for t in types)


# --- host functions -------------------------------------------------------------------------

class HostFailure:
    """Where host callbacks park the Python exception that ended an execution."""

    __slots__ = ("error",)

    def __init__(self) -> None:
        self.error: BaseException | None = None

    def take(self) -> BaseException | None:
        error, self.error = self.error, None
        return error


_HOST_TRAP_MESSAGE = b"host function failed"


# An unchecked host callback: (env, caller, args_and_results, count) -> trap pointer or 0.
# The slots are 16-byte ``wasmtime_val_raw_t``; typing them as an array of 32-bit (or, for
# i64 results, 64-bit) integers lets a callback index them directly, the cheapest way ctypes
# offers. i32 arguments are read unsigned: a negative pointer or length is out of bounds.
_SLOTS = {"i32": ctypes.POINTER(c_uint32), "i64": ctypes.POINTER(c_int64)}
_STRIDE = 4  # 16-byte slots in units of 32 bits


def _callback_type(results: Sequence[str]) -> Any:
    return ctypes.CFUNCTYPE(c_size_t, c_void_p, c_void_p, _SLOTS[results[0] if results else "i32"],
                            c_size_t)


def _host_callback(function: Callable[..., Any], params: Sequence[str],
                   results: Sequence[str], failure: HostFailure) -> Any:
    """Adapt ``function(*int args) -> int | None`` to an unchecked callback.

    A Python exception becomes a trap (it waits in ``failure``), which unwinds the guest.
    Written out per shape (the host ABI has four): this runs on every host call.
    """

    def trap(error: BaseException) -> int:
        failure.error = error
        return _trap_new(_HOST_TRAP_MESSAGE, len(_HOST_TRAP_MESSAGE)) or 0

    arity, returns = len(params), bool(results)
    if arity == 0 and returns:
        def callback(_env: int, _caller: int, slots: Any, _count: int) -> int:
            try:
                slots[0] = function()
                return 0
            except BaseException as error:
                return trap(error)
    elif arity == 1 and not returns:
        def callback(_env: int, _caller: int, slots: Any, _count: int) -> int:
            try:
                function(slots[0])
                return 0
            except BaseException as error:
                return trap(error)
    elif arity == 2:
        def callback(_env: int, _caller: int, slots: Any, _count: int) -> int:
            try:
                value = function(slots[0], slots[_STRIDE])
                if returns:
                    slots[0] = value
                return 0
            except BaseException as error:
                return trap(error)
    elif arity == 4:
        def callback(_env: int, _caller: int, slots: Any, _count: int) -> int:
            try:
                value = function(slots[0], slots[_STRIDE], slots[2 * _STRIDE],
                                 slots[3 * _STRIDE])
                if returns:
                    slots[0] = value
                return 0
            except BaseException as error:
                return trap(error)
    else:
        raise ValueError(f"no callback shape for {arity} parameters, results {results}")
    return _callback_type(results)(callback)


class HostLinker:
    """A Linker with the host ABI bound to one set of Python functions, and the
    ``InstancePre`` of each module linked against it."""

    def __init__(self, module_name: str, functions: Mapping[str, Callable[..., Any]],
                 signatures: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]],
                 failure: HostFailure) -> None:
        self._linker = wasmtime.Linker(engine())
        self._callbacks = []  # the linker holds raw pointers to these: keep them alive
        linker_address = _address(self._linker.ptr())
        module = module_name.encode()
        for name, (params, results) in signatures.items():
            callback = _host_callback(functions[name], params, results, failure)
            self._callbacks.append(callback)
            ty = func_type(params, results)
            error = _define_unchecked(linker_address, module, len(module), name.encode(),
                                      len(name), _address(ty.ptr()), _address(callback), None,
                                      None)
            if error:
                raise _wasmtime_error(error)
        self._pres: OrderedDict[str, wasmtime.InstancePre] = OrderedDict()

    def instance_pre(self, code_hash: str, module: wasmtime.Module) -> wasmtime.InstancePre:
        pre = self._pres.get(code_hash)
        if pre is None:
            pre = self._pres[code_hash] = self._linker.instantiate_pre(module)
            while len(self._pres) > _MODULE_CACHE_SIZE:
                self._pres.popitem(last=False)
        else:
            self._pres.move_to_end(code_hash)
        return pre


def _wasmtime_error(address: int) -> wasmtime.WasmtimeError:
    return wasmtime.WasmtimeError._from_ptr(
        ctypes.cast(address, ctypes.POINTER(ffi.wasmtime_error_t)))


def new_store(max_memory_bytes: int) -> wasmtime.Store:
    """A store for one instance: memory, tables and instances capped."""
    store = wasmtime.Store(engine())
    store.set_limits(memory_size=max_memory_bytes, table_elements=MAX_TABLE_ELEMENTS,
                     instances=1, tables=1, memories=1)
    return store


# --- one instance ---------------------------------------------------------------------------

class NativeInstance:
    """One instantiated module in its own store, called through the unchecked C API.

    ``base`` is the address of the exported linear memory (it never moves). The store is
    created and deleted through the C API directly (wasmtime-py's ``Store`` costs ~15 µs
    more per instance); deleting it returns the instance's slot to the pool.
    """

    __slots__ = ("_deadline", "_exports", "_fuel", "_fuel_address", "_functions", "_instance",
                 "_memory_address", "_pre", "_store", "_trap", "_trap_address", "_trap_code",
                 "base", "context")

    def __init__(self, pre: wasmtime.InstancePre, max_memory_bytes: int) -> None:
        self._store = 0
        self._pre = pre  # the instance's code: kept as long as the instance
        self._store = _store_new(engine_address(), None, None) or 0
        self.context = _store_context(self._store) or 0
        _store_limiter(self._store, max_memory_bytes, MAX_TABLE_ELEMENTS, 1, 1, 1)
        self._instance = ffi.wasmtime_instance_t()
        self._trap = c_void_p()
        self._trap_address = ctypes.addressof(self._trap)
        error = _pre_instantiate(_address(pre.ptr()), self.context,
                                 ctypes.addressof(self._instance), self._trap_address)
        if error:
            raise _wasmtime_error(error)
        if self._trap.value:  # modules have no start function: only resource limits trap
            _trap_delete(self._trap.value)
            raise wasmtime.WasmtimeError("the module trapped while being instantiated")
        self._exports: dict[str, Any] = {}  # the extern structs: the addresses point into them
        self._functions: dict[str, int | None] = {}
        memory = self._export("memory", ffi.WASMTIME_EXTERN_MEMORY.value)
        if memory is None:
            raise wasmtime.WasmtimeError("the module exports no memory")
        self._memory_address = ctypes.addressof(memory.of.memory)
        self.base = _memory_data(self.context, self._memory_address) or 0
        self._fuel = c_uint64()
        self._fuel_address = ctypes.addressof(self._fuel)
        self._trap_code = c_uint8()
        self._deadline = -1  # ticker epoch * 2**32 + ticks, when the deadline was last set

    def __del__(self) -> None:
        if self._store and _store_delete is not None:  # (None at interpreter shutdown)
            _store_delete(self._store)
            self._store = 0

    def _export(self, name: str, kind: int) -> Any:
        if name not in self._exports:
            item = ffi.wasmtime_extern_t()
            raw = name.encode()
            found = _export_get(self.context, ctypes.addressof(self._instance), raw, len(raw),
                                ctypes.addressof(item))
            self._exports[name] = item if found and item.kind == kind else None
        return self._exports[name]

    def function(self, name: str) -> int | None:
        """The address of an exported function's handle (None if there is none)."""
        address = self._functions.get(name)
        if address is None:
            item = self._export(name, ffi.WASMTIME_EXTERN_FUNC.value)
            address = self._functions[name] = (None if item is None
                                                else ctypes.addressof(item.of.func))
        return address

    def memory_view(self) -> memoryview:
        """The linear memory as it is now (valid while this instance lives; a view of the
        old size stays valid after the guest grows it, as memory never moves)."""
        size = _memory_size(self.context, self._memory_address)
        return memoryview((ctypes.c_char * size).from_address(self.base)).cast("B")

    def call(self, function: int, fuel: int, deadline_ticks: int) -> tuple[int, int | None]:
        """Call a () -> () export with ``fuel`` and a deadline; returns the fuel left and
        None, or the trap code (``TRAP_FROM_HOST`` for a trap a host function raised)."""
        context = self.context
        _set_fuel(context, fuel)
        deadline = (TICKER.epoch << 32) + deadline_ticks
        if deadline != self._deadline:  # within one tick, the deadline set last still holds
            _set_deadline(context, deadline_ticks)
            self._deadline = deadline
        error = _call(context, function, None, 0, self._trap_address)
        _get_fuel(context, self._fuel_address)
        if error:  # what a trap raised by a host function comes back as
            _error_delete(error)
            return self._fuel.value, TRAP_FROM_HOST
        trap = self._trap.value
        if not trap:
            return self._fuel.value, None
        self._trap.value = None
        has_code = _trap_code(trap, ctypes.addressof(self._trap_code))
        _trap_delete(trap)
        return self._fuel.value, (self._trap_code.value if has_code else TRAP_FROM_HOST)


# --- deployment checks ----------------------------------------------------------------------

def trial_instantiate(module: wasmtime.Module, module_name: str,
                      signatures: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]],
                      max_memory_bytes: int) -> None:
    """Instantiate once in a throwaway store with stub host functions (never called: modules
    have no start function) to catch what only instantiation checks: memory or table minimums
    above the limits, data or element segments out of bounds. Raises wasmtime's error."""
    linker = wasmtime.Linker(engine())
    for name, (params, results) in signatures.items():
        linker.define_func(module_name, name, func_type(params, results), _never_called)
    linker.instantiate(new_store(max_memory_bytes), module)


def _never_called(*_args: Any) -> None:
    raise RuntimeError("host functions are not available while a module is validated")
