"""WebAssembly contracts for the unified engine, on wasmtime.

- ``validation``: deployment checks (``validate_module`` -> ``WasmModuleInfo``);
- ``manifest`` and ``abi``: the contract's ABI and the binary encoding of values;
- ``host``: the host ABI (module ``"cms"``) the guest imports;
- ``gas``: the WebAssembly gas schedule (fuel for instructions, the meter for the rest);
- ``runtime``: execution (``WasmRuntime``), with wall-clock and memory limits;
- ``native``: the process-wide wasmtime Engine, epoch ticker and raw call path;
- ``limits``: every size and time limit.

Pure domain code: no I/O besides the ``ContractState`` it is given. ``docs/wasm-contracts.md``
describes it for contract authors.
"""

from cms.domain.engine.wasm.abi import TYPES, AbiDecodeError, Param, WasmEvent, WasmFunction
from cms.domain.engine.wasm.gas import DEFAULT_WASM_SCHEDULE, WasmGasSchedule
from cms.domain.engine.wasm.host import HOST_FUNCTIONS, HOST_MODULE, storage_key
from cms.domain.engine.wasm.runtime import (
    CallContext,
    WasmCall,
    WasmCallOutcome,
    WasmRuntime,
    WasmSession,
)
from cms.domain.engine.wasm.validation import WasmModuleInfo, validate_module

__all__ = [
    "DEFAULT_WASM_SCHEDULE", "HOST_FUNCTIONS", "HOST_MODULE", "TYPES", "AbiDecodeError",
    "CallContext", "Param", "WasmCall", "WasmCallOutcome", "WasmEvent", "WasmFunction",
    "WasmGasSchedule", "WasmModuleInfo", "WasmRuntime", "WasmSession", "storage_key",
    "validate_module",
]
